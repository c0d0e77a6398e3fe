#include "JobContext.h"

#include <cstdio>

namespace facelab::jobs {

void PlainJobContext::setProgress(qint64 done, qint64 total, const QString &what)
{
    if (!m_print || total <= 0)
        return;
    const int pct = int(done * 100 / total);
    if (pct == m_lastPercent)
        return;
    m_lastPercent = pct;
    std::fprintf(stderr, "\r%s %3d%% (%lld/%lld)", qPrintable(what), pct, (long long)done, (long long)total);
    if (done >= total)
        std::fputc('\n', stderr);
}

void PlainJobContext::log(const QString &line)
{
    m_log += line + QLatin1Char('\n');
    if (m_print)
        std::fprintf(stderr, "%s\n", qPrintable(line));
}

} // namespace facelab::jobs

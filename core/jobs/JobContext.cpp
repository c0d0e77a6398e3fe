#include "JobContext.h"

#include "RunRecorder.h"

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

qint64 PlainJobContext::runId() const
{
    return m_recorder ? m_recorder->id() : m_runId;
}

void PlainJobContext::log(const QString &line)
{
    m_log += line + QLatin1Char('\n');
    if (m_recorder) {
        try {
            m_recorder->log(line);
        } catch (const std::exception &) {
            // A log line the store cannot take is not worth failing the work for.
        }
    }
    if (m_print)
        std::fprintf(stderr, "%s\n", qPrintable(line));
}

} // namespace facelab::jobs

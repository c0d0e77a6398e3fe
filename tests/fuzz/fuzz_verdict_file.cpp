// libFuzzer entry point for the verdict-file reader (facelab label --from): any bytes must give
// verdicts and problems (each on a line of the input, at most kMaxVerdictFileProblems), never a
// crash, a hang, an exception or undefined behaviour. The lines are matched against five pairs.
//   fuzz_verdict_file -max_total_time=300 -rss_limit_mb=2048 CORPUS_COPY   (seeds: corpus/verdict_file)
#include "data/VerdictFile.h"

#include <QBuffer>
#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace facelab::data;
    static const VerdictPairIndex pairs = [] {
        VerdictPairIndex index;
        const char *people[] = {"Ann", "Bob", "Cid"};
        for (int i = 1; i <= 5; ++i)
            index.add(i, QStringLiteral("/faces/%1/%2.jpg").arg(QLatin1String(people[i % 3])).arg(i),
                      QStringLiteral("/faces/%1/%2.jpg").arg(QLatin1String(people[(i + 1) % 3])).arg(i + 1));
        return index;
    }();
    QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QBuffer in(&bytes);
    in.open(QIODevice::ReadOnly);
    const VerdictFileReport r = parseVerdicts(in, QStringLiteral("fuzz/verdicts.csv"), pairs);
    // What the reader promises: every verdict names a known pair and a line of the input, and the
    // problems stop at their limit.
    const qint64 lines = bytes.count('\n') + 1;
    for (const VerdictLine &v : r.verdicts)
        if (!pairs.contains(v.pairId) || v.line < 1 || v.line > lines)
            std::abort();
    for (const ImportProblem &p : r.problems)
        if (p.line < 1 || p.line > lines || p.toString().isEmpty())
            std::abort();
    if (r.problems.size() > kMaxVerdictFileProblems)
        std::abort();
    return 0;
}

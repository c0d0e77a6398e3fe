// libFuzzer entry point for the pairs-file reader (LFW pairs.txt and CSV): any bytes must give
// parsed pairs or an ImportError, never a crash, a hang or undefined behaviour.
//   fuzz_pairs_file -max_total_time=240 -rss_limit_mb=2048 CORPUS_COPY   (seeds: corpus/pairs_file)
#include "data/ImportReport.h"
#include "data/PairsFileImport.h"

#include <QBuffer>
#include <QByteArray>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QBuffer in(&bytes);
    in.open(QIODevice::ReadOnly);
    try {
        const auto content = facelab::data::parsePairsFile(in, QStringLiteral("fuzz/pairs.txt"));
        for (const auto &p : content.pairs)
            (void)p.pathA.size();
        for (const auto &pr : content.problems)
            (void)pr.toString();
    } catch (const facelab::data::ImportError &) {
    }
    return 0;
}

// Benchmark (not a test: nothing here asserts a time): reading training faces from an InsightFace
// RecordIO pack against reading the same JPEG files from a folder, single-threaded, both warm in
// the page cache (a first pass is not timed). The faces112 crops are JPEG-encoded (quality 95, as
// InsightFace packs hold them) into DIR/jpeg/<i>.jpg and into DIR/train.rec + train.idx.
//   bench_recordio [PASSES]     default 5 passes over the 942 faces
// Prints records/s of read+decode (RecordIoReader::read + decodeRecordImage vs cv::imread) and of
// the bytes alone (read vs open+read+close of each file), and their ratios.
//   bench_recordio open [N]     opening a pack of N records (default 5,800,000, MS1MV2's size, with
//                               tiny payloads and 85,742 identities): index parse and identity ranges
#include "common/DevFaces.h"
#include "data/RecordIo.h"
#include "data/RecordIoFaceSet.h"
#include "data/RecordIoImage.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sys/resource.h>

using namespace facelab;

namespace {

long peakRssMb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024;
}

// An InsightFace-layout pack of n image records (16-byte payloads) and `people` identities.
int openLargePack(std::uint64_t n, std::uint64_t people)
{
    QTemporaryDir tmp;
    const std::string rec = tmp.filePath("big.rec").toStdString();
    {
        data::RecordIoWriter w(rec, tmp.filePath("big.idx").toStdString());
        const std::uint64_t a = n + 1;
        w.write(0, data::packRecord({float(a), float(a + people)}, ""));
        for (std::uint64_t k = 1; k <= n; ++k)
            w.write(k, data::packRecord({float((k - 1) * people / n)}, "0123456789abcdef", k));
        for (std::uint64_t p = 0; p < people; ++p) {
            // Identity p's images: the k with (k - 1) * people / n == p.
            const std::uint64_t first = (p * n + people - 1) / people + 1, last = ((p + 1) * n + people - 1) / people + 1;
            w.write(a + p, data::packRecord({float(first), float(last)}, ""));
        }
        w.close();
    }
    const long rssBefore = peakRssMb();
    QElapsedTimer t;
    t.start();
    const data::RecordIoFaceSet set(rec);
    const double openS = double(t.nsecsElapsed()) / 1e9;
    t.restart();
    const std::vector<std::int64_t> ids = set.identities();
    const double idsS = double(t.nsecsElapsed()) / 1e9;
    std::printf("recordio open: %zu images, %zu identities: open (index + identity records) %.2f s, identities of "
                "every image %.2f s, peak RSS +%ld MB; last image's identity %lld\n",
                set.imageCount(), set.identityCount(), openS, idsS, peakRssMb() - rssBefore,
                static_cast<long long>(ids.back()));
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc > 1 && std::string(argv[1]) == "open")
        return openLargePack(argc > 2 ? std::uint64_t(std::atoll(argv[2])) : 5800000, 85742);
    const int passes = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    QTemporaryDir tmp;
    QStringList sources;
    QDirIterator it(test::devFacesDir(), {"*.png", "*.jpg"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        sources << it.next();
    sources.sort();
    if (sources.isEmpty()) {
        std::fprintf(stderr, "no faces under %s\n", qPrintable(test::devFacesDir()));
        return 1;
    }
    QDir(tmp.path()).mkpath("jpeg");
    std::vector<std::string> files;
    std::size_t bytes = 0;
    {
        data::RecordIoWriter w(tmp.filePath("train.rec").toStdString(), tmp.filePath("train.idx").toStdString());
        for (int i = 0; i < sources.size(); ++i) {
            std::vector<uchar> jpg;
            cv::imencode(".jpg", cv::imread(sources[i].toStdString()), jpg, {cv::IMWRITE_JPEG_QUALITY, 95});
            const std::string payload(jpg.begin(), jpg.end());
            files.push_back(tmp.filePath(QStringLiteral("jpeg/%1.jpg").arg(i)).toStdString());
            std::ofstream(files.back(), std::ios::binary) << payload;
            w.write(std::uint64_t(i), data::packRecord({float(i % 24)}, payload));
            bytes += payload.size();
        }
        w.close();
    }
    const data::RecordIoReader rec(tmp.filePath("train.rec").toStdString());
    const std::size_t n = files.size();

    auto time = [&](auto &&one) {
        std::size_t sink = 0;
        for (std::size_t i = 0; i < n; ++i)   // warm-up: page cache and allocator
            sink += one(i);
        QElapsedTimer t;
        t.start();
        for (int p = 0; p < passes; ++p)
            for (std::size_t i = 0; i < n; ++i)
                sink += one(i);
        const double s = double(t.nsecsElapsed()) / 1e9;
        if (sink == 0)
            std::fprintf(stderr, "nothing read\n");
        return double(n) * passes / s;
    };
    const double recDecode = time([&](std::size_t i) { return data::decodeRecordImage(rec.read(i), rec.recPath()).total(); });
    const double fileDecode = time([&](std::size_t i) { return cv::imread(files[i], cv::IMREAD_COLOR).total(); });
    const double recBytes = time([&](std::size_t i) { return rec.read(i).payload.size(); });
    const double fileBytes = time([&](std::size_t i) {
        std::ifstream in(files[i], std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {}).size();
    });
    std::printf("recordio: %zu JPEG faces (%.1f KB mean), %d passes, one thread, warm cache\n", n,
                double(bytes) / double(n) / 1024.0, passes);
    std::printf("  read+decode: .rec %.0f records/s, folder %.0f images/s, ratio %.2f\n", recDecode, fileDecode,
                recDecode / fileDecode);
    std::printf("  bytes only:  .rec %.0f records/s, folder %.0f files/s, ratio %.2f\n", recBytes, fileBytes,
                recBytes / fileBytes);
    return 0;
}

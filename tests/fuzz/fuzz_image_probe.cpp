// libFuzzer entry point for image probing: any file content must give facts or a reason
// (probeImage), and a file that probes must decode or throw FaceError (decodeImageBgr), never
// crash. probeImage takes a path, so each input is written to one temp file per process.
//   fuzz_image_probe -max_total_time=240 -rss_limit_mb=2048 CORPUS_COPY   (seeds: corpus/image_probe)
#include "data/ImageDecode.h"
#include "data/ImageProbe.h"
#include "data/face/FaceErrors.h"

#include <QDir>
#include <QFile>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <unistd.h>

namespace {

const QString &tempFile()
{
    static const QString path = [] {
        std::atexit([] { QFile::remove(tempFile()); }); // no litter in /tmp after a run
        return QDir::temp().filePath(QStringLiteral("facelab_fuzz_image_%1.bin").arg(qint64(::getpid())));
    }();
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    (void)facelab::data::sniffImageFormat(bytes);
    {
        QFile f(tempFile());
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
            std::abort(); // the harness itself is broken, not the input
    }
    static const bool decoderSet = (facelab::data::useOpenCvFallbackDecoder(), true);
    (void)decoderSet;
    QString why;
    const auto facts = facelab::data::probeImage(tempFile(), &why);
    // Decoding is what every later stage does with an imported file; bounded so that one input
    // costs milliseconds (a header may promise any size).
    if (facts && qint64(facts->width) * facts->height <= 512 * 512) {
        try {
            const cv::Mat bgr = facelab::data::decodeImageBgr(tempFile());
            (void)facelab::data::bgrToQImage(bgr);
        } catch (const facelab::face::FaceError &) {
        }
    }
    return 0;
}

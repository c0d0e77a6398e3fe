#include "ImageProbe.h"

#include "face/JpegStructure.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QImageIOHandler>
#include <QImageReader>
#include <mutex>

namespace facelab::data {

namespace {
std::mutex g_fallbackMutex;
FallbackDecoder g_fallback;
} // namespace

void setFallbackDecoder(FallbackDecoder decoder)
{
    const std::lock_guard<std::mutex> lock(g_fallbackMutex);
    g_fallback = std::move(decoder);
}

bool hasImageExtension(const QString &fileName)
{
    static const QStringList exts = {"jpg", "jpeg", "jpe", "png", "bmp", "dib", "webp", "tif", "tiff", "ppm", "pgm",
                                     "pbm", "pnm", "gif", "jp2", "exr", "hdr", "ico"};
    return exts.contains(QFileInfo(fileName).suffix().toLower());
}

QString sniffImageFormat(const QByteArray &b)
{
    auto starts = [&b](const char *sig, int n, int at = 0) { return b.size() >= at + n && b.mid(at, n) == QByteArray(sig, n); };
    if (starts("\xFF\xD8\xFF", 3))
        return QStringLiteral("jpeg");
    if (starts("\x89PNG\r\n\x1A\n", 8))
        return QStringLiteral("png");
    if (starts("RIFF", 4) && starts("WEBP", 4, 8))
        return QStringLiteral("webp");
    if (starts("II*\0", 4) || starts("MM\0*", 4))
        return QStringLiteral("tiff");
    if (starts("BM", 2))
        return QStringLiteral("bmp");
    if (starts("GIF8", 4))
        return QStringLiteral("gif");
    if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7' && QChar::isSpace(uchar(b[2])))
        return QStringLiteral("pnm");
    if (starts("\0\0\1\0", 4))
        return QStringLiteral("ico");
    if (starts("\0\0\0\x0CjP  ", 8) || starts("\xFF\x4F\xFF\x51", 4))
        return QStringLiteral("jpeg2000");
    if (starts("\x76\x2F\x31\x01", 4))
        return QStringLiteral("exr");
    if (starts("#?RADIANCE", 10) || starts("#?RGBE", 6))
        return QStringLiteral("hdr");
    return {};
}

std::optional<ImageFacts> probeImage(const QString &path, QString *why)
{
    QFile f(path);
    if (!f.exists()) {
        *why = QStringLiteral("file not found");
        return std::nullopt;
    }
    if (!f.open(QIODevice::ReadOnly)) {
        *why = QStringLiteral("cannot open: %1").arg(f.errorString());
        return std::nullopt;
    }
    if (f.size() == 0) {
        *why = QStringLiteral("empty file");
        return std::nullopt;
    }
    // Content that no reader claims is refused from its first bytes (a video in a person's
    // folder is not read whole).
    const QString sniffed = sniffImageFormat(f.peek(16));
    if (sniffed.isEmpty() && QImageReader::imageFormat(&f).isEmpty()) {
        *why = QStringLiteral("not a readable image (the content is no image format Qt or OpenCV reads)");
        return std::nullopt;
    }
    // One read serves the hash, the size and the JPEG check (photos are megabytes, not more).
    QByteArray bytes = f.readAll();
    if (f.error() != QFileDevice::NoError) {
        *why = QStringLiteral("read error: %1").arg(f.errorString());
        return std::nullopt;
    }
    if (bytes.isEmpty()) {
        *why = QStringLiteral("empty file");
        return std::nullopt;
    }
    ImageFacts facts;
    facts.format = sniffed;
    facts.sizeBytes = bytes.size();
    facts.sha256 = QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    if (facts.format == QLatin1String("jpeg")) {
        // A cut-short JPEG decodes into a half-grey picture without an error: walk its markers
        // and scans to the end-of-image marker (the face stage refuses the same files).
        const std::string problem = face::jpegStructureProblem(reinterpret_cast<const unsigned char *>(bytes.constData()),
                                                               size_t(bytes.size()));
        if (!problem.empty()) {
            *why = QString::fromStdString(problem);
            return std::nullopt;
        }
    }
    if (facts.format == QLatin1String("png")) {
        // The same for PNG, whose header Qt reads however short the rest: a whole PNG holds its
        // IEND chunk (bytes after it, like zero padding, are tolerated, as for JPEG).
        static const QByteArray iend("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
        if (bytes.lastIndexOf(iend) < 0) {
            *why = QStringLiteral("truncated PNG (file ends before the IEND chunk)");
            return std::nullopt;
        }
    }
    {
        // Formats Qt reads give their size from the header, without decoding pixels.
        QBuffer buf(&bytes);
        buf.open(QIODevice::ReadOnly);
        QImageReader reader(&buf);
        reader.setDecideFormatFromContent(true);
        reader.setAutoTransform(true);
        QSize size = reader.size();
        bool upright = false;
        if (reader.canRead() && !size.isValid()) {
            size = reader.read().size();   // a handler that cannot tell its size without decoding (ICO)
            upright = true;
        }
        if (size.isValid() && !size.isEmpty()) {
            const bool swapped = !upright && (reader.transformation() & QImageIOHandler::TransformationRotate90);
            facts.width = swapped ? size.height() : size.width();
            facts.height = swapped ? size.width() : size.height();
            if (facts.format.isEmpty())
                facts.format = QString::fromLatin1(reader.format());
            return facts;
        }
    }
    // The rest (JPEG 2000, EXR, HDR; WebP and TIFF when Qt lacks its plugins): decoded once by the
    // decoder the face stage uses (set by whoever links it), which also proves the pixels readable.
    FallbackDecoder fallback;
    {
        const std::lock_guard<std::mutex> lock(g_fallbackMutex);
        fallback = g_fallback;
    }
    const QString kind = facts.format.isEmpty() ? QStringLiteral("unknown") : facts.format;
    if (!fallback) {
        *why = QStringLiteral("not a readable image (%1 content; no installed decoder reads it)").arg(kind);
        return std::nullopt;
    }
    const std::optional<QSize> size = fallback(path, facts.format, why);
    if (!size)
        return std::nullopt;
    facts.width = size->width();
    facts.height = size->height();
    if (facts.format.isEmpty())
        facts.format = QFileInfo(path).suffix().toLower();
    return facts;
}

} // namespace facelab::data

#include "ImageProbe.h"

#include "face/FaceErrors.h"
#include "face/FaceImage.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QImageIOHandler>
#include <QImageReader>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace facelab::data {

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
    // The rest (WebP, TIFF, JPEG 2000, ... when Qt has no plugin for them): decode once with the
    // decoder the face stage uses, which also proves the pixels are readable.
    if (!cv::haveImageReader(path.toStdString())) {
        *why = QStringLiteral("not a readable image (%1 content; no installed decoder reads it)")
                   .arg(facts.format.isEmpty() ? QStringLiteral("unknown") : facts.format);
        return std::nullopt;
    }
    try {
        const cv::Mat bgr = face::loadFaceImage(path.toStdString());
        facts.width = bgr.cols;
        facts.height = bgr.rows;
    } catch (const face::FaceError &e) {
        // FaceImageError's message names the path; the report names the file already.
        QString msg = QString::fromStdString(e.what());
        const QString prefix = QStringLiteral("cannot read image %1: ").arg(path);
        if (msg.startsWith(prefix))
            msg = msg.mid(prefix.size());
        *why = QStringLiteral("not a readable %1 image (%2)").arg(facts.format.isEmpty() ? QStringLiteral("OpenCV") : facts.format, msg);
        return std::nullopt;
    }
    if (facts.format.isEmpty())
        facts.format = QFileInfo(path).suffix().toLower();
    return facts;
}

cv::Mat decodeImageBgr(const QString &path)
{
    const std::string p = path.toStdString();
    // OpenCV first (it reads every format the face stage was tuned on, with the JPEG checks);
    // an empty or missing file gets loadFaceImage's message too.
    const QFileInfo fi(path);
    if (!fi.exists() || fi.size() == 0 || cv::haveImageReader(p))
        return face::loadFaceImage(p);
    QImageReader reader(path);
    reader.setDecideFormatFromContent(true);
    reader.setAutoTransform(true);
    QImage img = reader.read();
    if (img.isNull())
        throw face::FaceImageError(p, "not an image (" + reader.errorString().toStdString() + ")");
    // Premultiplied ARGB is the picture composited over black, as loadFaceImage does.
    img = img.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    cv::Mat bgra(img.height(), img.width(), CV_8UC4, img.bits(), size_t(img.bytesPerLine()));
    cv::Mat bgr;
    cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);   // QImage 32-bit is B,G,R,A in memory (little endian)
    return bgr;
}

QImage bgrToQImage(const cv::Mat &bgr)
{
    QImage out(bgr.cols, bgr.rows, QImage::Format_RGB32);
    for (int y = 0; y < bgr.rows; ++y) {
        const cv::Vec3b *src = bgr.ptr<cv::Vec3b>(y);
        QRgb *dst = reinterpret_cast<QRgb *>(out.scanLine(y));
        for (int x = 0; x < bgr.cols; ++x)
            dst[x] = qRgb(src[x][2], src[x][1], src[x][0]);
    }
    return out;
}

} // namespace facelab::data

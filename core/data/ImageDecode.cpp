#include "ImageDecode.h"

#include "ImageProbe.h"
#include "face/FaceErrors.h"
#include "face/FaceImage.h"

#include <QFileInfo>
#include <QImageIOHandler>
#include <QImageReader>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace facelab::data {

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

std::optional<QSize> openCvImageSize(const QString &path, const QString &sniffedFormat, QString *why)
{
    if (!cv::haveImageReader(path.toStdString())) {
        *why = QStringLiteral("not a readable image (%1 content; no installed decoder reads it)")
                   .arg(sniffedFormat.isEmpty() ? QStringLiteral("unknown") : sniffedFormat);
        return std::nullopt;
    }
    try {
        const cv::Mat bgr = face::loadFaceImage(path.toStdString());
        return QSize(bgr.cols, bgr.rows);
    } catch (const face::FaceError &e) {
        // FaceImageError's message names the path; the import report names the file already.
        QString msg = QString::fromStdString(e.what());
        const QString prefix = QStringLiteral("cannot read image %1: ").arg(path);
        if (msg.startsWith(prefix))
            msg = msg.mid(prefix.size());
        *why = QStringLiteral("not a readable %1 image (%2)")
                   .arg(sniffedFormat.isEmpty() ? QStringLiteral("OpenCV") : sniffedFormat, msg);
        return std::nullopt;
    }
}

void useOpenCvFallbackDecoder()
{
    setFallbackDecoder(openCvImageSize);
}

} // namespace facelab::data

#pragma once
// Decoding image files to pixels: the one decoder every stage uses (face stage, image cache, the
// import probe's fallback), so a file that imports is a file the rest of FaceLab reads the same
// way. OpenCV for what it reads, Qt's image plugins for the rest.
#include <QImage>
#include <QSize>
#include <QString>
#include <opencv2/core.hpp>
#include <optional>

namespace facelab::data {

// Decodes a file to 8-bit BGR, upright, alpha composited over black, 16-bit scaled to 8-bit,
// CMYK converted: OpenCV for what it reads (face::loadFaceImage, with its JPEG checks), Qt's
// image plugins for the rest (GIF, ICO, ...). Throws face::FaceImageError naming the file.
cv::Mat decodeImageBgr(const QString &path);
// The same pixels as a QImage (RGB32).
QImage bgrToQImage(const cv::Mat &bgr);

// The import probe's fallback (ImageProbe.h): decodes a file only OpenCV reads to learn its size.
std::optional<QSize> openCvImageSize(const QString &path, const QString &sniffedFormat, QString *why);
// Installs openCvImageSize as the probe's fallback decoder (programs that link OpenCV call it once).
void useOpenCvFallbackDecoder();

} // namespace facelab::data

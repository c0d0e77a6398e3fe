#pragma once
// What an image file is, judged by its content (never its name): the facts the store keeps
// (sha256, size, dimensions) and the one decoder every stage uses (import probe, face stage,
// image cache), so a file that imports is a file the rest of FaceLab reads the same way.
#include <QImage>
#include <QString>
#include <opencv2/core.hpp>
#include <optional>

namespace facelab::data {

struct ImageFacts
{
    QString sha256;
    qint64 sizeBytes = 0;
    int width = 0;      // as displayed (EXIF orientation applied)
    int height = 0;
    QString format;     // from the content: "jpeg", "png", "webp", "tiff", "bmp", ...
};

// Returns the facts, or nullopt with *why set: "empty file", "truncated JPEG (...)", "not an
// image (...)", "cannot open: ...". JPEGs are checked for a complete marker structure (cheap: a
// byte walk, no decode); formats Qt reads give their size from the header; formats only OpenCV
// reads (WebP, TIFF, ... without Qt's plugins) are decoded once to learn it.
std::optional<ImageFacts> probeImage(const QString &path, QString *why);

// The image format the bytes start with ("jpeg", "png", "webp", ...), empty if none we know.
QString sniffImageFormat(const QByteArray &head);

// Decodes a file to 8-bit BGR, upright, alpha composited over black, 16-bit scaled to 8-bit,
// CMYK converted: OpenCV for what it reads (face::loadFaceImage, with its JPEG checks), Qt's
// image plugins for the rest (GIF, ICO, ...). Throws face::FaceImageError naming the file.
cv::Mat decodeImageBgr(const QString &path);
// The same pixels as a QImage (RGB32).
QImage bgrToQImage(const cv::Mat &bgr);

// Only a hint for deciding whether a text line names image files (pairs files) and for
// counting loose images; import itself goes by content.
bool hasImageExtension(const QString &fileName);

} // namespace facelab::data

#pragma once
// What an image file is, judged by its content (never its name): the facts the store keeps
// (sha256, size, dimensions), read with Qt alone; pixels are decoded by ImageDecode.h.
#include <QSize>
#include <QString>
#include <functional>
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
// reads are decoded once by the fallback decoder to learn it.
std::optional<ImageFacts> probeImage(const QString &path, QString *why);

// The image format the bytes start with ("jpeg", "png", "webp", ...), empty if none we know.
QString sniffImageFormat(const QByteArray &head);

// Reads the size of a file Qt's image plugins cannot read (JPEG 2000, EXR, HDR; WebP and TIFF where
// Qt lacks its plugins) by decoding it; sniffedFormat is the content's format or empty. Returns
// nullopt with *why set when it cannot. Installed at start-up by the program: the OpenCV decoder
// (ImageDecode.h) where it is linked, loaded on demand by the small facelab binary. Without one,
// such files are refused as unreadable.
using FallbackDecoder = std::function<std::optional<QSize>(const QString &path, const QString &sniffedFormat, QString *why)>;
void setFallbackDecoder(FallbackDecoder decoder);

// Only a hint for deciding whether a text line names image files (pairs files) and for
// counting loose images; import itself goes by content.
bool hasImageExtension(const QString &fileName);

} // namespace facelab::data

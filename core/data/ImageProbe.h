#pragma once
// Reads what the store keeps about an image file (sha256, size, dimensions) without decoding
// its pixels: the header gives the size, the hash streams the bytes.
#include <QString>
#include <optional>

namespace facelab::data {

struct ImageFacts
{
    QString sha256;
    qint64 sizeBytes = 0;
    int width = 0;      // as displayed (EXIF orientation applied)
    int height = 0;
};

// Returns the facts, or nullopt with *why set ("not a readable image", "cannot open: ...").
std::optional<ImageFacts> probeImage(const QString &path, QString *why);
bool hasImageExtension(const QString &fileName);

} // namespace facelab::data

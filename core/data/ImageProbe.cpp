#include "ImageProbe.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QImageIOHandler>
#include <QImageReader>

namespace facelab::data {

bool hasImageExtension(const QString &fileName)
{
    static const QStringList exts = {"jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "ppm", "pgm"};
    return exts.contains(QFileInfo(fileName).suffix().toLower());
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
    ImageFacts facts;
    {
        // The header tells format and size without decoding pixels (a 40 MP JPEG stays cheap).
        QImageReader reader(&f);
        reader.setDecideFormatFromContent(true);
        const QSize size = reader.size();
        if (!reader.canRead() || !size.isValid() || size.isEmpty()) {
            *why = QStringLiteral("not a readable image (%1)")
                       .arg(reader.errorString().isEmpty() ? QStringLiteral("unknown format") : reader.errorString());
            return std::nullopt;
        }
        const bool swapped = reader.transformation() & QImageIOHandler::TransformationRotate90;
        facts.width = swapped ? size.height() : size.width();
        facts.height = swapped ? size.width() : size.height();
    }
    f.seek(0);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&f)) {
        *why = QStringLiteral("read error: %1").arg(f.errorString());
        return std::nullopt;
    }
    facts.sha256 = QString::fromLatin1(hash.result().toHex());
    facts.sizeBytes = f.size();
    return facts;
}

} // namespace facelab::data

#pragma once
// Small real image files for tests: written with QImage, so import reads genuine PNG/JPEG bytes.
#include <QColor>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QString>

namespace facelab::test {

// Writes a w x h image whose content depends on seed (so every file hashes differently).
inline bool writeImage(const QString &path, int seed, int w = 64, int h = 64, const char *format = nullptr)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    // Pixels from a formula, not QPainter: no fonts or QGuiApplication needed in GUI-less tests.
    QImage img(w, h, QImage::Format_RGB32);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.setPixel(x, y, qRgb((x * 7 + seed * 13) & 255, (y * 5 + seed * 29) & 255, ((x ^ y) + seed * 71) & 255));
    // The seed's 32 bits as black/white 4x4 squares along the top: no two seeds give the same
    // file, even after JPEG's quantisation.
    for (int bit = 0; bit < 32 && (bit % 16) * 4 + 4 <= w; ++bit)
        for (int dy = 0; dy < 4; ++dy)
            for (int dx = 0; dx < 4; ++dx)
                img.setPixel((bit % 16) * 4 + dx, (bit / 16) * 4 + dy, (seed >> bit) & 1 ? qRgb(255, 255, 255) : qRgb(0, 0, 0));
    return img.save(path, format);
}

inline void writeText(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(bytes);
}

// ROOT/Name_k/Name_k_%04d.jpg for k < identities, perIdentity images each (LFW layout).
inline void writeLfwTree(const QString &root, int identities, int perIdentity, int seedBase = 0)
{
    for (int k = 0; k < identities; ++k) {
        const QString name = QStringLiteral("Person_%1").arg(k);
        for (int i = 1; i <= perIdentity; ++i)
            writeImage(QStringLiteral("%1/%2/%2_%3.jpg").arg(root, name).arg(i, 4, 10, QLatin1Char('0')),
                       seedBase + k * 1000 + i);
    }
}

} // namespace facelab::test

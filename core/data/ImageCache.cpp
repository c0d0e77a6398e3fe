#include "ImageCache.h"

#include "ImageDecode.h"
#include "face/FaceErrors.h"

#include <QFileInfo>
#include <QImageIOHandler>
#include <QImageReader>
#include <QMetaObject>
#include <QThread>
#include <QtConcurrent/qtconcurrenttask.h>

#include <algorithm>

namespace facelab::data {

ImageCache::ImageCache(qint64 byteBudget, QObject *parent)
    : QObject(parent), m_budgetKb(std::max<qint64>(1024, byteBudget / 1024))
{
    m_cache.setMaxCost(qsizetype(m_budgetKb));
    // Two decoders: one for the face on screen, one for the neighbour or a prefetch.
    m_pool.setMaxThreadCount(std::clamp(QThread::idealThreadCount(), 1, 2));
    m_pool.setObjectName(QStringLiteral("ImageCache"));
}

ImageCache::~ImageCache()
{
    m_pool.clear();
    m_pool.waitForDone();
    // Results posted to this object after this point are discarded with it.
}

QSize ImageCache::bucket(QSize target)
{
    auto up = [](int v) { return std::max(32, (v + 31) / 32 * 32); };
    return {up(target.width()), up(target.height())};
}

QString ImageCache::key(const QString &path, QSize b)
{
    return path + QChar(0x1f) + QString::number(b.width()) + QLatin1Char('x') + QString::number(b.height());
}

std::optional<DecodedImage> ImageCache::find(const QString &path, QSize target) const
{
    if (const DecodedImage *d = m_cache.object(key(path, bucket(target))))
        return *d;
    return std::nullopt;
}

std::optional<DecodedImage> ImageCache::findAnySize(const QString &path) const
{
    auto it = m_sizesByPath.constFind(path);
    if (it == m_sizesByPath.constEnd())
        return std::nullopt;
    std::optional<DecodedImage> best;
    for (const QSize &s : *it) {
        if (const DecodedImage *d = m_cache.object(key(path, s))) {
            if (!best || d->image.width() * d->image.height() > best->image.width() * best->image.height())
                best = *d;
        }
    }
    return best;
}

bool ImageCache::request(const QString &path, QSize target)
{
    const QSize b = bucket(target);
    if (m_cache.contains(key(path, b)))
        return true;
    schedule(path, b, 10);
    return false;
}

void ImageCache::prefetch(const QStringList &paths, QSize target)
{
    const QSize b = bucket(target);
    for (const QString &p : paths)
        if (!m_cache.contains(key(p, b)))
            schedule(p, b, 0);
}

void ImageCache::clear()
{
    m_pool.clear();
    m_pending.clear();
    m_cache.clear();
    m_sizesByPath.clear();
    ++m_generation;
}

void ImageCache::schedule(const QString &path, QSize b, int priority)
{
    const QString k = key(path, b);
    if (m_pending.contains(k))
        return;
    m_pending.insert(k);
    const quint64 gen = m_generation;
    // The destructor waits for running decodes, so `this` outlives every task; a result posted
    // to this object after it is gone is discarded with its event queue.
    QtConcurrent::task([this, path, b, gen] {
        DecodedImage img = decode(path, b);
        QMetaObject::invokeMethod(this, [this, path, b, img, gen] { store(path, b, img, gen); },
                                  Qt::QueuedConnection);
    })
        .onThreadPool(m_pool)
        .withPriority(priority)
        .spawn(QtConcurrent::FutureResult::Ignore);
}

void ImageCache::store(const QString &path, QSize b, const DecodedImage &img, quint64 generation)
{
    if (generation != m_generation)
        return;
    const QString k = key(path, b);
    m_pending.remove(k);
    const qint64 bytes = img.image.isNull() ? 0 : qint64(img.image.sizeInBytes());
    const qsizetype cost = qsizetype(std::max<qint64>(1, bytes / 1024));
    // An image larger than the whole budget is still delivered once (find() may miss it later).
    if (m_cache.insert(k, new DecodedImage(img), std::min<qsizetype>(cost, m_cache.maxCost()))) {
        QList<QSize> &sizes = m_sizesByPath[path];
        if (!sizes.contains(b))
            sizes.push_back(b);
        // Keep the side index from growing without bound as entries are evicted.
        if (m_sizesByPath.size() > 4 * std::max<qsizetype>(64, m_cache.count())) {
            for (auto it = m_sizesByPath.begin(); it != m_sizesByPath.end();) {
                it->erase(std::remove_if(it->begin(), it->end(),
                                         [&](const QSize &s) { return !m_cache.contains(key(it.key(), s)); }),
                          it->end());
                it = it->isEmpty() ? m_sizesByPath.erase(it) : std::next(it);
            }
        }
    }
    emit decoded(path, b);
}

DecodedImage ImageCache::decode(const QString &path, QSize target)
{
    DecodedImage out;
    const QFileInfo fi(path);
    if (path.isEmpty()) {
        out.error = QStringLiteral("no file name");
        return out;
    }
    if (!fi.exists()) {
        out.error = QStringLiteral("file not found");
        return out;
    }
    if (!fi.isReadable()) {
        out.error = QStringLiteral("file not readable (permissions)");
        return out;
    }
    QImageReader reader(path);
    reader.setDecideFormatFromContent(true);
    reader.setAutoTransform(true);
    QSize src = reader.size();
    if (!src.isValid() || src.isEmpty()) {
        // Formats Qt has no plugin for (WebP, TIFF, ...) are read as the import and the face
        // stage read them.
        try {
            const QImage full = bgrToQImage(decodeImageBgr(path));
            out.sourceSize = full.size();
            const QSize fit = full.size().scaled(target.boundedTo(full.size()).expandedTo(QSize(1, 1)), Qt::KeepAspectRatio)
                                  .expandedTo(QSize(1, 1));
            out.image = full.size() == fit ? full : full.scaled(fit, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        } catch (const face::FaceError &e) {
            // The message names the path; the placeholder is shown where the picture would be.
            QString why = QString::fromStdString(e.what());
            why.remove(QStringLiteral("cannot read image %1: ").arg(path));
            out.error = QStringLiteral("not a readable image (%1)").arg(why);
        }
        return out;
    }
    const bool rotated = reader.transformation() & QImageIOHandler::TransformationRotate90;
    const QSize shown = rotated ? src.transposed() : src;
    out.sourceSize = shown;

    // Fit inside target keeping the aspect; never upscale (the painter scales up smoothly).
    QSize fit = shown.scaled(target.boundedTo(shown).expandedTo(QSize(1, 1)), Qt::KeepAspectRatio);
    fit = fit.expandedTo(QSize(1, 1));
    // Let decoders that can (JPEG) skip detail we would throw away: ask for about twice the
    // final size, then finish with a smooth downscale.
    if (shown.width() > 3 * fit.width() && shown.height() > 3 * fit.height()) {
        const QSize coarse = shown.scaled(fit * 2, Qt::KeepAspectRatio);
        reader.setScaledSize(rotated ? coarse.transposed() : coarse);
    }
    QImage img = reader.read();
    if (img.isNull()) {
        const QString why = reader.errorString();
        out.error = QStringLiteral("cannot decode (%1)").arg(why.isEmpty() ? QStringLiteral("corrupt data") : why);
        return out;
    }
    if (img.size() != fit)
        img = img.scaled(fit, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    // Transparency is shown over black, as the face stage composites it: premultiplied ARGB is
    // exactly that picture once alpha is made opaque.
    const bool alpha = img.hasAlphaChannel();
    out.image = img.convertToFormat(alpha ? QImage::Format_ARGB32_Premultiplied : QImage::Format_RGB32);
    if (alpha) {
        for (int y = 0; y < out.image.height(); ++y) {
            QRgb *line = reinterpret_cast<QRgb *>(out.image.scanLine(y));
            for (int x = 0; x < out.image.width(); ++x)
                line[x] |= 0xff000000u;
        }
        out.image.reinterpretAsFormat(QImage::Format_RGB32);
    }
    return out;
}

} // namespace facelab::data

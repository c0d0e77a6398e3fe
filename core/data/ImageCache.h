#pragma once
// Decoded, display-sized images keyed by (file, target size), decoded off the GUI thread.
//
// request() answers at once from the cache or schedules one decode (QtConcurrent, on the cache's
// own small thread pool so long jobs in the global pool never delay a face). When a decode
// finishes, decoded(path, target) is emitted on the cache's thread and the result stays in the
// cache until the byte budget evicts it (least recently used first). Failures are cached too:
// a missing or broken file becomes a DecodedImage with an error text to show instead.
//
// QtCore/QtGui only (no widgets): QImage is safe to create on worker threads.
#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QSize>
#include <QString>
#include <QThreadPool>
#include <optional>

namespace facelab::data {

struct DecodedImage
{
    QImage image;       // fits inside the requested size, aspect kept; null when it failed
    QString error;      // why it failed ("file not found", "not a readable image (...)")
    QSize sourceSize;   // the file's own dimensions (after EXIF orientation), when known
    bool ok() const { return !image.isNull(); }
};

class ImageCache : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kDefaultBudget = qint64(192) << 20;   // bytes of decoded pixels

    explicit ImageCache(qint64 byteBudget = kDefaultBudget, QObject *parent = nullptr);
    ~ImageCache() override;   // drops queued decodes and waits for the running ones

    // The size images are actually decoded to for a target: rounded up to a multiple of 32 px,
    // so resizing a window by a few pixels does not decode everything again.
    static QSize bucket(QSize target);

    // The cached result for (path, bucket(target)), or nullopt if not decoded yet. Never blocks.
    std::optional<DecodedImage> find(const QString &path, QSize target) const;
    // Any cached decode of path (the largest), to show something while the exact size decodes.
    std::optional<DecodedImage> findAnySize(const QString &path) const;
    // True if cached; otherwise schedules a decode (once per key, high priority) and returns false.
    bool request(const QString &path, QSize target);
    // Schedules decodes at low priority for images likely needed next (already cached: nothing).
    void prefetch(const QStringList &paths, QSize target);

    // Forget every cached image (queued decodes are dropped; running ones are discarded).
    void clear();

    qint64 byteBudget() const { return m_budgetKb * 1024; }
    qint64 bytesUsed() const { return qint64(m_cache.totalCost()) * 1024; }
    int cachedCount() const { return int(m_cache.count()); }
    int pendingCount() const { return int(m_pending.size()); }

    // The decode a worker runs: reads path scaled to fit inside target (never upscaled), smooth.
    // Thread-safe; usable directly by code that is already off the GUI thread.
    static DecodedImage decode(const QString &path, QSize target);

signals:
    // A decode for (path, bucket size) finished (successfully or not); find() now answers.
    void decoded(const QString &path, const QSize &bucketSize);

private:
    static QString key(const QString &path, QSize bucketSize);
    void schedule(const QString &path, QSize bucketSize, int priority);
    void store(const QString &path, QSize bucketSize, const DecodedImage &img, quint64 generation);

    qint64 m_budgetKb;
    mutable QCache<QString, DecodedImage> m_cache;   // cost in KiB
    QHash<QString, QList<QSize>> m_sizesByPath;       // which buckets were decoded for a path
    QSet<QString> m_pending;
    QThreadPool m_pool;
    quint64 m_generation = 0;                          // bumped by clear(): late results dropped
};

} // namespace facelab::data

#pragma once
// Import roots, identities and images. Images are unique by sha256 within a root, so importing
// the same folder twice adds nothing.
#include "ProjectStore.h"

#include <QHash>
#include <QSqlQuery>
#include <memory>

namespace facelab::store {

struct NewImage
{
    QString relPath;
    QString sha256;
    qint64 sizeBytes = 0;
    int width = 0;
    int height = 0;
    qint64 identityId = 0;
};

class ImageTable
{
public:
    explicit ImageTable(const ProjectStore &store) : m_store(store) {}

    // Returns the root's id, adding it if new. path is stored absolute and clean.
    qint64 ensureRoot(const QString &path, const QString &kind) const;
    QString rootPath(qint64 rootId) const;
    qint64 ensureIdentity(const QString &name) const;
    // Inserts the image unless (root, sha256) exists; returns its id and whether it was added.
    std::pair<qint64, bool> insert(qint64 rootId, const NewImage &img) const;
    // Image id for a path relative to root, 0 if not imported.
    qint64 findByPath(qint64 rootId, const QString &relPath) const;
    ImageRecord image(qint64 id) const;
    // Every image of the project with its identity (identity 0 = unknown), in id order.
    QVector<ImageRecord> all() const;

private:
    const ProjectStore &m_store;
    mutable QHash<qint64, QString> m_rootCache;
    // insert() runs once per imported image: its statements are prepared once per table object.
    mutable std::unique_ptr<QSqlQuery> m_insert, m_findBySha;
};

// Reads one image row selected with kImageColumns starting at column `first`.
ImageRecord readImage(const class QSqlQuery &q, int first, const QHash<qint64, QString> &roots);
extern const char *const kImageColumns;   // 10 columns; expects images aliased as i, identities as n

} // namespace facelab::store

#pragma once
// Import roots, identities and images. A root is a folder known by its canonical path (symlinks
// resolved); an image is a place in a root with its content (unique by sha256 within a root), so
// importing the same folder twice, by any path, adds nothing. A person is a folder name within
// one root (identities.root_id, folder); people of pairs files and older projects are names only.
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

    // Returns the root's id, adding it if new. path is stored canonical (absolute and clean when
    // it does not exist); a root stored under another path to the same folder is found too.
    qint64 ensureRoot(const QString &path, const QString &kind) const;
    QString rootPath(qint64 rootId) const;
    // The person named by a name alone (pairs files): one per name.
    qint64 ensureIdentity(const QString &name) const;
    // The person of folder `folder` in root `rootId`. New people get the folder as their name, or
    // "folder (root's folder name)" when another person already has it, so two same-named people
    // are told apart wherever names are shown.
    qint64 ensurePerson(qint64 rootId, const QString &folder) const;
    // Identity id -> what tells people apart as possibly the same human: the folder name (the
    // name for people without one), lower-cased. Pair generation draws no "different" pair
    // between two people with the same key.
    QHash<qint64, QString> personKeys() const;
    // Inserts the image unless (root, sha256) exists; returns its id and whether it was added.
    std::pair<qint64, bool> insert(qint64 rootId, const NewImage &img) const;
    // Image id for a path relative to root, 0 if not imported.
    qint64 findByPath(qint64 rootId, const QString &relPath) const;
    // Image id with this content in root, 0 if none.
    qint64 findBySha(qint64 rootId, const QString &sha256) const;
    // The file at an image's place now holds other content: the row takes the new content (id,
    // person and pairs stay, so verdicts stay) and drops what was derived from the old pixels:
    // faces, the chosen face, embeddings and its pairs' scores (the caller removes the aligned
    // crop file after committing). Returns the standing verdicts on its pairs, which are kept.
    int replaceContent(qint64 id, const NewImage &img) const;
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

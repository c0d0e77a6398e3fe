#include "ImageTable.h"

#include "StoreError.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {

const char *const kImageColumns =
    "i.id, i.root_id, i.rel_path, i.sha256, i.size_bytes, i.width, i.height, i.identity_id, n.name, i.face_status";

ImageRecord readImage(const QSqlQuery &q, int c, const QHash<qint64, QString> &roots)
{
    ImageRecord r;
    r.id = q.value(c + 0).toLongLong();
    r.rootId = q.value(c + 1).toLongLong();
    r.relPath = q.value(c + 2).toString();
    r.sha256 = q.value(c + 3).toString();
    r.sizeBytes = q.value(c + 4).toLongLong();
    r.width = q.value(c + 5).toInt();
    r.height = q.value(c + 6).toInt();
    r.identityId = q.value(c + 7).toLongLong();
    r.identity = q.value(c + 8).toString();
    r.faceStatus = q.value(c + 9).toString();
    r.absPath = QDir(roots.value(r.rootId)).filePath(r.relPath);
    return r;
}

qint64 ImageTable::ensureRoot(const QString &path, const QString &kind) const
{
    const QString clean = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO import_roots(path, kind, added_at) VALUES(?, ?, ?) "
                              "ON CONFLICT(path) DO NOTHING"));
    q.addBindValue(clean);
    q.addBindValue(kind);
    q.addBindValue(nowIso());
    exec(q, "add import root");
    QSqlQuery s(m_store.db());
    prepare(s, QStringLiteral("SELECT id FROM import_roots WHERE path = ?"));
    s.addBindValue(clean);
    exec(s, "find import root");
    if (!s.next())
        throw StoreError(QStringLiteral("import root %1 vanished").arg(clean));
    return s.value(0).toLongLong();
}

QString ImageTable::rootPath(qint64 rootId) const
{
    if (auto it = m_rootCache.constFind(rootId); it != m_rootCache.constEnd())
        return *it;
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT path FROM import_roots WHERE id = ?"));
    q.addBindValue(rootId);
    exec(q, "read import root");
    const QString p = q.next() ? q.value(0).toString() : QString();
    m_rootCache.insert(rootId, p);
    return p;
}

qint64 ImageTable::ensureIdentity(const QString &name) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO identities(name) VALUES(?) ON CONFLICT(name) DO NOTHING"));
    q.addBindValue(name);
    exec(q, "add identity");
    QSqlQuery s(m_store.db());
    prepare(s, QStringLiteral("SELECT id FROM identities WHERE name = ?"));
    s.addBindValue(name);
    exec(s, "find identity");
    s.next();
    return s.value(0).toLongLong();
}

std::pair<qint64, bool> ImageTable::insert(qint64 rootId, const NewImage &img) const
{
    if (!m_insert) {
        m_insert = std::make_unique<QSqlQuery>(m_store.db());
        prepare(*m_insert, QStringLiteral(
            "INSERT INTO images(root_id, rel_path, sha256, size_bytes, width, height, identity_id, added_at) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(root_id, sha256) DO NOTHING"));
        m_findBySha = std::make_unique<QSqlQuery>(m_store.db());
        prepare(*m_findBySha, QStringLiteral("SELECT id FROM images WHERE root_id = ? AND sha256 = ?"));
    }
    QSqlQuery &q = *m_insert;
    q.addBindValue(rootId);
    q.addBindValue(img.relPath);
    q.addBindValue(img.sha256);
    q.addBindValue(img.sizeBytes);
    q.addBindValue(img.width);
    q.addBindValue(img.height);
    q.addBindValue(img.identityId > 0 ? QVariant(img.identityId) : QVariant(QMetaType(QMetaType::LongLong)));
    q.addBindValue(nowIso());
    exec(q, "add image");
    if (q.numRowsAffected() == 1)
        return {q.lastInsertId().toLongLong(), true};
    QSqlQuery &s = *m_findBySha;
    s.addBindValue(rootId);
    s.addBindValue(img.sha256);
    exec(s, "find image");
    s.next();
    const qint64 id = s.value(0).toLongLong();
    s.finish();
    return {id, false};
}

qint64 ImageTable::findByPath(qint64 rootId, const QString &relPath) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT id FROM images WHERE root_id = ? AND rel_path = ?"));
    q.addBindValue(rootId);
    q.addBindValue(relPath);
    exec(q, "find image by path");
    return q.next() ? q.value(0).toLongLong() : 0;
}

ImageRecord ImageTable::image(qint64 id) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT %1 FROM images i LEFT JOIN identities n ON n.id = i.identity_id "
                              "WHERE i.id = ?").arg(QLatin1String(kImageColumns)));
    q.addBindValue(id);
    exec(q, "read image");
    if (!q.next())
        throw StoreError(QStringLiteral("no image %1").arg(id));
    ImageRecord r = readImage(q, 0, {});
    r.absPath = QDir(rootPath(r.rootId)).filePath(r.relPath);
    return r;
}

QVector<ImageRecord> ImageTable::all() const
{
    QHash<qint64, QString> roots;
    QSqlQuery rq(m_store.db());
    prepare(rq, QStringLiteral("SELECT id, path FROM import_roots"));
    exec(rq, "list import roots");
    while (rq.next())
        roots.insert(rq.value(0).toLongLong(), rq.value(1).toString());
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT %1 FROM images i LEFT JOIN identities n ON n.id = i.identity_id "
                              "ORDER BY i.id").arg(QLatin1String(kImageColumns)));
    exec(q, "list images");
    QVector<ImageRecord> out;
    while (q.next())
        out.push_back(readImage(q, 0, roots));
    return out;
}

} // namespace facelab::store

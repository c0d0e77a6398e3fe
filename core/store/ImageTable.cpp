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
    const QFileInfo fi(path);
    const QString canonical = fi.exists() ? fi.canonicalFilePath() : QDir::cleanPath(fi.absoluteFilePath());
    // Roots stored before paths were canonical (or through a link) are the same folder when they
    // resolve to it: the exact path first, then each stored path resolved.
    QSqlQuery r(m_store.db());
    prepare(r, QStringLiteral("SELECT id, path FROM import_roots ORDER BY id"));
    exec(r, "list import roots");
    qint64 resolvedMatch = 0;
    while (r.next()) {
        const QString stored = r.value(1).toString();
        if (stored == canonical)
            return r.value(0).toLongLong();
        if (resolvedMatch == 0 && fi.exists() && QFileInfo(stored).canonicalFilePath() == canonical)
            resolvedMatch = r.value(0).toLongLong();
    }
    if (resolvedMatch != 0)
        return resolvedMatch;
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO import_roots(path, kind, added_at) VALUES(?, ?, ?) "
                              "ON CONFLICT(path) DO NOTHING"));
    q.addBindValue(canonical);
    q.addBindValue(kind);
    q.addBindValue(nowIso());
    exec(q, "add import root");
    QSqlQuery s(m_store.db());
    prepare(s, QStringLiteral("SELECT id FROM import_roots WHERE path = ?"));
    s.addBindValue(canonical);
    exec(s, "find import root");
    if (!s.next())
        throw StoreError(QStringLiteral("import root %1 vanished").arg(canonical));
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

qint64 ImageTable::ensurePerson(qint64 rootId, const QString &folder) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT id FROM identities WHERE root_id = ? AND folder = ?"));
    q.addBindValue(rootId);
    q.addBindValue(folder);
    exec(q, "find person");
    if (q.next())
        return q.value(0).toLongLong();
    // A project from before people had a root: the folder's images already name the person.
    QSqlQuery old(m_store.db());
    prepare(old, QStringLiteral("SELECT i.identity_id, n.root_id FROM images i JOIN identities n ON n.id = i.identity_id "
                                "WHERE i.root_id = ? AND i.rel_path >= ? AND i.rel_path < ? LIMIT 1"));
    // "folder/..." as a range ('0' follows '/'), so the (root_id, rel_path) index answers it.
    old.addBindValue(rootId);
    old.addBindValue(folder + QLatin1Char('/'));
    old.addBindValue(folder + QLatin1Char('0'));
    exec(old, "find person by its images");
    if (old.next()) {
        const qint64 id = old.value(0).toLongLong();
        if (old.value(1).isNull()) {
            QSqlQuery u(m_store.db());
            prepare(u, QStringLiteral("UPDATE identities SET root_id = ?, folder = ? WHERE id = ?"));
            u.addBindValue(rootId);
            u.addBindValue(folder);
            u.addBindValue(id);
            exec(u, "give a person its folder");
        }
        return id;
    }
    auto nameFree = [this](const QString &name) {
        QSqlQuery f(m_store.db());
        prepare(f, QStringLiteral("SELECT 1 FROM identities WHERE name = ?"));
        f.addBindValue(name);
        exec(f, "check person name");
        return !f.next();
    };
    const QString rootName = QFileInfo(rootPath(rootId)).fileName();
    QString name = folder;
    if (!nameFree(name))
        name = QStringLiteral("%1 (%2)").arg(folder, rootName);
    if (!nameFree(name))
        name = QStringLiteral("%1 (%2, root %3)").arg(folder, rootName).arg(rootId);
    QSqlQuery ins(m_store.db());
    prepare(ins, QStringLiteral("INSERT INTO identities(name, root_id, folder) VALUES(?, ?, ?)"));
    ins.addBindValue(name);
    ins.addBindValue(rootId);
    ins.addBindValue(folder);
    exec(ins, "add person");
    return ins.lastInsertId().toLongLong();
}

QHash<qint64, QString> ImageTable::personKeys() const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT id, COALESCE(folder, name) FROM identities"));
    exec(q, "list people");
    QHash<qint64, QString> out;
    while (q.next())
        out.insert(q.value(0).toLongLong(), q.value(1).toString().toLower());
    return out;
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

qint64 ImageTable::findBySha(qint64 rootId, const QString &sha256) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT id FROM images WHERE root_id = ? AND sha256 = ?"));
    q.addBindValue(rootId);
    q.addBindValue(sha256);
    exec(q, "find image by content");
    return q.next() ? q.value(0).toLongLong() : 0;
}

int ImageTable::replaceContent(qint64 id, const NewImage &img) const
{
    QSqlDatabase db = m_store.db();
    auto run = [&db](const QString &sql, const QVariantList &values, const char *what) {
        QSqlQuery q(db);
        prepare(q, sql);
        for (const QVariant &v : values)
            q.addBindValue(v);
        exec(q, what);
        return q;
    };
    run(QStringLiteral("UPDATE images SET sha256 = ?, size_bytes = ?, width = ?, height = ?, face_status = 'pending', "
                       "face_id = NULL, face_choice = 'auto', face_note = NULL WHERE id = ?"),
        {img.sha256, img.sizeBytes, img.width, img.height, id}, "replace image content");
    run(QStringLiteral("DELETE FROM faces WHERE image_id = ?"), {id}, "forget faces of replaced image");
    run(QStringLiteral("DELETE FROM embeddings WHERE image_id = ?"), {id}, "forget embeddings of replaced image");
    run(QStringLiteral("DELETE FROM pair_scores WHERE pair_id IN (SELECT id FROM pairs WHERE image_a = ? OR image_b = ?)"),
        {id, id}, "forget scores of replaced image");
    QSqlQuery v = run(QStringLiteral("SELECT count(*) FROM feedback f JOIN pairs p ON p.id = f.pair_id "
                                     "WHERE f.undone = 0 AND f.verdict <> 'skip' AND (p.image_a = ? OR p.image_b = ?)"),
                      {id, id}, "count verdicts of replaced image");
    return v.next() ? v.value(0).toInt() : 0;
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

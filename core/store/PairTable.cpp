#include "PairTable.h"

#include "ImageTable.h"
#include "StoreError.h"

#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {
namespace {

// Both images with identities, the pair's fields and its current verdict (newest not undone).
const QString kPairSelect = QStringLiteral(
    "SELECT p.id, p.truth, p.origin, p.split, "
    "  (SELECT f.verdict FROM feedback f WHERE f.pair_id = p.id AND f.undone = 0 "
    "   ORDER BY f.id DESC LIMIT 1), "
    "  ia.id, ia.root_id, ia.rel_path, ia.sha256, ia.size_bytes, ia.width, ia.height, ia.identity_id, na.name, ia.face_status, "
    "  ib.id, ib.root_id, ib.rel_path, ib.sha256, ib.size_bytes, ib.width, ib.height, ib.identity_id, nb.name, ib.face_status "
    "FROM pairs p "
    "JOIN images ia ON ia.id = p.image_a LEFT JOIN identities na ON na.id = ia.identity_id "
    "JOIN images ib ON ib.id = p.image_b LEFT JOIN identities nb ON nb.id = ib.identity_id ");

QHash<qint64, QString> rootPaths(const QSqlDatabase &db)
{
    QHash<qint64, QString> roots;
    QSqlQuery q(db);
    prepare(q, QStringLiteral("SELECT id, path FROM import_roots"));
    exec(q, "list import roots");
    while (q.next())
        roots.insert(q.value(0).toLongLong(), q.value(1).toString());
    return roots;
}

PairRecord readPair(const QSqlQuery &q, const QHash<qint64, QString> &roots)
{
    PairRecord p;
    p.id = q.value(0).toLongLong();
    if (!q.value(1).isNull())
        p.truth = q.value(1).toInt() == 1;
    p.origin = q.value(2).toString();
    p.split = q.value(3).toString();
    if (!q.value(4).isNull())
        p.verdict = verdictFromName(q.value(4).toString());
    p.a = readImage(q, 5, roots);
    p.b = readImage(q, 15, roots);
    return p;
}

} // namespace

quint64 PairTable::unorderedKey(qint64 a, qint64 b)
{
    const quint64 lo = quint64(std::min(a, b)), hi = quint64(std::max(a, b));
    return (lo << 32) | (hi & 0xffffffffu);
}

std::pair<qint64, bool> PairTable::insert(const NewPair &p) const
{
    if (p.imageA == p.imageB)
        throw StoreError(QStringLiteral("a pair needs two different images (got image %1 twice)").arg(p.imageA));
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO pairs(image_a, image_b, truth, origin, split, created_at) "
                              "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
    q.addBindValue(p.imageA);
    q.addBindValue(p.imageB);
    q.addBindValue(p.truth ? QVariant(*p.truth ? 1 : 0) : QVariant(QMetaType(QMetaType::Int)));
    q.addBindValue(p.origin);
    q.addBindValue(p.split);
    q.addBindValue(nowIso());
    exec(q, "add pair");
    if (q.numRowsAffected() == 1)
        return {q.lastInsertId().toLongLong(), true};
    QSqlQuery s(m_store.db());
    prepare(s, QStringLiteral("SELECT id FROM pairs WHERE min(image_a, image_b) = ? AND max(image_a, image_b) = ?"));
    s.addBindValue(std::min(p.imageA, p.imageB));
    s.addBindValue(std::max(p.imageA, p.imageB));
    exec(s, "find pair");
    s.next();
    return {s.value(0).toLongLong(), false};
}

PairRecord PairTable::pair(qint64 id) const
{
    const QVector<PairRecord> v = pairs({id});
    if (v.isEmpty())
        throw StoreError(QStringLiteral("no pair %1").arg(id));
    return v.front();
}

QVector<PairRecord> PairTable::pairs(const QVector<qint64> &ids) const
{
    QVector<PairRecord> out;
    if (ids.isEmpty())
        return out;
    const QHash<qint64, QString> roots = rootPaths(m_store.db());
    QSqlQuery q(m_store.db());
    prepare(q, kPairSelect + QStringLiteral("WHERE p.id = ?"));
    for (qint64 id : ids) {
        q.addBindValue(id);
        exec(q, "read pair");
        if (q.next())
            out.push_back(readPair(q, roots));
        q.finish();
    }
    return out;
}

QVector<qint64> PairTable::queueOrder() const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral(
        "SELECT p.id, CASE (SELECT f.verdict FROM feedback f WHERE f.pair_id = p.id AND f.undone = 0 "
        "                   ORDER BY f.id DESC LIMIT 1) "
        "  WHEN 'same' THEN 2 WHEN 'different' THEN 2 WHEN 'skip' THEN 1 ELSE 0 END AS g "
        "FROM pairs p ORDER BY g, p.id"));
    exec(q, "order pair queue");
    QVector<qint64> ids;
    while (q.next())
        ids.push_back(q.value(0).toLongLong());
    return ids;
}

QVector<PairRecord> PairTable::all() const
{
    const QHash<qint64, QString> roots = rootPaths(m_store.db());
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, kPairSelect + QStringLiteral("ORDER BY p.id"));
    exec(q, "list pairs");
    QVector<PairRecord> out;
    while (q.next())
        out.push_back(readPair(q, roots));
    return out;
}

QSet<quint64> PairTable::unorderedKeys() const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT image_a, image_b FROM pairs"));
    exec(q, "list pair keys");
    QSet<quint64> keys;
    while (q.next())
        keys.insert(unorderedKey(q.value(0).toLongLong(), q.value(1).toLongLong()));
    return keys;
}

} // namespace facelab::store

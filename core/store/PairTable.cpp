#include "PairTable.h"

#include "ImageTable.h"
#include "StoreError.h"

#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {
namespace {

// Both images with identities, the pair's fields and its current verdict (pairs.verdict: the
// newest feedback row not undone, kept by the schema's triggers).
const QString kPairSelect = QStringLiteral(
    "SELECT p.id, p.truth, p.origin, p.split, p.verdict, "
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
    return queueOrder(0, 0.0);
}

namespace {
struct QueueRow
{
    qint64 id, a, b;
    int group;   // 0 unlabelled, 1 skipped, 2 labelled: the spread never crosses groups
};

// Greedy reorder: take the next row whose images were not among the last kWindow rows taken;
// rows that clash wait (in order) and go first as soon as they no longer clash.
QVector<qint64> spreadImages(const QVector<QueueRow> &rows)
{
    constexpr int kWindow = 2;
    QVector<qint64> out;
    out.reserve(rows.size());
    QVector<qint64> recent;   // images of the last kWindow rows, two per row
    QVector<QueueRow> waiting;
    auto clashes = [&recent](const QueueRow &r) { return recent.contains(r.a) || recent.contains(r.b); };
    auto take = [&](const QueueRow &r) {
        out.push_back(r.id);
        recent.push_back(r.a);
        recent.push_back(r.b);
        if (recent.size() > 2 * kWindow)
            recent.remove(0, 2);
    };
    int next = 0;
    while (next < rows.size() || !waiting.isEmpty()) {
        bool took = false;
        for (int w = 0; w < waiting.size(); ++w)
            if (!clashes(waiting[w])) {
                take(waiting[w]);
                waiting.removeAt(w);
                took = true;
                break;
            }
        if (took)
            continue;
        if (next < rows.size()) {
            const QueueRow &r = rows[next++];
            // A long wait list means the images cannot be spread (few images): stop deferring.
            if (clashes(r) && waiting.size() < 16)
                waiting.push_back(r);
            else
                take(r);
        } else {
            take(waiting.front());
            waiting.removeFirst();
        }
    }
    return out;
}
} // namespace

QVector<qint64> PairTable::queueOrder(qint64 versionId, double threshold) const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral(
        "SELECT p.id, p.image_a, p.image_b, "
        "  CASE p.verdict WHEN 'same' THEN 2 WHEN 'different' THEN 2 WHEN 'skip' THEN 1 ELSE 0 END AS g, "
        "  s.score IS NULL AS unscored, abs(s.score - ?) AS uncertainty "
        "FROM pairs p LEFT JOIN pair_scores s ON s.pair_id = p.id AND s.model_version_id = ? "
        "ORDER BY g, unscored, uncertainty, p.id"));
    q.addBindValue(threshold);
    q.addBindValue(versionId);
    exec(q, "order pair queue");
    QVector<QueueRow> rows[3];
    while (q.next())
        rows[qBound(0, q.value(3).toInt(), 2)].push_back(
            {q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toLongLong(), q.value(3).toInt()});
    QVector<qint64> order;
    for (const QVector<QueueRow> &g : rows)
        order += spreadImages(g);
    return order;
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

QVector<PairTable::QueueFields> PairTable::queueFields() const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT p.id, p.image_a, p.image_b, ia.identity_id, ib.identity_id, p.truth, p.verdict "
                              "FROM pairs p JOIN images ia ON ia.id = p.image_a JOIN images ib ON ib.id = p.image_b "
                              "ORDER BY p.id"));
    exec(q, "list pairs for the queue");
    QVector<QueueFields> out;
    while (q.next()) {
        QueueFields f;
        f.id = q.value(0).toLongLong();
        f.imageA = q.value(1).toLongLong();
        f.imageB = q.value(2).toLongLong();
        f.identityA = q.value(3).toLongLong();
        f.identityB = q.value(4).toLongLong();
        if (!q.value(5).isNull())
            f.truth = q.value(5).toInt() == 1;
        if (!q.value(6).isNull())
            f.verdict = verdictFromName(q.value(6).toString());
        out.push_back(f);
    }
    return out;
}

QVector<PairTable::Endpoints> PairTable::endpoints() const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT id, image_a, image_b FROM pairs ORDER BY id"));
    exec(q, "list pair endpoints");
    QVector<Endpoints> out;
    while (q.next())
        out.push_back({q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toLongLong()});
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

#include "FeedbackTable.h"

#include "StoreError.h"

#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {

qint64 FeedbackTable::add(qint64 pairId, Verdict v, qint64 modelVersionId, double score) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO feedback(pair_id, verdict, created_at, model_version_id, score) "
                              "VALUES(?, ?, ?, ?, ?)"));
    q.addBindValue(pairId);
    q.addBindValue(verdictName(v));
    q.addBindValue(nowIso());
    q.addBindValue(modelVersionId > 0 ? QVariant(modelVersionId) : QVariant(QMetaType(QMetaType::LongLong)));
    q.addBindValue(std::isnan(score) ? QVariant(QMetaType(QMetaType::Double)) : QVariant(score));
    exec(q, "record verdict");
    return q.lastInsertId().toLongLong();
}

qint64 FeedbackTable::undoLast() const
{
    QSqlDatabase db = m_store.db();
    Transaction tx(db);
    QSqlQuery s(db);
    prepare(s, QStringLiteral("SELECT id, pair_id FROM feedback WHERE undone = 0 ORDER BY id DESC LIMIT 1"));
    exec(s, "find last verdict");
    if (!s.next())
        return 0;
    const qint64 id = s.value(0).toLongLong();
    const qint64 pairId = s.value(1).toLongLong();
    s.finish();
    QSqlQuery u(db);
    prepare(u, QStringLiteral("UPDATE feedback SET undone = 1, undone_at = ? WHERE id = ?"));
    u.addBindValue(nowIso());
    u.addBindValue(id);
    exec(u, "undo verdict");
    tx.commit();
    return pairId;
}

std::optional<Verdict> FeedbackTable::current(qint64 pairId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT verdict FROM feedback WHERE pair_id = ? AND undone = 0 "
                              "ORDER BY id DESC LIMIT 1"));
    q.addBindValue(pairId);
    exec(q, "read verdict");
    if (!q.next())
        return std::nullopt;
    return verdictFromName(q.value(0).toString());
}

QVector<FeedbackRecord> FeedbackTable::history(qint64 pairId, bool newestFirst) const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT id, pair_id, verdict, created_at, undone, model_version_id, score "
                              "FROM feedback WHERE (? = 0 OR pair_id = ?) ORDER BY id %1")
                   .arg(newestFirst ? QStringLiteral("DESC") : QStringLiteral("ASC")));
    q.addBindValue(pairId);
    q.addBindValue(pairId);
    exec(q, "list verdicts");
    QVector<FeedbackRecord> out;
    while (q.next()) {
        FeedbackRecord r;
        r.id = q.value(0).toLongLong();
        r.pairId = q.value(1).toLongLong();
        r.verdict = verdictFromName(q.value(2).toString()).value_or(Verdict::Skip);
        r.createdAt = q.value(3).toString();
        r.undone = q.value(4).toInt() != 0;
        r.modelVersionId = q.value(5).toLongLong();
        if (!q.value(6).isNull())
            r.score = q.value(6).toDouble();
        out.push_back(r);
    }
    return out;
}

} // namespace facelab::store

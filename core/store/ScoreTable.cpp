#include "ScoreTable.h"

#include "StoreError.h"

#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {

void ScoreTable::put(qint64 versionId, const QVector<qint64> &pairIds, const QVector<double> &scores) const
{
    QSqlDatabase db = m_store.db();
    Transaction tx(db);
    QSqlQuery q(db);
    prepare(q, QStringLiteral("INSERT OR REPLACE INTO pair_scores(model_version_id, pair_id, score) VALUES(?, ?, ?)"));
    for (int i = 0; i < pairIds.size(); ++i) {
        q.addBindValue(versionId);
        q.addBindValue(pairIds[i]);
        q.addBindValue(scores[i]);
        exec(q, "store pair score");
    }
    tx.commit();
}

std::optional<double> ScoreTable::get(qint64 versionId, qint64 pairId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT score FROM pair_scores WHERE model_version_id = ? AND pair_id = ?"));
    q.addBindValue(versionId);
    q.addBindValue(pairId);
    exec(q, "read pair score");
    if (!q.next())
        return std::nullopt;
    return q.value(0).toDouble();
}

QHash<qint64, double> ScoreTable::all(qint64 versionId) const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT pair_id, score FROM pair_scores WHERE model_version_id = ?"));
    q.addBindValue(versionId);
    exec(q, "list pair scores");
    QHash<qint64, double> out;
    while (q.next())
        out.insert(q.value(0).toLongLong(), q.value(1).toDouble());
    return out;
}

qint64 ScoreTable::count(qint64 versionId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT count(*) FROM pair_scores WHERE model_version_id = ?"));
    q.addBindValue(versionId);
    exec(q, "count pair scores");
    return q.next() ? q.value(0).toLongLong() : 0;
}

} // namespace facelab::store

#include "InversionTable.h"

#include "StoreError.h"

#include <QHash>
#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {

namespace {

QVariant idOrNull(qint64 id) { return id > 0 ? QVariant(id) : QVariant(QMetaType(QMetaType::LongLong)); }

void insertScore(QSqlQuery &q, const InversionScore &s)
{
    q.addBindValue(s.inversionId);
    q.addBindValue(s.versionId);
    q.addBindValue(s.targetCosine);
    q.addBindValue(s.identityRank > 0 ? QVariant(s.identityRank) : QVariant(QMetaType(QMetaType::Int)));
    exec(q, "store inversion score");
}

const char *kScoreSql = "INSERT OR REPLACE INTO inversion_scores(inversion_id, model_version_id, target_cosine, identity_rank) "
                        "VALUES(?, ?, ?, ?)";

} // namespace

QVector<qint64> InversionTable::add(QVector<InversionRecord> &records, const QVector<InversionScore> &ownScores) const
{
    QSqlDatabase db = m_store.db();
    Transaction tx(db);
    QSqlQuery q(db);
    prepare(q, QStringLiteral("INSERT INTO inversions(run_id, model_version_id, target_kind, identity_id, target_image_id, "
                              "idx, file, params_json, steps_run, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    QSqlQuery s(db);
    prepare(s, QString::fromUtf8(kScoreSql));
    QVector<qint64> ids;
    const QString now = nowIso();
    for (int i = 0; i < records.size(); ++i) {
        auto &r = records[i];
        q.addBindValue(r.runId);
        q.addBindValue(r.versionId);
        q.addBindValue(r.targetKind);
        q.addBindValue(idOrNull(r.identityId));
        q.addBindValue(idOrNull(r.targetImageId));
        q.addBindValue(r.index);
        q.addBindValue(r.file);
        q.addBindValue(r.paramsJson);
        q.addBindValue(r.stepsRun);
        q.addBindValue(now);
        exec(q, "store inversion");
        r.id = q.lastInsertId().toLongLong();
        r.createdAt = now;
        ids << r.id;
        if (i < ownScores.size()) {
            InversionScore sc = ownScores[i];
            sc.inversionId = r.id;
            sc.versionId = r.versionId;
            insertScore(s, sc);
            r.scores = {sc};
        }
    }
    tx.commit();
    return ids;
}

void InversionTable::putScores(const QVector<InversionScore> &scores) const
{
    QSqlDatabase db = m_store.db();
    Transaction tx(db);
    QSqlQuery s(db);
    prepare(s, QString::fromUtf8(kScoreSql));
    for (const auto &sc : scores)
        insertScore(s, sc);
    tx.commit();
}

QVector<InversionRecord> InversionTable::select(const QString &where, const QVariantList &values) const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT id, run_id, model_version_id, target_kind, identity_id, target_image_id, idx, file, "
                              "params_json, steps_run, created_at FROM inversions %1 ORDER BY run_id DESC, idx")
                   .arg(where));
    for (const auto &v : values)
        q.addBindValue(v);
    exec(q, "list inversions");
    QVector<InversionRecord> out;
    QHash<qint64, int> row;
    while (q.next()) {
        InversionRecord r;
        r.id = q.value(0).toLongLong();
        r.runId = q.value(1).toLongLong();
        r.versionId = q.value(2).toLongLong();
        r.targetKind = q.value(3).toString();
        r.identityId = q.value(4).toLongLong();
        r.targetImageId = q.value(5).toLongLong();
        r.index = q.value(6).toInt();
        r.file = q.value(7).toString();
        r.paramsJson = q.value(8).toString();
        r.stepsRun = q.value(9).toInt();
        r.createdAt = q.value(10).toString();
        row.insert(r.id, out.size());
        out << r;
    }
    if (out.isEmpty())
        return out;
    QSqlQuery s(m_store.db());
    s.setForwardOnly(true);
    prepare(s, QStringLiteral("SELECT sc.inversion_id, sc.model_version_id, sc.target_cosine, sc.identity_rank FROM inversion_scores sc "
                              "JOIN inversions ON inversions.id = sc.inversion_id %1 ORDER BY sc.inversion_id, sc.model_version_id")
                   .arg(where));
    for (const auto &v : values)
        s.addBindValue(v);
    exec(s, "list inversion scores");
    while (s.next()) {
        const auto it = row.constFind(s.value(0).toLongLong());
        if (it == row.constEnd())
            continue;
        InversionScore sc;
        sc.inversionId = s.value(0).toLongLong();
        sc.versionId = s.value(1).toLongLong();
        sc.targetCosine = s.value(2).toDouble();
        sc.identityRank = s.value(3).toInt();
        out[*it].scores << sc;
    }
    return out;
}

QVector<InversionRecord> InversionTable::list(qint64 identityId, qint64 versionId) const
{
    QStringList conds;
    QVariantList values;
    if (identityId > 0) {
        conds << QStringLiteral("inversions.identity_id = ?");
        values << identityId;
    }
    if (versionId > 0) {
        conds << QStringLiteral("inversions.model_version_id = ?");
        values << versionId;
    }
    return select(conds.isEmpty() ? QString() : QStringLiteral("WHERE ") + conds.join(QStringLiteral(" AND ")), values);
}

QVector<InversionRecord> InversionTable::forRun(qint64 runId) const
{
    return select(QStringLiteral("WHERE inversions.run_id = ?"), {runId});
}

} // namespace facelab::store

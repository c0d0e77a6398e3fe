#include "EmbeddingTable.h"

#include "StoreError.h"

#include <QSqlQuery>
#include <QVariant>
#include <cstring>

namespace facelab::store {

void EmbeddingTable::put(qint64 versionId, const QVector<qint64> &imageIds, const float *data, int dim,
                         const float *norms) const
{
    QSqlDatabase db = m_store.db();
    Transaction tx(db);
    QSqlQuery q(db);
    prepare(q, QStringLiteral("INSERT OR REPLACE INTO embeddings(model_version_id, image_id, dim, vector, norm) "
                              "VALUES(?, ?, ?, ?, ?)"));
    for (int i = 0; i < imageIds.size(); ++i) {
        q.addBindValue(versionId);
        q.addBindValue(imageIds[i]);
        q.addBindValue(dim);
        // Little-endian float32, the layout of every machine FaceLab runs on.
        q.addBindValue(QByteArray(reinterpret_cast<const char *>(data + qsizetype(i) * dim), qsizetype(dim) * 4));
        q.addBindValue(norms ? QVariant(double(norms[i])) : QVariant());
        exec(q, "store embedding");
    }
    tx.commit();
}

QHash<qint64, double> EmbeddingTable::norms(qint64 versionId) const
{
    QHash<qint64, double> out;
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT image_id, norm FROM embeddings WHERE model_version_id = ? AND norm IS NOT NULL"));
    q.addBindValue(versionId);
    exec(q, "read embedding norms");
    while (q.next())
        out.insert(q.value(0).toLongLong(), q.value(1).toDouble());
    return out;
}

QHash<qint64, std::vector<float>> EmbeddingTable::get(qint64 versionId, const QVector<qint64> &imageIds) const
{
    QHash<qint64, std::vector<float>> out;
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT dim, vector FROM embeddings WHERE model_version_id = ? AND image_id = ?"));
    for (qint64 id : imageIds) {
        q.addBindValue(versionId);
        q.addBindValue(id);
        exec(q, "read embedding");
        if (q.next()) {
            const int dim = q.value(0).toInt();
            const QByteArray blob = q.value(1).toByteArray();
            if (blob.size() == qsizetype(dim) * 4) {
                std::vector<float> v(static_cast<size_t>(dim));
                std::memcpy(v.data(), blob.constData(), size_t(blob.size()));
                out.insert(id, std::move(v));
            }
        }
        q.finish();
    }
    return out;
}

QVector<qint64> EmbeddingTable::missing(qint64 versionId) const
{
    QSqlQuery q(m_store.db());
    q.setForwardOnly(true);
    prepare(q, QStringLiteral("SELECT i.id FROM images i WHERE i.face_status IN ('found', 'prealigned') AND NOT EXISTS "
                              "(SELECT 1 FROM embeddings e WHERE e.model_version_id = ? AND e.image_id = i.id) ORDER BY i.id"));
    q.addBindValue(versionId);
    exec(q, "list images without embeddings");
    QVector<qint64> ids;
    while (q.next())
        ids.push_back(q.value(0).toLongLong());
    return ids;
}

void EmbeddingTable::forgetImage(qint64 imageId) const
{
    QSqlDatabase db = m_store.db();
    Transaction tx(db);
    QSqlQuery e(db);
    prepare(e, QStringLiteral("DELETE FROM embeddings WHERE image_id = ?"));
    e.addBindValue(imageId);
    exec(e, "forget embeddings of an image");
    QSqlQuery s(db);
    prepare(s, QStringLiteral("DELETE FROM pair_scores WHERE pair_id IN "
                              "(SELECT id FROM pairs WHERE image_a = ? OR image_b = ?)"));
    s.addBindValue(imageId);
    s.addBindValue(imageId);
    exec(s, "forget scores of an image's pairs");
    tx.commit();
}

qint64 EmbeddingTable::count(qint64 versionId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT count(*) FROM embeddings WHERE model_version_id = ?"));
    q.addBindValue(versionId);
    exec(q, "count embeddings");
    return q.next() ? q.value(0).toLongLong() : 0;
}

} // namespace facelab::store

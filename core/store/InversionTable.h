#pragma once
// Model inversions kept in a project: one row per image a run made (its PNG lives under the
// project folder), and each image's score under every model version that judged it: the cosine
// to the target and the rank of the target identity among the project's identities.
#include "ProjectStore.h"

#include <QVector>

namespace facelab::store {

struct InversionScore
{
    qint64 inversionId = 0;
    qint64 versionId = 0;
    double targetCosine = 0;
    int identityRank = 0;        // 0 = no identity to rank (an image target of unknown identity)
};

struct InversionRecord
{
    qint64 id = 0;
    qint64 runId = 0;
    qint64 versionId = 0;        // the model inverted
    QString targetKind;          // "identity" / "image"
    qint64 identityId = 0;       // 0 = none
    qint64 targetImageId = 0;    // 0 = none (an identity target, or an image from outside the project)
    int index = 0;               // within the run's batch
    QString file;                // relative to the project folder
    QString paramsJson;
    int stepsRun = 0;
    QString createdAt;
    QVector<InversionScore> scores;   // filled by the readers
};

class InversionTable
{
public:
    explicit InversionTable(const ProjectStore &store) : m_store(store) {}

    // Adds a run's images with their scores under the model inverted, in one transaction (a killed
    // process leaves none of them). Returns the new ids in order; sets the records' ids.
    QVector<qint64> add(QVector<InversionRecord> &records, const QVector<InversionScore> &ownScores) const;
    // Adds or replaces scores (a judge's), in one transaction.
    void putScores(const QVector<InversionScore> &scores) const;

    // Newest first. identityId 0 = every identity; versionId 0 = every model.
    QVector<InversionRecord> list(qint64 identityId = 0, qint64 versionId = 0) const;
    QVector<InversionRecord> forRun(qint64 runId) const;

private:
    QVector<InversionRecord> select(const QString &where, const QVariantList &values) const;
    const ProjectStore &m_store;
};

} // namespace facelab::store

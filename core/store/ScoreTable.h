#pragma once
// Pair similarities per model version (cosine of the two cached embeddings).
#include "ProjectStore.h"

#include <QHash>

namespace facelab::store {

class ScoreTable
{
public:
    explicit ScoreTable(const ProjectStore &store) : m_store(store) {}

    void put(qint64 versionId, const QVector<qint64> &pairIds, const QVector<double> &scores) const;
    std::optional<double> get(qint64 versionId, qint64 pairId) const;
    QHash<qint64, double> all(qint64 versionId) const;
    qint64 count(qint64 versionId) const;

private:
    const ProjectStore &m_store;
};

} // namespace facelab::store

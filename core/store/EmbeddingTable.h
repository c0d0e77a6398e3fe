#pragma once
// The embedding cache: one L2-normalised float vector per (model version, image), with the
// embedding's norm before normalisation (MagFace's quality). A second embedding run with the same
// version computes nothing that is cached.
#include "ProjectStore.h"

#include <QHash>
#include <vector>

namespace facelab::store {

class EmbeddingTable
{
public:
    explicit EmbeddingTable(const ProjectStore &store) : m_store(store) {}

    // Writes vectors (n x dim, row-major) for imageIds in one transaction, replacing old ones;
    // norms (n values, may be null) are the norms before normalisation.
    void put(qint64 versionId, const QVector<qint64> &imageIds, const float *data, int dim,
             const float *norms = nullptr) const;
    // Image id -> embedding norm under this version (images without a recorded norm are absent).
    QHash<qint64, double> norms(qint64 versionId) const;
    // The cached vectors of these images (missing ones are absent from the result).
    QHash<qint64, std::vector<float>> get(qint64 versionId, const QVector<qint64> &imageIds) const;
    // Images with a usable face (found or pre-aligned) and no vector for this version, id order.
    QVector<qint64> missing(qint64 versionId) const;
    qint64 count(qint64 versionId) const;
    // Forgets every version's vector of an image, and the scores of its pairs (its face changed).
    void forgetImage(qint64 imageId) const;

private:
    const ProjectStore &m_store;
};

} // namespace facelab::store

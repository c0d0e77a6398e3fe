#pragma once
// Mining new hard pairs from one model version's embeddings (no store access: the tests and the
// benchmark call these directly; PairMining.h stores what they find).
//   hard negatives: two known, different identities that the model finds most similar, taken from
//                   each image's nearest neighbours (FAISS), so large sets never score every pair
//   hard positives: two images of one identity that the model finds least similar (all pairs
//                   within each identity: cheap, identities are small)
#include "NeighbourSearch.h"

#include <QSet>
#include <QVector>

namespace facelab::queue {

struct EmbeddingSet
{
    QVector<qint64> imageIds;
    QVector<qint64> identities;   // per image; 0 = unknown (never mined)
    std::vector<float> vectors;   // size() x dim, L2-normalised rows
    int dim = 0;
    int size() const { return int(imageIds.size()); }
    const float *row(int i) const { return vectors.data() + size_t(i) * size_t(dim); }
};

struct MinedPair
{
    qint64 imageA = 0, imageB = 0;   // imageA < imageB
    double similarity = 0;           // cosine, in double like the stored pair scores
    bool same = false;
};

// Different-identity pairs among every image's `neighbours` nearest neighbours, highest
// similarity first, leaving out pairs whose PairTable::unorderedKey is in `stored`; at most
// maxPairs. *used (optional) receives the search that ran.
QVector<MinedPair> mineHardNegatives(const EmbeddingSet &set, const QSet<quint64> &stored, int maxPairs, int neighbours,
                                     const SearchOptions &search = {}, SearchBackend *used = nullptr);

// Same-identity pairs with the lowest similarity, lowest first: at most perIdentity per identity
// and maxPairs in all, none in `stored`. An identity with more than maxImagesPerIdentity images
// contributes its first ones only (its pair count grows with the square).
QVector<MinedPair> mineHardPositives(const EmbeddingSet &set, const QSet<quint64> &stored, int maxPairs, int perIdentity,
                                     int maxImagesPerIdentity = 1000);

} // namespace facelab::queue

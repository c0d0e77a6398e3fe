#include "HardPairMining.h"

#include "store/PairTable.h"

#include <QHash>
#include <algorithm>

namespace facelab::queue {
namespace {

double cosine(const EmbeddingSet &set, int i, int j)
{
    double dot = 0;
    const float *a = set.row(i), *b = set.row(j);
    for (int t = 0; t < set.dim; ++t)
        dot += double(a[t]) * double(b[t]);
    return dot;
}

MinedPair mined(const EmbeddingSet &set, int i, int j, bool same)
{
    qint64 a = set.imageIds[i], b = set.imageIds[j];
    if (a > b)
        std::swap(a, b);
    return {a, b, cosine(set, i, j), same};
}

struct Candidate
{
    float sim;
    int i, j;   // rows, i < j
};

} // namespace

QVector<MinedPair> mineHardNegatives(const EmbeddingSet &set, const QSet<quint64> &stored, int maxPairs, int neighbours,
                                     const SearchOptions &search, SearchBackend *used)
{
    QVector<MinedPair> out;
    if (set.size() < 2 || maxPairs <= 0 || neighbours <= 0)
        return out;
    const Neighbours nb = nearestNeighbours(set.vectors.data(), set.size(), set.dim, neighbours, search);
    if (used)
        *used = nb.backend;
    // A pair found from both ends is one candidate (rows ordered i < j).
    std::vector<Candidate> cands;
    QSet<quint64> seen;
    for (int q = 0; q < set.size(); ++q) {
        if (set.identities[q] == 0)
            continue;
        for (int j = 0; j < nb.k; ++j) {
            const std::int64_t r = nb.index[size_t(q) * size_t(nb.k) + size_t(j)];
            if (r < 0 || set.identities[int(r)] == 0 || set.identities[int(r)] == set.identities[q])
                continue;
            const quint64 key = store::PairTable::unorderedKey(set.imageIds[q], set.imageIds[int(r)]);
            if (stored.contains(key) || seen.contains(key))
                continue;
            seen.insert(key);
            cands.push_back({nb.similarity[size_t(q) * size_t(nb.k) + size_t(j)], std::min(q, int(r)), std::max(q, int(r))});
        }
    }
    // The search's float similarities pick a generous shortlist; the final order uses the double
    // cosines the store keeps, so every backend ranks the same candidates the same way.
    const size_t shortlist = std::min(cands.size(), size_t(maxPairs) * 2 + 64);
    std::partial_sort(cands.begin(), cands.begin() + std::ptrdiff_t(shortlist), cands.end(),
                      [](const Candidate &x, const Candidate &y) { return x.sim > y.sim; });
    for (size_t c = 0; c < shortlist; ++c)
        out << mined(set, cands[c].i, cands[c].j, false);
    std::sort(out.begin(), out.end(), [](const MinedPair &p, const MinedPair &q) {
        return p.similarity != q.similarity ? p.similarity > q.similarity
                                            : std::make_pair(p.imageA, p.imageB) < std::make_pair(q.imageA, q.imageB);
    });
    if (out.size() > maxPairs)
        out.resize(maxPairs);
    return out;
}

QVector<MinedPair> mineHardPositives(const EmbeddingSet &set, const QSet<quint64> &stored, int maxPairs, int perIdentity,
                                     int maxImagesPerIdentity)
{
    QVector<MinedPair> out;
    if (maxPairs <= 0 || perIdentity <= 0)
        return out;
    QHash<qint64, QVector<int>> rowsOf;
    QVector<qint64> order;   // identities in first-seen order, for a deterministic result
    for (int i = 0; i < set.size(); ++i) {
        const qint64 idt = set.identities[i];
        if (idt == 0)
            continue;
        auto it = rowsOf.find(idt);
        if (it == rowsOf.end()) {
            order << idt;
            it = rowsOf.insert(idt, {});
        }
        if (it->size() < maxImagesPerIdentity)
            it->push_back(i);
    }
    for (qint64 idt : order) {
        const QVector<int> &rows = rowsOf[idt];
        std::vector<MinedPair> pairs;
        for (int x = 0; x < rows.size(); ++x)
            for (int y = x + 1; y < rows.size(); ++y)
                if (!stored.contains(store::PairTable::unorderedKey(set.imageIds[rows[x]], set.imageIds[rows[y]])))
                    pairs.push_back(mined(set, rows[x], rows[y], true));
        const size_t keep = std::min(pairs.size(), size_t(perIdentity));
        std::partial_sort(pairs.begin(), pairs.begin() + std::ptrdiff_t(keep), pairs.end(),
                          [](const MinedPair &p, const MinedPair &q) {
                              return p.similarity != q.similarity ? p.similarity < q.similarity
                                                                  : std::make_pair(p.imageA, p.imageB) < std::make_pair(q.imageA, q.imageB);
                          });
        out.append(QVector<MinedPair>(pairs.begin(), pairs.begin() + std::ptrdiff_t(keep)));
    }
    std::stable_sort(out.begin(), out.end(), [](const MinedPair &p, const MinedPair &q) { return p.similarity < q.similarity; });
    if (out.size() > maxPairs)
        out.resize(maxPairs);
    return out;
}

} // namespace facelab::queue

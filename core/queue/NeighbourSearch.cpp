#include "NeighbourSearch.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#ifdef FACELAB_WITH_FAISS
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#endif

namespace facelab::queue {
namespace {

struct Hit
{
    float sim;
    std::int64_t row;
};
// Higher similarity first; equal similarities by row, so the brute force is deterministic.
bool better(const Hit &a, const Hit &b)
{
    return a.sim != b.sim ? a.sim > b.sim : a.row < b.row;
}

// Keeps the k best hits in a heap whose front is the worst kept.
void offer(std::vector<Hit> &heap, int k, Hit h)
{
    if (int(heap.size()) < k) {
        heap.push_back(h);
        std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(h, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), better);
        heap.back() = h;
        std::push_heap(heap.begin(), heap.end(), better);
    }
}

Neighbours bruteForce(const float *data, int n, int dim, int k)
{
    Neighbours nb;
    nb.k = k;
    nb.backend = SearchBackend::BruteForce;
    nb.index.assign(size_t(n) * size_t(k), -1);
    nb.similarity.assign(size_t(n) * size_t(k), 0.f);
    // Tiles of queries x rows small enough for the cache: each row is read once per query tile,
    // not once per query.
    constexpr int kQueryTile = 32, kRowTile = 128;
#pragma omp parallel for schedule(dynamic, 1)
    for (int q0 = 0; q0 < n; q0 += kQueryTile) {
        const int q1 = std::min(n, q0 + kQueryTile);
        std::vector<std::vector<Hit>> heaps(size_t(q1 - q0));
        for (auto &h : heaps)
            h.reserve(size_t(k));
        for (int r0 = 0; r0 < n; r0 += kRowTile) {
            const int r1 = std::min(n, r0 + kRowTile);
            for (int q = q0; q < q1; ++q) {
                const float *qv = data + size_t(q) * size_t(dim);
                for (int r = r0; r < r1; ++r)
                    if (r != q)
                        offer(heaps[size_t(q - q0)], k, {innerProduct(qv, data + size_t(r) * size_t(dim), dim), r});
            }
        }
        for (int q = q0; q < q1; ++q) {
            std::vector<Hit> &h = heaps[size_t(q - q0)];
            std::sort_heap(h.begin(), h.end(), better);
            for (size_t j = 0; j < h.size(); ++j) {
                nb.index[size_t(q) * size_t(k) + j] = h[j].row;
                nb.similarity[size_t(q) * size_t(k) + j] = h[j].sim;
            }
        }
    }
    return nb;
}

#ifdef FACELAB_WITH_FAISS
Neighbours faissSearch(const float *data, int n, int dim, int k, bool ivf, int nprobe)
{
    using idx_t = faiss::Index::idx_t;
    const int kk = std::min(n, k + 1);   // one more: the row itself comes back too
    std::vector<float> sims(size_t(n) * size_t(kk));
    std::vector<idx_t> ids(size_t(n) * size_t(kk));
    if (!ivf) {
        faiss::IndexFlatIP index(dim);
        index.add(n, data);
        index.search(n, data, kk, sims.data(), ids.data());
    } else {
        // 4 sqrt(n) lists (FAISS's usual range), so a query scans a few percent of the rows;
        // k-means runs 10 rounds on 40 rows per list, which keeps training to seconds.
        const int lists = std::clamp(int(4 * std::sqrt(double(n))), 1, std::max(1, n / 40));
        faiss::IndexFlatIP quantizer(dim);
        faiss::IndexIVFFlat index(&quantizer, dim, size_t(lists), faiss::METRIC_INNER_PRODUCT);
        index.verbose = false;
        index.cp.niter = 10;
        const int sample = std::min(n, 40 * lists);
        std::vector<float> train(size_t(sample) * size_t(dim));
        for (int s = 0; s < sample; ++s) {
            const size_t row = size_t(double(s) * n / sample);
            std::copy_n(data + row * size_t(dim), dim, train.data() + size_t(s) * size_t(dim));
        }
        index.train(sample, train.data());
        index.add(n, data);
        index.nprobe = size_t(std::min(lists, nprobe > 0 ? nprobe : std::max(8, lists / 64)));
        index.search(n, data, kk, sims.data(), ids.data());
    }
    Neighbours nb;
    nb.k = k;
    nb.backend = ivf ? SearchBackend::FaissIvf : SearchBackend::FaissFlat;
    nb.index.assign(size_t(n) * size_t(k), -1);
    nb.similarity.assign(size_t(n) * size_t(k), 0.f);
    for (int q = 0; q < n; ++q) {
        size_t out = size_t(q) * size_t(k), end = out + size_t(k);
        for (int j = 0; j < kk && out < end; ++j) {
            const idx_t id = ids[size_t(q) * size_t(kk) + size_t(j)];
            if (id < 0 || id == q)
                continue;
            nb.index[out] = id;
            nb.similarity[out++] = sims[size_t(q) * size_t(kk) + size_t(j)];
        }
    }
    return nb;
}
#endif

} // namespace

QString searchBackendName(SearchBackend b)
{
    switch (b) {
    case SearchBackend::Auto: return QStringLiteral("auto");
    case SearchBackend::FaissFlat: return QStringLiteral("faiss-flat");
    case SearchBackend::FaissIvf: return QStringLiteral("faiss-ivf");
    case SearchBackend::BruteForce: return QStringLiteral("brute-force");
    }
    return {};
}

bool faissAvailable()
{
#ifdef FACELAB_WITH_FAISS
    return true;
#else
    return false;
#endif
}

float innerProduct(const float *a, const float *b, int dim)
{
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int t = 0; t < dim; ++t)
        s += a[t] * b[t];
    return s;
}

Neighbours nearestNeighbours(const float *data, int n, int dim, int k, const SearchOptions &opt)
{
    if (n < 0 || dim <= 0 || k < 0)
        throw std::invalid_argument("nearestNeighbours: bad matrix shape or k");
    k = std::min(k, std::max(0, n - 1));
    if (n == 0 || k == 0) {
        Neighbours nb;
        nb.k = k;
        return nb;
    }
    SearchBackend b = opt.backend;
    if (b == SearchBackend::Auto)
        b = !faissAvailable() ? SearchBackend::BruteForce
            : n >= opt.ivfFrom ? SearchBackend::FaissIvf : SearchBackend::FaissFlat;
#ifdef FACELAB_WITH_FAISS
    if (b == SearchBackend::FaissFlat || b == SearchBackend::FaissIvf)
        return faissSearch(data, n, dim, k, b == SearchBackend::FaissIvf, opt.nprobe);
#endif
    return bruteForce(data, n, dim, k);
}

} // namespace facelab::queue

// bench_mining: hard-negative mining over N synthetic unit embeddings (default 50,000 x 512,
// 500 identities in families of 10 look-alikes), timed three ways in one run:
//   all pairs   every pair scored by brute force (tiled, every core), the 1,000 most similar
//               different-identity pairs kept: the exact answer
//   faiss-flat  mineHardNegatives with the exact FAISS inner-product index, 32 neighbours/image
//   faiss-ivf   the same with the IVF index (what FaceLab uses from 50,000 images)
// Prints the times, the ratios and how many of the exact 1,000 each search found. No asserts.
// Usage: bench_mining [N] [DIM] [IDENTITIES]
#include "queue/HardPairMining.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>
#include <algorithm>
#include <cmath>
#include <random>
#ifdef _OPENMP
#include <omp.h>
#endif

using namespace facelab::queue;

namespace {

constexpr int kPairs = 1000;
constexpr int kNeighbours = 32;

void normalise(float *v, int dim)
{
    double n2 = 0;
    for (int t = 0; t < dim; ++t)
        n2 += double(v[t]) * v[t];
    const float inv = float(1.0 / std::sqrt(n2));
    for (int t = 0; t < dim; ++t)
        v[t] *= inv;
}

std::vector<float> randomUnit(std::mt19937_64 &rng, int dim)
{
    std::normal_distribution<float> g(0.f, 1.f);
    std::vector<float> v(static_cast<size_t>(dim));
    for (float &x : v)
        x = g(rng);
    normalise(v.data(), dim);
    return v;
}

// Identity centres near their family's centre (look-alikes), images near their identity's centre:
// same-identity cosines around 0.3, look-alikes around 0.25, so neighbour lists mix the two.
EmbeddingSet syntheticSet(int n, int dim, int identities)
{
    std::mt19937_64 rng(7);
    std::vector<std::vector<float>> centres;
    std::vector<float> family;
    for (int k = 0; k < identities; ++k) {
        if (k % 10 == 0)
            family = randomUnit(rng, dim);
        std::vector<float> r = randomUnit(rng, dim), c(static_cast<size_t>(dim));
        for (int t = 0; t < dim; ++t)
            c[size_t(t)] = family[size_t(t)] + 0.5f * r[size_t(t)];
        normalise(c.data(), dim);
        centres.push_back(c);
    }
    EmbeddingSet set;
    set.dim = dim;
    set.vectors.resize(size_t(n) * size_t(dim));
    for (int i = 0; i < n; ++i) {
        const int k = i % identities;
        set.imageIds << i + 1;
        set.identities << k + 1;
        const std::vector<float> u = randomUnit(rng, dim);
        float *v = set.vectors.data() + size_t(i) * size_t(dim);
        for (int t = 0; t < dim; ++t)
            v[t] = centres[size_t(k)][size_t(t)] + 1.5f * u[size_t(t)];
        normalise(v, dim);
    }
    return set;
}

struct Scored
{
    float sim;
    int i, j;
};
bool higher(const Scored &a, const Scored &b) { return a.sim > b.sim; }

// Every pair i < j in tiles that stay in cache; each thread keeps its own best kPairs.
std::vector<Scored> allPairs(const EmbeddingSet &set)
{
    const int n = set.size(), dim = set.dim;
    constexpr int kTile = 128;
    const int tiles = (n + kTile - 1) / kTile;
    std::vector<Scored> best;
#pragma omp parallel
    {
        std::vector<Scored> heap;   // min-heap of the best kPairs so far (front = weakest)
#pragma omp for schedule(dynamic, 1)
        for (int ti = 0; ti < tiles; ++ti)
            for (int tj = ti; tj < tiles; ++tj)
                for (int i = ti * kTile; i < std::min(n, (ti + 1) * kTile); ++i)
                    for (int j = std::max(i + 1, tj * kTile); j < std::min(n, (tj + 1) * kTile); ++j) {
                        const float s = innerProduct(set.row(i), set.row(j), dim);
                        if (set.identities[i] == set.identities[j])
                            continue;
                        if (heap.size() < size_t(kPairs)) {
                            heap.push_back({s, i, j});
                            std::push_heap(heap.begin(), heap.end(), higher);
                        } else if (s > heap.front().sim) {
                            std::pop_heap(heap.begin(), heap.end(), higher);
                            heap.back() = {s, i, j};
                            std::push_heap(heap.begin(), heap.end(), higher);
                        }
                    }
#pragma omp critical
        best.insert(best.end(), heap.begin(), heap.end());
    }
    std::sort(best.begin(), best.end(), higher);
    best.resize(std::min(best.size(), size_t(kPairs)));
    return best;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int n = argc > 1 ? QString::fromLocal8Bit(argv[1]).toInt() : 50000;
    const int dim = argc > 2 ? QString::fromLocal8Bit(argv[2]).toInt() : 512;
    const int identities = argc > 3 ? QString::fromLocal8Bit(argv[3]).toInt() : 500;
    QTextStream out(stdout);
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    out << "embeddings " << n << " x " << dim << ", identities " << identities << ", threads " << threads
        << ", faiss " << (faissAvailable() ? "yes" : "no") << "\n";
    out.flush();
    const EmbeddingSet set = syntheticSet(n, dim, identities);

    QElapsedTimer t;
    t.start();
    const std::vector<Scored> exact = allPairs(set);
    const double allSeconds = double(t.nsecsElapsed()) / 1e9;
    QSet<quint64> truth;
    for (const Scored &s : exact)
        truth.insert(quint64(s.i) << 32 | quint64(s.j));
    out << QStringLiteral("all pairs (brute force): %1 s, %2 pairs scored, hardest negative %3, %4th %5\n")
               .arg(allSeconds, 0, 'f', 2).arg(double(n) * (n - 1) / 2, 0, 'g', 4).arg(exact.front().sim, 0, 'f', 4)
               .arg(exact.size()).arg(exact.back().sim, 0, 'f', 4);
    out.flush();

    for (SearchBackend b : {SearchBackend::FaissFlat, SearchBackend::FaissIvf}) {
        if (!faissAvailable())
            break;
        SearchOptions o;
        o.backend = b;
        t.restart();
        const QVector<MinedPair> mined = mineHardNegatives(set, {}, kPairs, kNeighbours, o);
        const double seconds = double(t.nsecsElapsed()) / 1e9;
        int found = 0;
        for (const MinedPair &m : mined)   // image ids are row + 1
            found += truth.contains(quint64(m.imageA - 1) << 32 | quint64(m.imageB - 1));
        out << QStringLiteral("%1 (%2 neighbours/image): %3 s, %4x faster than all pairs; found %5 of the exact %6 "
                              "hardest negatives\n")
                   .arg(searchBackendName(b)).arg(kNeighbours).arg(seconds, 0, 'f', 2).arg(allSeconds / seconds, 0, 'f', 1)
                   .arg(found).arg(exact.size());
        out.flush();
    }
    return 0;
}

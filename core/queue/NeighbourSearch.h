#pragma once
// The k nearest neighbours by inner product (cosine, for unit vectors) of every row of a matrix
// among all its rows: FAISS (exact flat index, or IVF on large sets) when FaceLab was built with
// it, else a brute-force search that computes every product.
#include <QString>
#include <cstdint>
#include <vector>

namespace facelab::queue {

enum class SearchBackend { Auto, FaissFlat, FaissIvf, BruteForce };
QString searchBackendName(SearchBackend b);   // "faiss-flat", "faiss-ivf", "brute-force", "auto"
bool faissAvailable();

struct SearchOptions
{
    SearchBackend backend = SearchBackend::Auto;
    // Auto switches from the exact flat index to IVF at this many rows: flat search grows with n^2.
    int ivfFrom = 50000;
    // IVF: 4 sqrt(n) lists; a query visits nprobe of them (0 = 1/64 of the lists, at least 8).
    int nprobe = 0;
};

struct Neighbours
{
    int k = 0;
    std::vector<std::int64_t> index;   // n x k row indices, best first; -1 where a row has fewer
    std::vector<float> similarity;     // n x k
    SearchBackend backend = SearchBackend::BruteForce;   // what actually ran
};

// data: n x dim, row-major. A row is never its own neighbour. A FAISS backend asked for in a
// build without FAISS runs the brute-force search (Neighbours::backend says so).
Neighbours nearestNeighbours(const float *data, int n, int dim, int k, const SearchOptions &opt = {});

// Inner product of two rows (the unit of the brute-force search; vectorised with OpenMP SIMD).
float innerProduct(const float *a, const float *b, int dim);

} // namespace facelab::queue

#include "nn/PreluKernels.h"

// Plain loops the compiler vectorises (this file is built -O3, see CMakeLists.txt); on x86 each
// function is cloned for AVX-512 and AVX2 and picked at load time, so one binary runs everywhere.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define FACELAB_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FACELAB_VECTOR_CLONES
#endif

namespace facelab::nn::kernels {

namespace {
constexpr int64_t kLanes = 16;     // independent partial sums along a plane (vector lanes)
constexpr int64_t kRowBlock = 64;  // pixels summed in float before the double total
} // namespace

FACELAB_VECTOR_CLONES
void preluForwardRows(const float *x, const float *w, float *y, int64_t rows, int64_t c)
{
    for (int64_t r = 0; r < rows; ++r, x += c, y += c)
        for (int64_t k = 0; k < c; ++k) {
            const float v = x[k];
            y[k] = v > 0.f ? v : w[k] * v;
        }
}

FACELAB_VECTOR_CLONES
void preluForwardPlanes(const float *x, const float *w, float *y, int64_t first, int64_t last, int64_t c, int64_t s)
{
    for (int64_t p = first; p < last; ++p) {
        const float a = w[p % c];
        const float *xp = x + p * s;
        float *yp = y + p * s;
        for (int64_t i = 0; i < s; ++i) {
            const float v = xp[i];
            yp[i] = v > 0.f ? v : a * v;
        }
    }
}

FACELAB_VECTOR_CLONES
void preluBackwardRows(const float *x, const float *g, const float *w, float *gx, double *gw, float *scratch,
                       int64_t rows, int64_t c)
{
    for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
        const int64_t r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
        for (int64_t k = 0; k < c; ++k)
            scratch[k] = 0.f;
        for (int64_t r = r0; r < r1; ++r) {
            const float *xr = x + r * c, *gr = g + r * c;
            if (gx) {
                float *o = gx + r * c;
                for (int64_t k = 0; k < c; ++k)
                    o[k] = xr[k] > 0.f ? gr[k] : w[k] * gr[k];
            }
            for (int64_t k = 0; k < c; ++k)
                scratch[k] += xr[k] > 0.f ? 0.f : xr[k] * gr[k];
        }
        for (int64_t k = 0; k < c; ++k)
            gw[k] += double(scratch[k]);
    }
}

FACELAB_VECTOR_CLONES
void preluBackwardPlanes(const float *x, const float *g, const float *w, float *gx, double *gw, int64_t first,
                         int64_t last, int64_t c, int64_t s)
{
    for (int64_t p = first; p < last; ++p) {
        const float a = w[p % c];
        const float *xp = x + p * s, *gp = g + p * s;
        if (gx) {
            float *o = gx + p * s;
            for (int64_t i = 0; i < s; ++i)
                o[i] = xp[i] > 0.f ? gp[i] : a * gp[i];
        }
        float lanes[kLanes] = {};
        int64_t i = 0;
        for (; i + kLanes <= s; i += kLanes)
            for (int64_t l = 0; l < kLanes; ++l)
                lanes[l] += xp[i + l] > 0.f ? 0.f : xp[i + l] * gp[i + l];
        double sum = 0;
        for (; i < s; ++i)
            sum += xp[i] > 0.f ? 0.0 : double(xp[i] * gp[i]);
        for (int64_t l = 0; l < kLanes; ++l)
            sum += double(lanes[l]);
        gw[p % c] += sum;
    }
}

} // namespace facelab::nn::kernels

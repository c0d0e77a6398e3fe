#pragma once
// Per-channel PReLU on raw float buffers, forward and backward, for the two dense layouts of an
// N x C x spatial tensor: "rows" (channels-last: every pixel holds C contiguous channels) and
// "planes" (NCHW: every (n, c) holds S contiguous pixels). Torch-free and compiled -O3 with one
// clone per x86 vector width, because LibTorch 1.13's prelu backward is a scalar loop (a third of
// a fine-tuning step of fr_feature.onnx). ChannelPrelu.h wraps them as an autograd function.
//   forward:  y = x > 0 ? x : w[c] * x
//   backward: gx = x > 0 ? g : w[c] * g,   gw[c] += x > 0 ? 0 : x * g
#include <cstdint>

namespace facelab::nn::kernels {

// `rows` pixels of C channels each.
void preluForwardRows(const float *x, const float *w, float *y, int64_t rows, int64_t c);
// Planes [first, last) of S pixels; plane p has channel p % C.
void preluForwardPlanes(const float *x, const float *w, float *y, int64_t first, int64_t last, int64_t c, int64_t s);

// gx may be null (no input gradient wanted). gw (C doubles) receives the slope gradient summed over
// the given pixels; scratch holds C floats.
void preluBackwardRows(const float *x, const float *g, const float *w, float *gx, double *gw, float *scratch,
                       int64_t rows, int64_t c);
void preluBackwardPlanes(const float *x, const float *g, const float *w, float *gx, double *gw, int64_t first,
                         int64_t last, int64_t c, int64_t s);

} // namespace facelab::nn::kernels

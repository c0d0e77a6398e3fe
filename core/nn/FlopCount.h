#pragma once
// The floating-point work of a network, counted from the shapes its own forward pass produces,
// for benchmarks that report achieved GFLOP/s against the machine's peak.
#include "nn/FaceNet.h"

namespace facelab::nn {

// FLOPs of one forward pass of `net` on `input` (run once here, without gradients): 2 per
// multiply-add of every convolution (2 * Cout * Cin/groups * kh * kw * Hout * Wout per image) and
// matrix product (Gemm, MatMul, Linear); elementwise work (activations, adds, BatchNorm) is not
// counted. Any family: the count observes the torch operators the pass dispatches.
double forwardFlops(FaceNetImpl &net, const torch::Tensor &input);

} // namespace facelab::nn

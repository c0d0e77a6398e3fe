#pragma once
// PReLU with one slope per channel (dim 1), as an autograd function whose forward and backward
// run vectorised kernels (PreluKernels.h) on dense float CPU tensors, NCHW or channels-last;
// anything else (CUDA, other dtypes, odd strides) goes to torch::prelu. Same results as
// torch::prelu up to float rounding of the slope gradient (summed in double here).
#include <torch/torch.h>

namespace facelab::nn {

// x: N x C x ...; slope: C elements (any shape). Differentiable in both (second derivatives too).
torch::Tensor channelPrelu(const torch::Tensor &x, const torch::Tensor &slope);

} // namespace facelab::nn

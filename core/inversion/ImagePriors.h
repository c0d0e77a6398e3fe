#pragma once
// Pixels of model inversion: the image priors (total variation, L2), the per-step jitter (a roll
// that wraps, a mirror), the valid range of a model's preprocessing, and the way back to 8-bit
// faces. Tensors are N x 3 x H x W in the model's units ((pixel - mean) / std). Torch header.
#include "nn/Preprocessing.h"

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <vector>

namespace facelab::inversion {

// DeepInversion's var_l2: the L2 norms of the differences between neighbours (right, down and
// the two diagonals), summed.
torch::Tensor totalVariation(const torch::Tensor &x);
// Mean over the batch of each image's L2 norm.
torch::Tensor imageL2(const torch::Tensor &x);
// Rolled by (dy, dx) pixels with wrap-around, then mirrored left-right when flip.
torch::Tensor jitter(const torch::Tensor &x, int dy, int dx, bool flip);

// The per-channel bounds of pixel values 0..255 in model units: 1 x 3 x 1 x 1 tensors.
struct PixelRange
{
    torch::Tensor low, high;
};
PixelRange pixelRange(const nn::Preprocessing &spec, const torch::Device &device);

// Model units -> 8-bit BGR images (rounded, clamped), and one BGR face -> 1 x 3 x H x W.
std::vector<cv::Mat> toFaces(const torch::Tensor &x, const nn::Preprocessing &spec);
torch::Tensor fromFace(const cv::Mat &bgr, const nn::Preprocessing &spec);

} // namespace facelab::inversion

#pragma once
// The non-invertible front of g_x: a small CNN from a preprocessed face (C x H x W) to an L-dim
// vector (7x7 stride-2 conv, 3x3 stride-2 convs, each with GroupNorm + ReLU, global average pool,
// Linear). An image cannot map bijectively to a 512-d vector, so the paper's exact g_x is replaced
// by this encoder followed by an InvertibleNet (seed 000). GroupNorm rather than BatchNorm: the
// surrogate is the same function in train() and eval() mode and for any batch size.
#include <torch/torch.h>

#include <vector>

namespace facelab::linearizer {

class ImageEncoderImpl : public torch::nn::Module
{
public:
    ImageEncoderImpl(int inputChannels, const std::vector<int> &channels, int latent);

    // N x C x H x W (any H, W the strides leave >= 1 pixel of) -> N x latent.
    torch::Tensor forward(const torch::Tensor &x);

private:
    int m_inputChannels;
    torch::nn::Sequential m_features;
    torch::nn::Linear m_head{nullptr};
};
TORCH_MODULE(ImageEncoder);

} // namespace facelab::linearizer

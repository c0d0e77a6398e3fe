#include "linearizer/ImageEncoder.h"

#include <numeric>
#include <stdexcept>
#include <string>

namespace facelab::linearizer {

ImageEncoderImpl::ImageEncoderImpl(int inputChannels, const std::vector<int> &channels, int latent)
    : m_inputChannels(inputChannels)
{
    if (channels.empty() || inputChannels < 1 || latent < 1)
        throw std::invalid_argument("ImageEncoder: needs input channels, at least one conv and a latent width");
    m_features = register_module("features", torch::nn::Sequential());
    int in = inputChannels;
    for (size_t i = 0; i < channels.size(); ++i) {
        const int out = channels[i];
        if (out < 1)
            throw std::invalid_argument("ImageEncoder: non-positive channel count");
        const int k = i == 0 ? 7 : 3;
        m_features->push_back(
            torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(2).padding(k / 2).bias(false)));
        m_features->push_back(torch::nn::GroupNorm(std::gcd(out, 8), out));
        m_features->push_back(torch::nn::ReLU());
        in = out;
    }
    m_head = register_module("head", torch::nn::Linear(in, latent));
}

torch::Tensor ImageEncoderImpl::forward(const torch::Tensor &x)
{
    if (x.dim() != 4 || x.size(1) != m_inputChannels)
        throw std::invalid_argument("ImageEncoder: expected N x " + std::to_string(m_inputChannels) +
                                    " x H x W, got " + c10::str(x.sizes()));
    auto h = m_features->forward(x);
    h = h.mean({2, 3});
    return m_head->forward(h);
}

} // namespace facelab::linearizer

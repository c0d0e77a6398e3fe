#pragma once
// Glow's invertible 1x1 convolution on a feature vector: y = W x with W square. It mixes the two
// coupling halves so every feature is updated across blocks. W starts orthogonal (QR of a seeded
// Gaussian): invertible, perfectly conditioned, and |det| = 1. The inverse is an LU solve, not a
// stored inverse, so it stays exact as W trains. (Glow's LU parametrisation would make log|det|
// cheaper; at D = 512 slogdet is negligible next to the couplings.) Float input is solved in
// double: a float32 solve's error, amplified by later couplings, was 30x larger at D = 512.
#include <torch/torch.h>

#include <cstdint>

namespace facelab::linearizer {

class InvertibleLinearImpl : public torch::nn::Module
{
public:
    InvertibleLinearImpl(int64_t features, std::uint64_t seed = 0);

    // N x features: y = x W^T.
    torch::Tensor forward(const torch::Tensor &x);
    torch::Tensor inverse(const torch::Tensor &y) const;
    // log |det W| (0-dim), the same for every sample.
    torch::Tensor logAbsDet() const;

    int64_t features() const { return weight.size(0); }

    torch::Tensor weight;
};
TORCH_MODULE(InvertibleLinear);

// A features x features orthogonal matrix from a seeded Gaussian (QR, signs fixed by diag(R)).
torch::Tensor seededOrthogonal(int64_t features, std::uint64_t seed);

} // namespace facelab::linearizer

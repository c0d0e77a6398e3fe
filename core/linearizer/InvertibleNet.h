#pragma once
// The invertible network of the Linearizer: a stack of blocks ActNorm -> AffineCoupling (two
// couplings) -> InvertibleLinear over a D-dim vector. Every step has a closed-form inverse, so
// inverse(forward(x)) == x up to float rounding; that exactness is what lets g_y^-1 produce
// embeddings and lets linear algebra on A carry over to f.
#include "linearizer/ActNorm.h"
#include "linearizer/AffineCoupling.h"
#include "linearizer/InvertibleLinear.h"

#include <torch/torch.h>

#include <cstdint>
#include <utility>

namespace facelab::linearizer {

struct InvertibleNetOptions
{
    int64_t features = 512;
    int blocks = 4;
    int64_t hidden = 1024;
    int couplingLayers = 3;
    double scaleClamp = 5.0;
    std::uint64_t seed = 0; // seeds the orthogonal start of each block's 1x1 mixing
};

class InvertibleBlockImpl : public torch::nn::Module
{
public:
    InvertibleBlockImpl(int64_t features, int64_t hidden, int couplingLayers, double scaleClamp, std::uint64_t seed);

    // Without the log-determinant: the surrogate never uses it, and the 1x1 mixing's is a
    // factorisation per block and step.
    torch::Tensor forward(const torch::Tensor &x);
    std::pair<torch::Tensor, torch::Tensor> forwardWithLogDet(const torch::Tensor &x);
    torch::Tensor inverse(const torch::Tensor &y);

    ActNorm actNorm{nullptr};
    AffineCoupling coupling{nullptr};
    InvertibleLinear mixing{nullptr};
};
TORCH_MODULE(InvertibleBlock);

class InvertibleNetImpl : public torch::nn::Module
{
public:
    explicit InvertibleNetImpl(const InvertibleNetOptions &options);

    // N x D -> N x D through the blocks in order; inverse runs them backwards.
    torch::Tensor forward(const torch::Tensor &x);
    // {y, log|det dy/dx| per sample (N)}.
    std::pair<torch::Tensor, torch::Tensor> forwardWithLogDet(const torch::Tensor &x);
    torch::Tensor inverse(const torch::Tensor &y);

    int blockCount() const { return static_cast<int>(m_blocks->size()); }
    InvertibleBlock block(int i) const;
    int64_t features() const { return m_options.features; }
    const InvertibleNetOptions &options() const { return m_options; }

private:
    InvertibleNetOptions m_options;
    torch::nn::ModuleList m_blocks;
};
TORCH_MODULE(InvertibleNet);

} // namespace facelab::linearizer

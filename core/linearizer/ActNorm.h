#pragma once
// ActNorm (Glow): a per-feature affine map y = (x + bias) * exp(logScale) whose parameters are set
// from the first training batch so that batch leaves with zero mean and unit variance per feature.
// Unlike BatchNorm it is a fixed invertible map afterwards, so the inverse is exact. The
// `initialised` flag is a registered buffer: it is saved with the weights, so a restored module
// never re-initialises on its next batch (the authors' code keeps it as a plain attribute).
#include <torch/torch.h>

namespace facelab::linearizer {

class ActNormImpl : public torch::nn::Module
{
public:
    explicit ActNormImpl(int64_t features);

    // N x features -> N x features. In train() mode the first call with N >= 2 initialises.
    torch::Tensor forward(const torch::Tensor &x);
    torch::Tensor inverse(const torch::Tensor &y) const;
    // log |det dy/dx| per sample: sum(logScale), shape N.
    torch::Tensor logDet(const torch::Tensor &x) const;

    // Sets bias / logScale from x now (whatever the mode) and marks the module initialised.
    void initialiseFrom(const torch::Tensor &x);
    bool isInitialised() const;
    int64_t features() const { return m_features; }

    torch::Tensor logScale, bias;
    torch::Tensor initialised; // 0-dim uint8 buffer, 1 once data-initialised

private:
    int64_t m_features;
};
TORCH_MODULE(ActNorm);

} // namespace facelab::linearizer

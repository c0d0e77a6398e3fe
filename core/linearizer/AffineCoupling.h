#pragma once
// Two affine couplings (RealNVP) over a feature vector split into halves x1 | x2:
//   y1 = (x1 + t1(x2)) * exp(clamp(s1(x2), +-c)),   y2 = (x2 + t2(y1)) * exp(clamp(s2(y1), +-c)).
// Each half is updated from the other, so both halves change in one block and the inverse runs
// the two steps backwards exactly (no iteration, no approximation). s and t are small MLPs whose
// last layer starts at zero, so a fresh coupling is the identity and training starts from it.
#include <torch/torch.h>

#include <utility>

namespace facelab::linearizer {

// MLP in -> hidden (ReLU) ... -> out with `layers` Linear layers; the last one zero-initialised.
class CouplingMlpImpl : public torch::nn::Module
{
public:
    CouplingMlpImpl(int64_t in, int64_t out, int64_t hidden, int layers);
    torch::Tensor forward(torch::Tensor x);

private:
    torch::nn::ModuleList m_layers;
};
TORCH_MODULE(CouplingMlp);

class AffineCouplingImpl : public torch::nn::Module
{
public:
    // features >= 2; the first half has features / 2 entries, the second the rest.
    AffineCouplingImpl(int64_t features, int64_t hidden, int layers = 3, double scaleClamp = 5.0);

    torch::Tensor forward(const torch::Tensor &x) { return forwardWithLogDet(x).first; }
    // {y, log|det dy/dx| per sample (N)}.
    std::pair<torch::Tensor, torch::Tensor> forwardWithLogDet(const torch::Tensor &x);
    torch::Tensor inverse(const torch::Tensor &y);

    int64_t features() const { return m_features; }

private:
    torch::Tensor clampScale(const torch::Tensor &s) const;

    int64_t m_features, m_first;
    double m_clamp;
    CouplingMlp s1{nullptr}, t1{nullptr}, s2{nullptr}, t2{nullptr};
};
TORCH_MODULE(AffineCoupling);

} // namespace facelab::linearizer

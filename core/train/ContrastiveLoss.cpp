#include "ContrastiveLoss.h"

namespace facelab::train {

namespace {
torch::Tensor unit(const torch::Tensor &e)
{
    // eps keeps an all-zero embedding finite (its gradient is then zero instead of NaN).
    return torch::nn::functional::normalize(e, torch::nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(1e-12));
}
} // namespace

torch::Tensor contrastiveLoss(const torch::Tensor &e1, const torch::Tensor &e2, const torch::Tensor &same,
                              double margin)
{
    TORCH_CHECK(e1.sizes() == e2.sizes() && e1.dim() == 2, "contrastiveLoss: e1 and e2 must be N x D");
    const torch::Tensor y = same.to(e1.dtype()).reshape({-1});
    TORCH_CHECK(y.size(0) == e1.size(0), "contrastiveLoss: one label per pair");
    // d^2 computed directly for the positive term: sqrt's gradient is infinite at d = 0 (a pair of
    // identical faces), and y d^2 does not need the root.
    const torch::Tensor diff = unit(e1) - unit(e2);
    const torch::Tensor d2 = diff.pow(2).sum(1);
    const torch::Tensor d = (d2 + 1e-12).sqrt();
    const torch::Tensor push = torch::clamp_min(margin - d, 0.0).pow(2);
    return (y * d2 + (1 - y) * push).mean();
}

torch::Tensor pairCosine(const torch::Tensor &e1, const torch::Tensor &e2)
{
    return (unit(e1) * unit(e2)).sum(1);
}

} // namespace facelab::train

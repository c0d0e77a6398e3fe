#include "ContrastiveLoss.h"

#include <limits>

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

torch::Tensor multiSimilarityLoss(const torch::Tensor &e, const torch::Tensor &positive, const torch::Tensor &negative,
                                  double alpha, double beta, double base)
{
    TORCH_CHECK(e.dim() == 2, "multiSimilarityLoss: e must be N x D");
    const long n = e.size(0);
    TORCH_CHECK(positive.sizes() == torch::IntArrayRef({n, n}) && negative.sizes() == torch::IntArrayRef({n, n}),
                "multiSimilarityLoss: one relation per pair of rows");
    const torch::Tensor u = unit(e);
    const torch::Tensor sim = u.matmul(u.t());
    const auto opts = sim.options();
    const torch::Tensor pos = positive.to(e.device()).to(torch::kBool);
    const torch::Tensor neg = negative.to(e.device()).to(torch::kBool);
    const double inf = std::numeric_limits<double>::infinity();
    // log(1 + sum exp(x)) over the masked entries: a zero column joins the logsumexp.
    auto softplusSum = [&](const torch::Tensor &x, const torch::Tensor &mask) {
        const torch::Tensor masked = x.masked_fill(mask.logical_not(), -inf);
        return torch::logsumexp(torch::cat({torch::zeros({n, 1}, opts), masked}, 1), 1);
    };
    const torch::Tensor lp = softplusSum(-alpha * (sim - base), pos) / alpha;
    const torch::Tensor ln = softplusSum(beta * (sim - base), neg) / beta;
    const torch::Tensor has = pos.any(1).logical_or(neg.any(1));
    const long anchors = has.sum().item<long>();
    if (anchors == 0)
        return (sim * 0).sum();   // keeps the graph: a batch without relations trains nothing
    return ((lp + ln) * has.to(sim.dtype())).sum() / double(anchors);
}

torch::Tensor pairCosine(const torch::Tensor &e1, const torch::Tensor &e2)
{
    return (unit(e1) * unit(e2)).sum(1);
}

} // namespace facelab::train

#include "inversion/MarginTarget.h"

#include <cmath>

namespace facelab::inversion {

torch::Tensor arcFaceLoss(const torch::Tensor &embeddings, const torch::Tensor &centres, int64_t targetClass,
                          double scale, double margin)
{
    const torch::Tensor cosine = embeddings.matmul(centres.t()).clamp(-1 + 1e-7, 1 - 1e-7);   // N x K
    const torch::Tensor target = cosine.select(1, targetClass);
    const torch::Tensor sine = torch::sqrt(1 - target * target);
    // cos(theta + m); past theta = pi - m the angle would wrap, so ArcFace falls back to a linear
    // penalty there (the "th / mm" rule of the reference implementation).
    const double th = std::cos(M_PI - margin), mm = std::sin(M_PI - margin) * margin;
    torch::Tensor withMargin = target * std::cos(margin) - sine * std::sin(margin);
    withMargin = torch::where(target > th, withMargin, target - mm);
    const torch::Tensor oneHot = torch::zeros_like(cosine).index_fill_(1, torch::tensor({targetClass}, torch::kLong).to(cosine.device()), 1.0);
    const torch::Tensor logits = scale * (cosine + oneHot * (withMargin - target).unsqueeze(1));
    const torch::Tensor labels = torch::full({embeddings.size(0)}, targetClass, torch::TensorOptions().dtype(torch::kLong).device(cosine.device()));
    return torch::nn::functional::cross_entropy(logits, labels);
}

torch::Tensor cosineLoss(const torch::Tensor &embeddings, const torch::Tensor &target)
{
    return (1 - embeddings.matmul(target)).mean();
}

std::vector<int> classRanks(const torch::Tensor &embeddings, const torch::Tensor &centres, int64_t targetClass)
{
    const torch::Tensor cosine = embeddings.detach().matmul(centres.t()).to(torch::kCPU);
    const torch::Tensor nearer = (cosine > cosine.select(1, targetClass).unsqueeze(1)).sum(1);
    std::vector<int> ranks;
    for (int64_t i = 0; i < nearer.size(0); ++i)
        ranks.push_back(1 + int(nearer[i].item<int64_t>()));
    return ranks;
}

} // namespace facelab::inversion

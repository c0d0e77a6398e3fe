#pragma once
// The target terms of model inversion: ArcFace's additive angular margin loss towards one class
// centre (Deng et al.: s * cos(theta + m) for the target, s * cos(theta) for the rest, cross
// entropy), the cosine loss towards one embedding, and the rank of a class among all centres.
// Embeddings and centres are L2-normalised by the caller. Torch header.
#include <torch/torch.h>

namespace facelab::inversion {

// embeddings N x D, centres K x D (unit rows); mean cross entropy over the batch.
torch::Tensor arcFaceLoss(const torch::Tensor &embeddings, const torch::Tensor &centres, int64_t targetClass,
                          double scale, double margin);
// Mean of 1 - cos(embedding_i, target) (target: D, unit).
torch::Tensor cosineLoss(const torch::Tensor &embeddings, const torch::Tensor &target);
// For each row: 1 + the number of centres strictly nearer (by cosine) than targetClass's.
std::vector<int> classRanks(const torch::Tensor &embeddings, const torch::Tensor &centres, int64_t targetClass);

} // namespace facelab::inversion

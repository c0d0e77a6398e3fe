#pragma once
// The contrastive pair loss (Hadsell et al. 2006 as used in seed 003). Torch header: include only
// from core/train sources and tests.
#include <torch/torch.h>

namespace facelab::train {

// Rows of e1 and e2 are raw embeddings of the two faces of each pair; same holds 1 (same person)
// or 0. Both are L2-normalised, d = ||e1 - e2||_2 and the result is the mean over pairs of
// same * d^2 + (1 - same) * max(0, margin - d)^2.
torch::Tensor contrastiveLoss(const torch::Tensor &e1, const torch::Tensor &e2, const torch::Tensor &same,
                              double margin);

// Per-pair cosine similarity of raw embeddings (the score FaceLab shows and evaluates).
torch::Tensor pairCosine(const torch::Tensor &e1, const torch::Tensor &e2);

} // namespace facelab::train

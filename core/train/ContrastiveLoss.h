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

// Multi-similarity loss (Wang et al., CVPR 2019, without its pair mining) over a batch of raw
// embeddings e [N, D] and the known relations between them: positive[i][j] / negative[i][j] are
// true (bool tensors [N, N]) where faces i and j are known to be the same / different person. For
// every face with a known relation, with S the cosine similarities:
//   1/alpha log(1 + sum_pos exp(-alpha (S - base))) + 1/beta log(1 + sum_neg exp(beta (S - base))),
// averaged over those faces (0 when no face has one). The reference code's alpha 2, beta 40, base 0.5.
torch::Tensor multiSimilarityLoss(const torch::Tensor &e, const torch::Tensor &positive, const torch::Tensor &negative,
                                  double alpha = 2.0, double beta = 40.0, double base = 0.5);

// Per-pair cosine similarity of raw embeddings (the score FaceLab shows and evaluates).
torch::Tensor pairCosine(const torch::Tensor &e1, const torch::Tensor &e2);

} // namespace facelab::train

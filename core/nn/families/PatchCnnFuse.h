#pragma once
// PatchCNN fusion (REFERENCE.md "CryptoFace PatchCNN", seed 004): the head BatchNorm1d(256,
// affine=False) is folded into the Linear(N*256, 256) FIRST, W' = W / sqrt(var + eps) per output
// row and b' = (b - mean) / sqrt(var + eps), THEN W' is split into N column blocks of 256x256, one
// per patch, each patch adding b'/N; the final BatchNorm is then the identity. The fold is computed
// in double. Torch header.
#include "nn/families/PatchCnn.h"

#include <string>

namespace facelab::nn::pcnn {

struct FusedHead
{
    torch::Tensor weights; // N x 256 x 256, float64: block i multiplies patch i's 256 features
    torch::Tensor bias;    // 256, float64, already divided by N (each patch adds it)
};

// The fold of the current (unfused) head; the network is not changed.
FusedHead computeFusedHead(const PatchCnnImpl &net);

// Computes the fold and installs it (in the network's dtype) so forward() in eval mode runs the fused path.
void fuse(PatchCnnImpl &net);

// Runs `batch` (B x 3 x 112 x 112 preprocessed, or network-sized) through the unfused and the
// fused head in eval mode and returns the max absolute difference of the embeddings (in the
// network's dtype: float32 rounding of the unfused Linear alone is about 1e-7 of the pre-BatchNorm
// values). The network is left as it was (mode, fused state).
double fusedMaxAbsDiff(PatchCnnImpl &net, const torch::Tensor &batch);

// Writes the fused per-patch head for an encrypted evaluator as a torch.save state dict (zip format,
// readable by torch.load): "patch.K.weight" [256,256] and "patch.K.bias" [256] (float32, bias
// already /N, K row-major patch index), "fused.weight" [N,256,256] and "fused.bias" [256] in float64,
// and each HerPN as the per-channel quadratic w2 x^2 + w1 x + w0 in float64 under its module name
// ("nets.K.layers.J.herpn1.w2", ..., "nets.K.herpnpool.herpn.w0"). Throws ModelError.
void writeFusedPatchWeights(const PatchCnnImpl &net, const std::string &path);

} // namespace facelab::nn::pcnn

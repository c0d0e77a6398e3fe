#pragma once
// The hook between backward() and step() of every data-parallel trainer: each trainable tensor's
// gradient replaced by its sum over the ranks (a rank that had nothing to learn from adds zeros),
// in the collective's buckets. Riders (a loss sum, counts) go in the same call, after the
// gradients, so a step costs one collective, not two. Alone (no collective or world 1): nothing.
// Torch, no Qt.
#include <torch/torch.h>

#include <vector>

namespace facelab::train {

class Collective;

void syncGradients(Collective *collective, const std::vector<torch::Tensor> &trainable,
                   std::vector<torch::Tensor> *riders = nullptr);

} // namespace facelab::train

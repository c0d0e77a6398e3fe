#pragma once
// A module's state as PyTorch's state_dict() names it (per module: parameters, then buffers, then
// the children, depth first), and as the tensors writeTorchSave takes. Torch header.
#include "nn/checkpoint/TorchCheckpoint.h"

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace facelab::nn {

std::vector<std::pair<std::string, torch::Tensor>> moduleState(const torch::nn::Module &net);

// The network's state as CPU copies, for writeTorchSave. Throws std::invalid_argument for a dtype
// torch.save files cannot name.
std::vector<ckpt::NamedTensor> namedTensorsOf(const torch::nn::Module &net);

} // namespace facelab::nn

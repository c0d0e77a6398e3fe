#pragma once
// Checkpoint files of the trainers: a torch archive written to PATH.part and renamed over PATH, so a
// run killed while writing leaves the previous checkpoint whole; plus the CPU generator's state,
// which a resumed run needs to draw what the unbroken run would. Torch header, no Qt.
#include <torch/torch.h>

#include <string>

namespace facelab::train {

// Throws std::runtime_error naming the path when it cannot be written.
void saveArchiveAtomically(torch::serialize::OutputArchive &archive, const std::string &path);

torch::Tensor cpuGeneratorState();
void setCpuGeneratorState(const torch::Tensor &state);

} // namespace facelab::train

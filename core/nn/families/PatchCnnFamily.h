#pragma once
// The "pcnn" family: CryptoFace PatchCNN checkpoints (torch.save, {backbone: state_dict, head,
// optimizer, ...} or backbone-only {backbone: ...}). Torch-free header except for the helpers
// below the family, which need FaceNet.h in torch translation units.
#include "nn/ModelFamily.h"

#include <memory>
#include <string>

namespace facelab::nn {

const ModelFamily &patchCnnFamily();

namespace pcnn {
class PatchCnnImpl;

// The network size a checkpoint holds (64, 96, 128) from its nets.K count and linear.weight, or 0
// when the file is not a PatchCNN checkpoint. Throws ModelError for an unreadable file.
int detectPatchCnnSize(const std::string &path);

// Loads `path` into a PatchCNN of `inputSize` (0: detected) and reports the counts. With a complete
// load the fused head is checked against the unfused one (LoadReport::fusedMaxAbsDiff, crossCheck)
// on a fixed synthetic batch of 4 faces; no exception for a partial load (see report.complete()).
std::shared_ptr<PatchCnnImpl> loadPatchCnn(const std::string &path, int inputSize, LoadReport &report);

// inspect / open with a forced network size (a 64 file opened as 96 is refused with the counts).
LoadReport inspectPatchCnn(const std::string &path, int inputSize);
FaceModel openPatchCnn(const std::string &path, int inputSize, const OpenOptions &options = {});

// RGB, (x - 127.5) / 127.5 at 112x112; the network resizes to its own size inside forward().
Preprocessing patchCnnPreprocessing();
} // namespace pcnn

} // namespace facelab::nn

#pragma once
// Copying a checkpoint's tensors into a native network by name, with the counts a user needs to
// trust the result (REFERENCE.md: a lenient load silently leaves random weights). Torch header.
#include "nn/FaceNet.h"
#include "nn/ModelFamily.h"
#include "nn/ModuleState.h"
#include "nn/checkpoint/TorchCheckpoint.h"

#include <torch/torch.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace facelab::nn {

struct StateDictRules
{
    // Path prefixes of the state dict inside the file, tried in order ("state_dict.", "backbone.",
    // "model.", "net_state_dict.", ""); the first under which any network name is found is used.
    std::vector<std::string> containers{"state_dict.", "net_state_dict.", "model_state_dict.", "backbone.", "model.",
                                        "net.", ""};
    // Key prefixes stripped after the container ("features.module.", "module.features.", "module.").
    std::vector<std::string> stripPrefixes;
    // A file tensor that is not part of the embedding network (a training head): returns true to
    // list it as dropped instead of unexpected. Gets the key after stripping and its shape.
    std::function<bool(const std::string &key, const std::vector<int64_t> &shape)> isHead;
};

// Fills the network's named_parameters() and named_buffers() from the checkpoint (dtype converted,
// values copied under NoGradGuard) and reports loaded / expected / missing / unexpected /
// mismatched / dropped. Tensors not loaded keep their values. Never throws for a partial match;
// throws ModelError only when the checkpoint holds no tensor at all.
LoadReport loadStateDict(torch::nn::Module &net, const ckpt::Checkpoint &checkpoint, const StateDictRules &rules);

// The checkpoint's tensors under the chosen container with prefixes stripped: key -> entry (what
// family detection looks at: names and shapes).
std::vector<std::pair<std::string, const ckpt::TensorEntry *>> stateDictEntries(const ckpt::Checkpoint &checkpoint,
                                                                                const StateDictRules &rules);

// Throws ModelError naming the file, the architecture, the counts and the first missing /
// mismatched / unexpected names when `report` is below a complete load (unexpected tensors
// included: a deeper file opened as a shallower net is not complete) and `allowPartial` is false.
void refuseIncompleteLoad(const std::string &path, const LoadReport &report, bool allowPartial);

// What every native family's open() ends with: the refusal above, the network in eval mode, and
// the handle with the caller's preprocessing or else the family's convention.
FaceModel openLoadedNet(const std::string &path, std::shared_ptr<FaceNetImpl> net, const LoadReport &report,
                        const OpenOptions &options, const Preprocessing &familyConvention);

// A tensor entry as a CPU torch tensor of its own dtype (contiguous copy).
torch::Tensor toTorch(const ckpt::TensorEntry &entry);


} // namespace facelab::nn

#pragma once
// `facelab checkpoint FILE`: what a torch.save file holds and which family it is. Torch-free header.
#include <string>

namespace facelab::nn {

// {"file", "format", "tensors", "tree":[{path, shape, dtype}], "scalars", "family": id or null,
//  "report": the matching family's counts, "closest": {family, loaded, expected, missing, unexpected,
//  mismatched, why} when none matches}. Throws ModelError for a file that is not a torch.save file
// or is refused (a forbidden global is named).
std::string inspectCheckpointJson(const std::string &path);

} // namespace facelab::nn

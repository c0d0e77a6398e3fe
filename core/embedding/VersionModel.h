#pragma once
// A project's model version opened as a network of its family (the model table's `family`
// column), with the version's own preprocessing. No torch include: the handle is torch-free.
#include "nn/FaceModel.h"
#include "store/ModelTable.h"

namespace facelab::embedding {

// Throws std::runtime_error naming the version and its file (missing file, unknown family, a file
// its family cannot read). A registered version opens even when its import was partial (the user
// forced it, and it is marked so).
nn::FaceModel openVersion(const store::ProjectStore &store, const store::ModelVersionRecord &version);

} // namespace facelab::embedding

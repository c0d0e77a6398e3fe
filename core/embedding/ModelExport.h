#pragma once
// Exporting a model version as a standard file: the family's own format, or ONNX where the family
// can write it (a MagFace .pth in, a deployable .onnx out).
#include "nn/ModelFamily.h"
#include "store/ModelTable.h"

namespace facelab::embedding {

// Writes the version to outPath in the format its suffix names and returns the cross-check of the
// written file (OpenCV dnn for .onnx: max |written file - network|). Throws std::runtime_error or
// nn::ModelError naming the files and the problem.
nn::CrossCheck exportVersion(const store::ProjectStore &store, const store::ModelVersionRecord &version,
                             const QString &outPath);

} // namespace facelab::embedding

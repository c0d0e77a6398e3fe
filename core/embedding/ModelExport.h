#pragma once
// Exporting a model version as a standard .onnx file (same graph, the version's weights).
#include "store/ModelTable.h"

namespace facelab::embedding {

// Writes the version to outPath and returns max |LibTorch - OpenCV dnn| on the written file.
// Throws std::runtime_error naming the files and the problem.
double exportVersion(const store::ProjectStore &store, const store::ModelVersionRecord &version, const QString &outPath);

} // namespace facelab::embedding

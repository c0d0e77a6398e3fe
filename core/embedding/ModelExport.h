#pragma once
// Exporting a model version as a standard file: the family's own format, or ONNX where the family
// can write it (a MagFace .pth in, a deployable .onnx out).
#include "nn/ModelFamily.h"
#include "nn/OnnxMetadata.h"
#include "store/ModelTable.h"

namespace facelab::embedding {

// Writes the version to outPath in the format its suffix names and returns the cross-check of the
// written file (OpenCV dnn for .onnx: max |written file - network|). An .onnx of a child version,
// or of one with a threshold, carries onnxMetadataOf(version) in its metadata_props. Throws
// std::runtime_error or nn::ModelError naming the files and the problem.
nn::CrossCheck exportVersion(const store::ProjectStore &store, const store::ModelVersionRecord &version,
                             const QString &outPath);

// The ONNX metadata keys of an exported version (read back by importModel).
constexpr const char *kMetaVersion = "facelab.version";             // the version's name
constexpr const char *kMetaParent = "facelab.parent";               // its parent's name; empty for an imported one
constexpr const char *kMetaThreshold = "facelab.threshold";         // its decision threshold (cosine), when set
constexpr const char *kMetaPreprocessing = "facelab.preprocessing"; // its input convention (JSON)
nn::OnnxMetadata onnxMetadataOf(const store::ModelVersionRecord &version);

} // namespace facelab::embedding

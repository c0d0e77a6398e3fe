#pragma once
// The key/value metadata of an .onnx file (ModelProto.metadata_props). FaceLab writes a version's
// threshold and lineage there when it exports one and reads them back when the file is imported,
// so a model handed on keeps what was learnt about it. Torch-free.
#include <map>
#include <string>

namespace facelab::nn {

using OnnxMetadata = std::map<std::string, std::string>;

// The file's metadata_props. Throws ModelError when it is not a readable ONNX model.
OnnxMetadata readOnnxMetadata(const std::string &path);

// Sets these keys (replacing any of the same name, keeping the others) and rewrites the file
// atomically; graph and weights are untouched. Throws ModelError.
void writeOnnxMetadata(const std::string &path, const OnnxMetadata &entries);

} // namespace facelab::nn

#pragma once
// Writing a (fine-tuned) OnnxGraphModule back to a standard .onnx file. Torch-free header.
#include <onnx/onnx_pb.h>

#include <string>

namespace facelab::nn {

class OnnxGraphModuleImpl;

// The module's original graph (nodes, inputs, outputs, opsets, metadata untouched) with every
// initializer replaced by the module's current value, converted back to its original type.
onnx::ModelProto exportedOnnxProto(const OnnxGraphModuleImpl &module);

// Writes exportedOnnxProto() to `path` atomically: a temporary file in the same folder, flushed to
// disk, then renamed over `path`, so readers never see a half-written model. Throws ModelError.
void exportOnnx(const OnnxGraphModuleImpl &module, const std::string &path);

// The same atomic write for any bytes (used for ONNX files made elsewhere, e.g. by tests).
void writeFileAtomically(const std::string &path, const std::string &bytes);

} // namespace facelab::nn

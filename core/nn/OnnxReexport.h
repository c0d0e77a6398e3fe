#pragma once
// A model file written out again through the LibTorch module: what "export a model version"
// does. Torch-free header.
#include <string>

namespace facelab::nn {

// Loads srcOnnx as an OnnxGraphModule, writes it to dstOnnx atomically (original graph, current
// weights) and returns the largest |LibTorch - OpenCV dnn| difference on the written file, which
// proves OpenCV reads it and agrees. Throws ModelError.
double reexportOnnx(const std::string &srcOnnx, const std::string &dstOnnx);

} // namespace facelab::nn

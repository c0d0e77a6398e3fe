#pragma once
// ONNX graphs as a model family: run by FaceLab's LibTorch graph executor (OnnxGraphModule),
// cross-checked against OpenCV dnn. Torch-free header.
#include "nn/ModelFamily.h"

namespace facelab::nn {

const ModelFamily &onnxFamily();

} // namespace facelab::nn

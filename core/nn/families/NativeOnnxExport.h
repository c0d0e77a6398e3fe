#pragma once
// Writing a native network (iResNet, MobileFaceNet) as a standard ONNX graph built from the live
// module's weights: Conv, BatchNormalization, PRelu, Add, Flatten, Gemm at opset 11 (no Clip), so
// OpenCV 4.6 dnn reads it. Input "input" [N, 3, H, W] with a dynamic batch, output "embedding" [N, D].
// Torch header.
#include "nn/FaceNet.h"
#include "nn/ModelFamily.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace facelab::nn {

// The graph of `net` (its current weights; BatchNorm with the stored statistics, Dropout omitted).
// Throws ModelError for a family without a native ONNX writer.
onnx::ModelProto nativeOnnxProto(FaceNetImpl &net);

// Writes nativeOnnxProto(net) to `path` atomically. Throws ModelError.
void exportNativeOnnx(FaceNetImpl &net, const std::string &path);

// Reads `path` back with OpenCV dnn and with FaceLab's OnnxGraphModule and runs one seeded random
// batch (uniform in [-1, 1]) through both and through `net` (eval mode, restored afterwards).
// maxAbsDiff is the larger of the two differences to the native forward; tolerance is 1e-4 times
// max(1, largest |embedding value|). A runtime that cannot read the file is reported in `note`
// (maxAbsDiff stays NaN), not thrown.
CrossCheck checkNativeOnnx(FaceNetImpl &net, const std::string &path, int batch = 2, uint64_t seed = 1);

// ModelFamily::exportTo for the native families: ".pth" (save) or ".onnx" (exportNativeOnnx +
// checkNativeOnnx). Throws ModelError for another suffix.
CrossCheck exportNativeModel(const FaceModel &model, const std::string &path, const std::string &familyName);

} // namespace facelab::nn

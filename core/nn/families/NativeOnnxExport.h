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

namespace pcnn {
class PatchCnnImpl;
}

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

// CryptoFace PatchCNN (PatchCnn.h) as ONNX, opset 11, ops OpenCV 4.6 dnn reads (Slice, Conv, Mul,
// Add, BatchNormalization, AveragePool, Flatten, Concat, Gemm). Input "input" [N, 3, S, S] with S the
// network size (64, 96, 128) and a dynamic batch: the input is the S x S face; resize 112 -> S
// before (CryptoFace's antialiased bilinear resize, PatchCnnImpl::resizeInput, is not in the graph:
// neither OpenCV dnn nor ONNX opset 11 has an antialiased Resize). Patches are Slices of the input,
// row-major (index = row * sqrt(N) + col), each through its backbone; each HerPN is its eval-mode
// arithmetic folded in double into one quadratic per channel, evaluated as ((w2 x) + w1) x + w0
// (HerPNImpl::polynomial: BN0 of the constant ones, BN1(x)/2 and BN2((x^2 - 1)/sqrt 2)/sqrt(4 pi),
// gamma and beta); the shortcut and backbone BatchNorms are BatchNormalization nodes. The head is
// the one the network runs: unfused Concat + Gemm(linear) + BatchNormalization(bn, affine=False),
// or, for a network with a fused head installed (pcnn::fuse), the per-patch Gemm(f_i, W'_i, b'/N)
// summed with Add. Output "embedding" [N, 256].
onnx::ModelProto patchCnnOnnxProto(pcnn::PatchCnnImpl &net);

// Writes patchCnnOnnxProto(net) to `path` atomically. Throws ModelError.
void exportPatchCnnOnnx(pcnn::PatchCnnImpl &net, const std::string &path);

// Reads `path` back with OpenCV dnn and with FaceLab's OnnxGraphModule and runs one seeded random
// S x S batch in the preprocessed range [-1, 1] (uniform 112 x 112 noise through the network's own
// antialiased resize; per-pixel noise drawn at S overflows random-weight networks) through both and through `net` (eval
// mode, restored afterwards). runtime "OpenCV dnn"; maxAbsDiff is the larger of the OpenCV dnn and
// the FaceLab executor differences to the native forward (both in `note`); tolerance 1e-5 times
// max(1, largest |embedding value|), as the family's fused-head check. A runtime that cannot read
// the file is reported in `note` (maxAbsDiff stays NaN), not thrown.
CrossCheck checkPatchCnnOnnx(pcnn::PatchCnnImpl &net, const std::string &path, int batch = 2, uint64_t seed = 1);

// ModelFamily::exportTo for the native families: ".pth" (save) or ".onnx" (exportNativeOnnx +
// checkNativeOnnx). Throws ModelError for another suffix.
CrossCheck exportNativeModel(const FaceModel &model, const std::string &path, const std::string &familyName);

} // namespace facelab::nn

#pragma once
// Conversion between onnx::TensorProto and torch::Tensor (CPU, contiguous, same element type).
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

namespace facelab::nn {

// Throws std::invalid_argument when the proto's data does not match its dims, lives in an external
// file, or has a type torch cannot hold (strings, complex).
torch::Tensor tensorFromProto(const onnx::TensorProto &proto);
// Replaces the proto's data with `value` converted to the proto's existing data_type, as raw_data.
// Name and dims are kept; the shapes must agree.
void writeTensorToProto(const torch::Tensor &value, onnx::TensorProto &proto);

torch::ScalarType scalarTypeFromOnnx(int32_t onnxType); // throws std::invalid_argument
int32_t onnxTypeFromScalar(torch::ScalarType type);

} // namespace facelab::nn

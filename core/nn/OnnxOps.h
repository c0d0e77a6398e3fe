#pragma once
// ONNX operators as LibTorch computations. Each node is compiled once (attributes parsed, opset
// differences resolved) into a kernel that the graph module calls on every forward pass.
// Kernels only use differentiable torch operators, so autograd runs through them.
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace facelab::nn {

// Operator types (default domain) the executor implements, sorted.
const std::vector<std::string> &supportedOnnxOps();
bool isSupportedOnnxOp(const std::string &opType);

// What an operator does with its i-th input. It decides how an initializer feeding that input is
// stored in the module: Weight -> trainable parameter, Statistic/Config -> buffer, Data -> a
// parameter only if it is a float tensor with more than one element (see OnnxGraphModule.cpp).
enum class OnnxInputRole { Data, Weight, Statistic, Config };
OnnxInputRole onnxInputRole(const std::string &opType, int inputIndex);

// What a kernel knows about the current forward pass.
struct OnnxRunState
{
    int64_t batch = -1;    // dim 0 of the runtime inputs
    bool training = false; // module.is_training(): Dropout acts only then
    // Training with batch statistics: BatchNormalization normalises with the batch's mean and
    // variance and updates its running statistics (OnnxGraphModule::setTrainBatchNorm).
    bool batchNormTraining = false;
};

// Missing optional inputs are undefined tensors; outputs follow node.output() order (an output
// nobody asked for may be left undefined).
using OnnxKernel =
    std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor> &, const OnnxRunState &)>;

// What is known about the graph when a node is compiled.
struct OnnxCompileContext
{
    int64_t opset = 0;
    int64_t declaredBatch = -1; // OnnxModelFile::declaredBatch()
    // True when the named value is an initializer or a Constant node output (never data-dependent).
    std::function<bool(const std::string &)> isConstant;
};

// Throws std::invalid_argument for attributes the executor cannot honour.
OnnxKernel compileOnnxNode(const onnx::NodeProto &node, const OnnxCompileContext &ctx);

// The tensor a Constant node produces (CPU). Throws std::invalid_argument for sparse/string values.
torch::Tensor onnxConstantValue(const onnx::NodeProto &node);

} // namespace facelab::nn

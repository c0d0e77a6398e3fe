#pragma once
// An ONNX graph executed with LibTorch operators, as a trainable torch::nn::Module.
//
// Initializers become registered state: float weights are parameters (autograd, optimizers, CUDA,
// torch::save all work as for any module); BatchNorm statistics, integer constants, scalar
// constants and Constant-node values are buffers. Forward runs the nodes in file order.
#include "nn/FaceNet.h"
#include "nn/OnnxModelFile.h"
#include "nn/OnnxOps.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace facelab::nn {

// The ONNX family's FaceNet (FaceNet.h): one input image, the first output is the embedding.
class OnnxGraphModuleImpl : public FaceNetImpl
{
public:
    // Throws UnsupportedOpsError (listing every missing operator type) or ModelError; nothing of
    // a refused model is usable. The module starts in eval() mode (Dropout off).
    explicit OnnxGraphModuleImpl(OnnxModelFile file);
    explicit OnnxGraphModuleImpl(const std::string &path);

    // One tensor per graph input, in file order; dim 0 is the batch. Inputs are checked against
    // the declared shapes (every dim but the batch), moved to the module's device, and the
    // outputs must keep the batch apart (see the Reshape rule in OnnxOps.cpp). Throws ModelError.
    std::vector<torch::Tensor> forwardAll(const std::vector<torch::Tensor> &inputs);
    // Single-input graphs: the first output.
    torch::Tensor forward(const torch::Tensor &input) override;

    // FaceNet: the first input's spatial size (112 when it is not fixed) and the first output's width.
    std::string family() const override { return "onnx"; }
    int inputWidth() const override;
    int inputHeight() const override;
    int embeddingDim() const override;
    // The mean and variance initializers of its BatchNormalization nodes (names vary by exporter).
    std::vector<torch::Tensor> batchNormStatistics() override;
    // parameterGroups(): the default, one per float initializer in file order (input to output).
    int batchNormLayerCount() const override { return int(m_bnSteps.size()); }
    int convolutionLayerCount() const override { return int(m_convSteps.size()); }
    // The original graph with the current weights (OnnxExport.h), atomically.
    void save(const std::string &path) const override;
    std::string fileSuffix() const override { return ".onnx"; }

    const OnnxModelFile &file() const { return m_file; }
    // Initializer names in file order, and their current (possibly fine-tuned) values.
    const std::vector<std::string> &initializerNames() const { return m_initNames; }
    torch::Tensor initializerValue(const std::string &onnxName) const;
    // Name under which an initializer is registered (named_parameters()/named_buffers()).
    std::string stateName(const std::string &onnxName) const;
    bool isParameter(const std::string &onnxName) const;

    // Stores 4-D weights and feeds 4-D inputs channels-last: 1.3-3x faster convolutions on CPU
    // (oneDNN); results are unchanged up to float rounding.
    void setChannelsLast(bool on) override;

private:
    struct Step
    {
        OnnxKernel kernel;
        std::vector<int> in;      // slot per input, -1 for an omitted optional input
        std::vector<int> out;     // slot per output, -1 for an unnamed output
        std::vector<int> release; // slots no later step reads
        std::string label;        // "node 'Conv_0' (Conv)" for error messages
    };

    void checkInputs(std::vector<torch::Tensor> &inputs, int64_t &batch) const;
    void checkOutputs(const std::vector<torch::Tensor> &outputs, int64_t batch) const;

    OnnxModelFile m_file;
    std::vector<Step> m_steps;
    std::vector<std::pair<int, torch::Tensor>> m_constants; // slot -> registered parameter/buffer
    std::vector<int> m_inputSlots;
    std::vector<int> m_outputSlots;
    int m_slotCount = 0;
    std::vector<std::string> m_initNames;
    std::map<std::string, torch::Tensor> m_initValues;
    std::map<std::string, std::string> m_stateNames;
    std::vector<torch::Tensor> m_bnStatistics;   // as registered (updated in place by training)
    std::vector<size_t> m_bnSteps; // BatchNormalization steps, input to output (for taps)
    std::vector<size_t> m_convSteps; // Conv steps, input to output (for convolution taps)
};
TORCH_MODULE(OnnxGraphModule);

} // namespace facelab::nn

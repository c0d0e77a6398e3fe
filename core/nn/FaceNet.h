#pragma once
// The one model currency: a trainable face-embedding network of some family. Every part that uses
// a model (embedding, fine-tuning, export, the Linearizer, inversion) sees this type, never a
// family's own class. Torch header: include only from torch translation units; the Qt edge holds a
// FaceModel (FaceModel.h) instead.
#include "nn/Preprocessing.h"

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace facelab::nn {

// CUDA when torch::cuda::is_available(), else the CPU.
torch::Device preferredDevice();

// How BatchNorm layers behave in train() mode. Frozen: the stored statistics are used and never
// change (right for a few hundred pairs). Batch: batch statistics, running ones updated.
// In eval() mode every family uses the stored statistics.
enum class BatchNormMode { Frozen, Batch };

// A set of parameter tensors that are frozen or trained together (one block of a ResNet, one
// ONNX initializer), ordered input to output.
struct ParameterGroup
{
    std::string name;
    std::vector<torch::Tensor> parameters;
};

// Called with the input of each BatchNorm layer during forward when a tap is set (for inversion's
// statistics prior). Layers are numbered input to output; runningMean / runningVar may be undefined
// for layers without statistics.
struct BatchNormTapEvent
{
    int layer = 0;
    const std::string &name;
    const torch::Tensor &input;        // N x C x ... as the layer sees it
    const torch::Tensor &runningMean;
    const torch::Tensor &runningVar;
};
using BatchNormTap = std::function<void(const BatchNormTapEvent &)>;

class FaceNetImpl : public torch::nn::Module
{
public:
    ~FaceNetImpl() override = default;

    // Family id as stored in the model table ("onnx", "iresnet", "mbf", "pcnn", "torchscript", ...).
    virtual std::string family() const = 0;
    // A preprocessed batch N x 3 x H x W (Preprocessing of the version) -> N x D embeddings, NOT
    // normalised (their norm is MagFace's quality). Throws ModelError for a wrong input shape.
    virtual torch::Tensor forward(const torch::Tensor &input) = 0;
    // The input size (width, height) the network takes, and its embedding width.
    virtual int inputWidth() const = 0;
    virtual int inputHeight() const = 0;
    virtual int embeddingDim() const = 0;

    // Parameter groups ordered input to output, for freezing a leading fraction. The default is
    // one group per parameter tensor in registration order.
    virtual std::vector<ParameterGroup> parameterGroups();

    // The running means and variances of its BatchNorm layers (what data-parallel training averages
    // over the processes when BatchNorm trains). The default: buffers named running_mean / running_var.
    virtual std::vector<torch::Tensor> batchNormStatistics();

    virtual void setBatchNormMode(BatchNormMode mode) { m_bnMode = mode; }
    BatchNormMode batchNormMode() const { return m_bnMode; }
    // Number of BatchNorm layers a tap sees (0: the family has none, e.g. folded into convs).
    virtual int batchNormLayerCount() const { return 0; }
    void setBatchNormTap(BatchNormTap tap) { m_tap = std::move(tap); }
    const BatchNormTap &batchNormTap() const { return m_tap; }
    // Where a network has no BatchNorm left (folded into its convolutions, as in most deployed
    // ONNX files), the outputs of its convolutions are what a statistics prior can be measured on
    // (inversion): their number, input to output, and a tap that sees each output (event.input)
    // with undefined running statistics. 0: the family offers none.
    virtual int convolutionLayerCount() const { return 0; }
    void setConvolutionTap(BatchNormTap tap) { m_convTap = std::move(tap); }
    const BatchNormTap &convolutionTap() const { return m_convTap; }

    // Stores 4-D weights and feeds 4-D inputs channels-last (faster oneDNN convolutions on CPU).
    virtual void setChannelsLast(bool on) { m_channelsLast = on; }
    bool channelsLast() const { return m_channelsLast; }

    // Writes the network in its family's own format (a .onnx for ONNX, a torch.save state_dict
    // for the native families, ...) atomically. Throws ModelError.
    virtual void save(const std::string &path) const = 0;
    // File suffix of save(): ".onnx", ".pth", ".pt".
    virtual std::string fileSuffix() const = 0;

    int64_t parameterCount() const;

protected:
    // For family implementations: calls the tap, if any, for BatchNorm layer `layer`.
    void tapBatchNorm(int layer, const std::string &name, const torch::Tensor &input, const torch::Tensor &mean,
                      const torch::Tensor &var) const
    {
        if (m_tap)
            m_tap(BatchNormTapEvent{layer, name, input, mean, var});
    }
    // For family implementations: calls the convolution tap, if any, with layer `layer`'s output.
    void tapConvolution(int layer, const std::string &name, const torch::Tensor &output) const
    {
        if (m_convTap) {
            static const torch::Tensor none;
            m_convTap(BatchNormTapEvent{layer, name, output, none, none});
        }
    }
    // The same rule for every family: batch statistics only when training in Batch mode.
    bool useBatchStatistics() const { return is_training() && m_bnMode == BatchNormMode::Batch; }

private:
    BatchNormMode m_bnMode = BatchNormMode::Frozen;
    BatchNormTap m_tap;
    BatchNormTap m_convTap;
    bool m_channelsLast = false;
};

} // namespace facelab::nn

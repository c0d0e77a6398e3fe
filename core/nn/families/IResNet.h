#pragma once
// iResNet (ArcFace-torch / MagFace) as a FaceNet, with the module names of insightface's
// arcface_torch backbones/iresnet.py, so a state_dict written by save() loads into
// `iresnet50().load_state_dict(torch.load(path))` and MagFace / ArcFace-torch checkpoints load by name.
// Also the small BatchNorm layer and native-network base shared with MobileFaceNet. Torch header.
#include "nn/FaceNet.h"

#include <torch/torch.h>

#include <array>
#include <string>
#include <vector>

namespace facelab::nn {

// BatchNorm with the state names of torch.nn.BatchNorm1d/2d (weight, bias, running_mean, running_var,
// num_batches_tracked). Whether batch statistics are used is decided by the owning network.
class NativeBatchNormImpl : public torch::nn::Module
{
public:
    NativeBatchNormImpl(int64_t channels, double eps, double momentum);
    torch::Tensor forward(const torch::Tensor &x, bool batchStatistics);

    torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
    double eps;
    double momentum;
    int layerIndex = 0;   // input-to-output number for BatchNorm taps
    std::string path;     // dotted name in the network ("layer1.0.bn2")
};
TORCH_MODULE(NativeBatchNorm);

// What the native families share: BatchNorm numbering and taps, channels-last, save().
class NativeFaceNetImpl : public FaceNetImpl
{
public:
    int batchNormLayerCount() const override { return int(m_bns.size()); }
    void setChannelsLast(bool on) override;
    void save(const std::string &path) const override;
    std::string fileSuffix() const override { return ".pth"; }

    // BatchNorm layers in forward order (for the ONNX writer and tests).
    const std::vector<NativeBatchNorm> &batchNorms() const { return m_bns; }

protected:
    // Registers `bn` as a BN layer numbered in call order; `path` is its dotted state name.
    void addBatchNorm(NativeBatchNorm bn, const std::string &path);
    // Taps and runs a BN layer with the family-wide statistics rule.
    torch::Tensor runBatchNorm(NativeBatchNormImpl &bn, const torch::Tensor &x) const;
    // Throws ModelError unless x is N x 3 x inputHeight() x inputWidth(); returns it channels-last when set.
    torch::Tensor checkedInput(const torch::Tensor &x) const;

private:
    std::vector<NativeBatchNorm> m_bns;
};

struct IResNetConfig
{
    std::array<int, 4> blocks{3, 4, 14, 3};
    int embeddingDim = 512;
    double bnEps = 1e-5;        // ArcFace-torch 1e-5, MagFace 2e-5
    double bnMomentum = 0.1;    // PyTorch convention; MagFace 0.9
    double dropout = 0.0;       // ArcFace-torch 0 (Dropout), MagFace 0.4 (Dropout2d); train() only
    bool dropout2d = false;
    bool freezeFeatureScale = true; // ArcFace-torch keeps features.weight at 1 (requires_grad False)

    // "iresnet50", or "iresnet[3,4,14,3]" for a non-standard layout.
    std::string name() const;
    // Standard depths: 18, 34, 50, 100, 200 -> block counts; false for another depth.
    static bool blocksForDepth(int depth, std::array<int, 4> &blocks);
    static IResNetConfig arcFaceTorch(int depth);
    static IResNetConfig magFace(int depth);
};

class IBasicBlockImpl : public torch::nn::Module
{
public:
    IBasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, const IResNetConfig &cfg);

    NativeBatchNorm bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::PReLU prelu{nullptr};
    std::shared_ptr<torch::nn::Module> downsample; // children "0" (conv1x1) and "1" (BN), or null
    torch::nn::Conv2d downConv{nullptr};
    NativeBatchNorm downBn{nullptr};
    int64_t stride = 1;
};
TORCH_MODULE(IBasicBlock);

class IResNetImpl : public NativeFaceNetImpl
{
public:
    explicit IResNetImpl(const IResNetConfig &config = {});

    std::string family() const override { return "iresnet"; }
    torch::Tensor forward(const torch::Tensor &input) override;
    int inputWidth() const override { return 112; }
    int inputHeight() const override { return 112; }
    int embeddingDim() const override { return m_cfg.embeddingDim; }
    std::vector<ParameterGroup> parameterGroups() override;

    const IResNetConfig &config() const { return m_cfg; }

    // The modules, for the ONNX writer.
    torch::nn::Conv2d conv1{nullptr};
    NativeBatchNorm bn1{nullptr};
    torch::nn::PReLU prelu{nullptr};
    std::array<std::vector<IBasicBlock>, 4> layers;
    NativeBatchNorm bn2{nullptr};
    torch::nn::Linear fc{nullptr};
    NativeBatchNorm features{nullptr};

private:
    IResNetConfig m_cfg;
};
TORCH_MODULE(IResNet);

} // namespace facelab::nn

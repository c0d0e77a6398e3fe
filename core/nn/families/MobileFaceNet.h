#pragma once
// MobileFaceNet ("mbf" of insightface arcface_torch backbones/mobilefacenet.py) as a FaceNet, with
// its module names: layers.0 (ConvBlock stem), layers.1 (ConvBlock or Residual), layers.2..7
// (DepthWise / Residual), conv_sep, features (GDC: layers.0 depthwise 7x7 LinearBlock, layers.2
// Linear without bias, layers.3 BatchNorm1d). BN eps 1e-5. Torch header.
#include "nn/families/IResNet.h"

#include <array>

namespace facelab::nn {

struct MobileFaceNetConfig
{
    std::array<int, 4> blocks{1, 4, 6, 2};  // mbf; mbf_large is {2, 8, 12, 4} with scale 4
    int scale = 2;
    int embeddingDim = 512;
    double bnEps = 1e-5;
    double bnMomentum = 0.1;
    std::string name() const;               // "mbf", "mbf_large" or "mbf[b0,b1,b2,b3]x<scale>"
};

// Conv2d (no bias) -> BatchNorm2d [-> PReLU]: arcface_torch's ConvBlock / LinearBlock, state names
// "layers.0.weight", "layers.1.*", "layers.2.weight".
class MbfConvUnitImpl : public torch::nn::Module
{
public:
    MbfConvUnitImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, int64_t groups, bool linear,
                    const MobileFaceNetConfig &cfg);
    torch::nn::Conv2d conv{nullptr};
    NativeBatchNorm bn{nullptr};
    torch::nn::PReLU prelu{nullptr}; // null for a LinearBlock
};
TORCH_MODULE(MbfConvUnit);

// A sequence of conv units run one after the other, with an optional residual add around it
// (a DepthWise block), or a single ConvBlock.
struct MbfBlock
{
    std::string name;                // "layers.3.2"
    std::vector<MbfConvUnit> units;
    bool residual = false;
};

class MobileFaceNetImpl : public NativeFaceNetImpl
{
public:
    explicit MobileFaceNetImpl(const MobileFaceNetConfig &config = {});

    std::string family() const override { return "mbf"; }
    torch::Tensor forward(const torch::Tensor &input) override;
    int inputWidth() const override { return 112; }
    int inputHeight() const override { return 112; }
    int embeddingDim() const override { return m_cfg.embeddingDim; }
    std::vector<ParameterGroup> parameterGroups() override;

    const MobileFaceNetConfig &config() const { return m_cfg; }

    // In forward order, for the ONNX writer: blocks (stem .. conv_sep), then the GDC.
    std::vector<MbfBlock> blocks;
    MbfConvUnit gdcConv{nullptr};      // features.layers.0
    torch::nn::Linear gdcLinear{nullptr}; // features.layers.2 (no bias)
    NativeBatchNorm gdcBn{nullptr};    // features.layers.3

private:
    MobileFaceNetConfig m_cfg;
};
TORCH_MODULE(MobileFaceNet);

} // namespace facelab::nn

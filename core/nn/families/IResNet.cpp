#include "nn/families/IResNet.h"

#include "nn/ModelError.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/families/StateDictLoad.h"

#include <sstream>

namespace facelab::nn {

// ---------------------------------------------------------------------------------------------
// NativeBatchNorm

NativeBatchNormImpl::NativeBatchNormImpl(int64_t channels, double eps_, double momentum_)
    : eps(eps_), momentum(momentum_)
{
    weight = register_parameter("weight", torch::ones({channels}));
    bias = register_parameter("bias", torch::zeros({channels}));
    running_mean = register_buffer("running_mean", torch::zeros({channels}));
    running_var = register_buffer("running_var", torch::ones({channels}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
}

torch::Tensor NativeBatchNormImpl::forward(const torch::Tensor &x, bool batchStatistics)
{
    if (batchStatistics) {
        torch::NoGradGuard noGrad;
        num_batches_tracked.add_(1);
    }
    return torch::batch_norm(x, weight, bias, running_mean, running_var, batchStatistics, momentum, eps,
                             /*cudnn_enabled=*/true);
}

// ---------------------------------------------------------------------------------------------
// NativeFaceNetImpl

void NativeFaceNetImpl::addBatchNorm(NativeBatchNorm bn, const std::string &path)
{
    bn->layerIndex = int(m_bns.size());
    bn->path = path;
    m_bns.push_back(bn);
}

torch::Tensor NativeFaceNetImpl::runBatchNorm(NativeBatchNormImpl &bn, const torch::Tensor &x) const
{
    tapBatchNorm(bn.layerIndex, bn.path, x, bn.running_mean, bn.running_var);
    return bn.forward(x, useBatchStatistics());
}

torch::Tensor NativeFaceNetImpl::checkedInput(const torch::Tensor &x) const
{
    if (x.dim() != 4 || x.size(1) != 3 || x.size(2) != inputHeight() || x.size(3) != inputWidth()) {
        std::ostringstream s;
        s << family() << " network: expected an input batch N x 3 x " << inputHeight() << " x " << inputWidth()
          << ", got " << x.sizes();
        throw ModelError(family(), s.str());
    }
    auto y = x.scalar_type() == torch::kFloat ? x : x.to(torch::kFloat);
    return channelsLast() ? y.contiguous(at::MemoryFormat::ChannelsLast) : y;
}

void NativeFaceNetImpl::setChannelsLast(bool on)
{
    FaceNetImpl::setChannelsLast(on);
    torch::NoGradGuard noGrad;
    for (auto &p : parameters()) {
        if (p.dim() == 4)
            p.set_data(p.contiguous(on ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous));
    }
}

void NativeFaceNetImpl::save(const std::string &path) const
{
    try {
        ckpt::writeTorchSave(path, namedTensorsOf(*this));
    } catch (const ModelError &) {
        throw;
    } catch (const std::exception &e) {
        throw ModelError(path, e.what());
    }
}

// ---------------------------------------------------------------------------------------------
// IResNetConfig

bool IResNetConfig::blocksForDepth(int depth, std::array<int, 4> &blocks)
{
    switch (depth) {
    case 18: blocks = {2, 2, 2, 2}; return true;
    case 34: blocks = {3, 4, 6, 3}; return true;
    case 50: blocks = {3, 4, 14, 3}; return true;
    case 100: blocks = {3, 13, 30, 3}; return true;
    case 200: blocks = {6, 26, 60, 6}; return true;
    default: return false;
    }
}

std::string IResNetConfig::name() const
{
    for (int depth : {18, 34, 50, 100, 200}) {
        std::array<int, 4> b{};
        blocksForDepth(depth, b);
        if (b == blocks)
            return "iresnet" + std::to_string(depth);
    }
    return "iresnet[" + std::to_string(blocks[0]) + "," + std::to_string(blocks[1]) + "," + std::to_string(blocks[2]) +
           "," + std::to_string(blocks[3]) + "]";
}

IResNetConfig IResNetConfig::arcFaceTorch(int depth)
{
    IResNetConfig c;
    if (!blocksForDepth(depth, c.blocks))
        throw std::invalid_argument("iResNet depth " + std::to_string(depth) + " is not one of 18, 34, 50, 100, 200");
    return c;
}

IResNetConfig IResNetConfig::magFace(int depth)
{
    IResNetConfig c = arcFaceTorch(depth);
    c.bnEps = 2e-5;
    c.bnMomentum = 0.9;
    c.dropout = 0.4;
    c.dropout2d = true;
    c.freezeFeatureScale = false;
    return c;
}

// ---------------------------------------------------------------------------------------------
// IBasicBlock

namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride)
{
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).bias(false));
}

} // namespace

IBasicBlockImpl::IBasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride_, const IResNetConfig &cfg)
    : stride(stride_)
{
    bn1 = register_module("bn1", NativeBatchNorm(inplanes, cfg.bnEps, cfg.bnMomentum));
    conv1 = register_module("conv1", conv(inplanes, planes, 3, 1));
    bn2 = register_module("bn2", NativeBatchNorm(planes, cfg.bnEps, cfg.bnMomentum));
    prelu = register_module("prelu", torch::nn::PReLU(torch::nn::PReLUOptions().num_parameters(planes)));
    conv2 = register_module("conv2", conv(planes, planes, 3, stride));
    bn3 = register_module("bn3", NativeBatchNorm(planes, cfg.bnEps, cfg.bnMomentum));
    if (stride != 1 || inplanes != planes) {
        downsample = register_module("downsample", std::make_shared<torch::nn::Module>());
        downConv = downsample->register_module("0", conv(inplanes, planes, 1, stride));
        downBn = downsample->register_module("1", NativeBatchNorm(planes, cfg.bnEps, cfg.bnMomentum));
    }
}

// ---------------------------------------------------------------------------------------------
// IResNet

IResNetImpl::IResNetImpl(const IResNetConfig &config) : m_cfg(config)
{
    const auto &c = m_cfg;
    conv1 = register_module("conv1", conv(3, 64, 3, 1));
    bn1 = register_module("bn1", NativeBatchNorm(64, c.bnEps, c.bnMomentum));
    prelu = register_module("prelu", torch::nn::PReLU(torch::nn::PReLUOptions().num_parameters(64)));
    addBatchNorm(bn1, "bn1");
    const int64_t planes[4] = {64, 128, 256, 512};
    int64_t inplanes = 64;
    for (int l = 0; l < 4; ++l) {
        const std::string lname = "layer" + std::to_string(l + 1);
        auto holder = register_module(lname, std::make_shared<torch::nn::Module>());
        for (int b = 0; b < c.blocks[size_t(l)]; ++b) {
            auto block = holder->register_module(std::to_string(b), IBasicBlock(inplanes, planes[l], b == 0 ? 2 : 1, c));
            inplanes = planes[l];
            const std::string p = lname + "." + std::to_string(b) + ".";
            addBatchNorm(block->bn1, p + "bn1");
            addBatchNorm(block->bn2, p + "bn2");
            addBatchNorm(block->bn3, p + "bn3");
            if (block->downBn)
                addBatchNorm(block->downBn, p + "downsample.1");
            layers[size_t(l)].push_back(block);
        }
    }
    bn2 = register_module("bn2", NativeBatchNorm(512, c.bnEps, c.bnMomentum));
    addBatchNorm(bn2, "bn2");
    fc = register_module("fc", torch::nn::Linear(512 * 7 * 7, c.embeddingDim));
    features = register_module("features", NativeBatchNorm(c.embeddingDim, c.bnEps, c.bnMomentum));
    addBatchNorm(features, "features");
    if (c.freezeFeatureScale)
        features->weight.set_requires_grad(false);
    eval();
}

torch::Tensor IResNetImpl::forward(const torch::Tensor &input)
{
    auto x = checkedInput(input);
    x = conv1->forward(x);
    x = runBatchNorm(*bn1, x);
    x = torch::prelu(x, prelu->weight);
    for (auto &layer : layers) {
        for (auto &block : layer) {
            auto out = runBatchNorm(*block->bn1, x);
            out = block->conv1->forward(out);
            out = runBatchNorm(*block->bn2, out);
            out = torch::prelu(out, block->prelu->weight);
            out = block->conv2->forward(out);
            out = runBatchNorm(*block->bn3, out);
            auto identity = x;
            if (block->downConv)
                identity = runBatchNorm(*block->downBn, block->downConv->forward(x));
            x = out + identity;
        }
    }
    x = runBatchNorm(*bn2, x);
    const bool drop = is_training() && m_cfg.dropout > 0;
    if (drop && m_cfg.dropout2d)
        x = torch::feature_dropout(x, m_cfg.dropout, true);
    x = x.flatten(1);
    if (drop && !m_cfg.dropout2d)
        x = torch::dropout(x, m_cfg.dropout, true);
    x = fc->forward(x);
    return runBatchNorm(*features, x);
}

std::vector<ParameterGroup> IResNetImpl::parameterGroups()
{
    std::vector<ParameterGroup> groups;
    auto add = [](ParameterGroup &g, const torch::nn::Module &m) {
        for (const auto &p : m.parameters())
            g.parameters.push_back(p);
    };
    ParameterGroup stem{"conv1+bn1+prelu", {}};
    add(stem, *conv1);
    add(stem, *bn1);
    add(stem, *prelu);
    groups.push_back(std::move(stem));
    for (size_t l = 0; l < layers.size(); ++l)
        for (size_t b = 0; b < layers[l].size(); ++b) {
            ParameterGroup g{"layer" + std::to_string(l + 1) + "." + std::to_string(b), {}};
            add(g, *layers[l][b]);
            groups.push_back(std::move(g));
        }
    ParameterGroup head{"bn2+fc+features", {}};
    add(head, *bn2);
    add(head, *fc);
    add(head, *features);
    groups.push_back(std::move(head));
    return groups;
}

} // namespace facelab::nn

#include "nn/families/MobileFaceNet.h"

namespace facelab::nn {

std::string MobileFaceNetConfig::name() const
{
    if (blocks == std::array<int, 4>{1, 4, 6, 2} && scale == 2)
        return "mbf";
    if (blocks == std::array<int, 4>{2, 8, 12, 4} && scale == 4)
        return "mbf_large";
    return "mbf[" + std::to_string(blocks[0]) + "," + std::to_string(blocks[1]) + "," + std::to_string(blocks[2]) + "," +
           std::to_string(blocks[3]) + "]x" + std::to_string(scale);
}

MbfConvUnitImpl::MbfConvUnitImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                                 int64_t groups, bool linear, const MobileFaceNetConfig &cfg)
{
    auto seq = register_module("layers", std::make_shared<torch::nn::Module>());
    conv = seq->register_module(
        "0", torch::nn::Conv2d(
                 torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).groups(groups).bias(false)));
    bn = seq->register_module("1", NativeBatchNorm(out, cfg.bnEps, cfg.bnMomentum));
    if (!linear)
        prelu = seq->register_module("2", torch::nn::PReLU(torch::nn::PReLUOptions().num_parameters(out)));
}

MobileFaceNetImpl::MobileFaceNetImpl(const MobileFaceNetConfig &config) : m_cfg(config)
{
    const auto &c = m_cfg;
    const int64_t s = c.scale;
    auto layers = register_module("layers", std::make_shared<torch::nn::Module>());

    auto convBlock = [&](torch::nn::Module &parent, const std::string &name, const std::string &path, int64_t in,
                         int64_t out, int64_t k, int64_t stride, int64_t pad, int64_t groups, bool linear) {
        auto u = parent.register_module(name, MbfConvUnit(in, out, k, stride, pad, groups, linear, c));
        addBatchNorm(u->bn, path + ".layers.1");
        return u;
    };
    // DepthWise(in, out, residual, stride, groups) registered as parent.<name>.
    auto depthWise = [&](torch::nn::Module &parent, const std::string &name, const std::string &path, int64_t in,
                         int64_t out, bool residual, int64_t stride, int64_t groups) {
        auto holder = parent.register_module(name, std::make_shared<torch::nn::Module>());
        auto seq = holder->register_module("layers", std::make_shared<torch::nn::Module>());
        const std::string p = path + ".layers.";
        MbfBlock b;
        b.name = path;
        b.residual = residual;
        b.units.push_back(convBlock(*seq, "0", p + "0", in, groups, 1, 1, 0, 1, false));
        b.units.push_back(convBlock(*seq, "1", p + "1", groups, groups, 3, stride, 1, groups, false));
        b.units.push_back(convBlock(*seq, "2", p + "2", groups, out, 1, 1, 0, 1, true));
        blocks.push_back(std::move(b));
    };
    auto residual = [&](const std::string &name, int64_t ch, int n, int64_t groups) {
        auto holder = layers->register_module(name, std::make_shared<torch::nn::Module>());
        auto seq = holder->register_module("layers", std::make_shared<torch::nn::Module>());
        for (int i = 0; i < n; ++i)
            depthWise(*seq, std::to_string(i), "layers." + name + ".layers." + std::to_string(i), ch, ch, true, 1, groups);
    };

    blocks.push_back({"layers.0", {convBlock(*layers, "0", "layers.0", 3, 64 * s, 3, 2, 1, 1, false)}, false});
    if (c.blocks[0] == 1)
        blocks.push_back({"layers.1", {convBlock(*layers, "1", "layers.1", 64 * s, 64 * s, 3, 1, 1, 64, false)}, false});
    else
        residual("1", 64 * s, c.blocks[0], 128);
    depthWise(*layers, "2", "layers.2", 64 * s, 64 * s, false, 2, 128);
    residual("3", 64 * s, c.blocks[1], 128);
    depthWise(*layers, "4", "layers.4", 64 * s, 128 * s, false, 2, 256);
    residual("5", 128 * s, c.blocks[2], 256);
    depthWise(*layers, "6", "layers.6", 128 * s, 128 * s, false, 2, 512);
    residual("7", 128 * s, c.blocks[3], 256);
    blocks.push_back({"conv_sep", {convBlock(*this, "conv_sep", "conv_sep", 128 * s, 512, 1, 1, 0, 1, false)}, false});

    auto features = register_module("features", std::make_shared<torch::nn::Module>());
    auto gdc = features->register_module("layers", std::make_shared<torch::nn::Module>());
    gdcConv = convBlock(*gdc, "0", "features.layers.0", 512, 512, 7, 1, 0, 512, true);
    gdcLinear = gdc->register_module("2", torch::nn::Linear(torch::nn::LinearOptions(512, c.embeddingDim).bias(false)));
    gdcBn = gdc->register_module("3", NativeBatchNorm(c.embeddingDim, c.bnEps, c.bnMomentum));
    addBatchNorm(gdcBn, "features.layers.3");
    eval();
}

torch::Tensor MobileFaceNetImpl::forward(const torch::Tensor &input)
{
    auto runUnit = [&](MbfConvUnitImpl &u, const torch::Tensor &x) {
        auto y = runBatchNorm(*u.bn, u.conv->forward(x));
        return u.prelu ? torch::prelu(y, u.prelu->weight) : y;
    };
    auto x = checkedInput(input);
    for (auto &b : blocks) {
        auto y = x;
        for (auto &u : b.units)
            y = runUnit(*u, y);
        x = b.residual ? x + y : y;
    }
    x = runUnit(*gdcConv, x).flatten(1);
    x = gdcLinear->forward(x);
    return runBatchNorm(*gdcBn, x);
}

std::vector<ParameterGroup> MobileFaceNetImpl::parameterGroups()
{
    std::vector<ParameterGroup> groups;
    for (auto &b : blocks) {
        ParameterGroup g{b.name, {}};
        for (auto &u : b.units)
            for (const auto &p : u->parameters())
                g.parameters.push_back(p);
        groups.push_back(std::move(g));
    }
    ParameterGroup head{"features", {}};
    for (const auto &p : gdcConv->parameters())
        head.parameters.push_back(p);
    for (const auto &p : gdcLinear->parameters())
        head.parameters.push_back(p);
    for (const auto &p : gdcBn->parameters())
        head.parameters.push_back(p);
    groups.push_back(std::move(head));
    return groups;
}

} // namespace facelab::nn

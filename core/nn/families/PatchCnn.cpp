#include "nn/families/PatchCnn.h"

#include "nn/ModelError.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/families/StateDictLoad.h"

#include <cmath>
#include <cstring>

namespace facelab::nn::pcnn {

namespace {

constexpr int kPatch = 32;
constexpr int kFeatures = 256;

std::shared_ptr<torch::nn::Module> weightHolder(torch::Tensor &weight, torch::Tensor init)
{
    auto holder = std::make_shared<torch::nn::Module>();
    weight = holder->register_parameter("weight", std::move(init));
    return holder;
}

torch::Tensor kaimingConv(int64_t out, int64_t in, int64_t k)
{
    auto w = torch::empty({out, in, k, k});
    torch::nn::init::kaiming_normal_(w, 0.0, torch::kFanOut, torch::kReLU);
    return w;
}

torch::Tensor conv(const torch::Tensor &x, const torch::Tensor &w, int64_t stride, int64_t pad)
{
    const int64_t st[2] = {stride, stride}, pd[2] = {pad, pad};
    return torch::conv2d(x, w, c10::nullopt, at::IntArrayRef(st, 2), at::IntArrayRef(pd, 2));
}

std::string sizeLabel(int size) { return "PatchCNN" + std::to_string(size); }

} // namespace

// ---------------------------------------------------------------------------------------------
BatchNormStateImpl::BatchNormStateImpl(int64_t channels, bool affine, double eps_, double momentum_)
    : eps(eps_), momentum(momentum_), m_affine(affine)
{
    if (affine) {
        weight = register_parameter("weight", torch::ones({channels}));
        bias = register_parameter("bias", torch::zeros({channels}));
    }
    running_mean = register_buffer("running_mean", torch::zeros({channels}));
    running_var = register_buffer("running_var", torch::ones({channels}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
}

torch::Tensor BatchNormStateImpl::apply(const torch::Tensor &x, bool batchStatistics)
{
    if (batchStatistics) {
        torch::NoGradGuard guard;
        num_batches_tracked.add_(1);
    }
    return torch::batch_norm(x, weight, bias, running_mean, running_var, batchStatistics, momentum, eps,
                             at::globalContext().userEnabledCuDNN());
}

// ---------------------------------------------------------------------------------------------
HerPNImpl::HerPNImpl(int64_t planes)
{
    bn0 = register_module("bn0", BatchNormState(planes, false));
    bn1 = register_module("bn1", BatchNormState(planes, false));
    bn2 = register_module("bn2", BatchNormState(planes, false));
    weight = register_parameter("weight", torch::ones({planes, 1, 1}));
    bias = register_parameter("bias", torch::zeros({planes, 1, 1}));
}

torch::Tensor HerPNImpl::forward(const torch::Tensor &x, const PatchCnnImpl &net, int &tapIndex, const std::string &name)
{
    const bool batch = net.batchStats();
    torch::Tensor x0;
    if (batch) {
        x0 = bn0->apply(torch::ones_like(x), true); // zero, but the running statistics move as in PyTorch
    } else {
        // bn0(ones) in eval mode is one constant per channel.
        x0 = ((1 - bn0->running_mean) / torch::sqrt(bn0->running_var + bn0->eps)).view({1, -1, 1, 1});
    }
    if (net.tapping())
        net.tap(tapIndex, name + ".bn1", x, *bn1);
    ++tapIndex;
    auto x1 = bn1->apply(x, batch);
    auto sq = (torch::square(x) - 1) / std::sqrt(2.0);
    if (net.tapping())
        net.tap(tapIndex, name + ".bn2", sq, *bn2);
    ++tapIndex;
    auto x2 = bn2->apply(sq, batch);
    auto out = x0 / std::sqrt(2 * M_PI) + x1 / 2 + x2 / std::sqrt(4 * M_PI);
    return weight * out + bias;
}

void HerPNImpl::polynomial(torch::Tensor &w2, torch::Tensor &w1, torch::Tensor &w0) const
{
    torch::NoGradGuard guard;
    auto d = [](const torch::Tensor &t) { return t.detach().to(torch::kCPU, torch::kDouble).flatten(); };
    auto m0 = d(bn0->running_mean), v0 = d(bn0->running_var);
    auto m1 = d(bn1->running_mean), v1 = d(bn1->running_var);
    auto m2 = d(bn2->running_mean), v2 = d(bn2->running_var);
    auto g = d(weight), b = d(bias);
    const double e = bn0->eps;
    w2 = g / torch::sqrt(8 * M_PI * (v2 + e));
    w1 = g / (2 * torch::sqrt(v1 + e));
    w0 = b + g * ((1 - m0) / torch::sqrt(2 * M_PI * (v0 + e)) - m1 / (2 * torch::sqrt(v1 + e)) -
                  (1 + std::sqrt(2.0) * m2) / torch::sqrt(8 * M_PI * (v2 + e)));
}

// ---------------------------------------------------------------------------------------------
HerPNConvImpl::HerPNConvImpl(int64_t in, int64_t out, int64_t stride_) : stride(stride_)
{
    herpn1 = register_module("herpn1", HerPN(in));
    register_module("conv1", weightHolder(conv1, kaimingConv(out, in, 3)));
    herpn2 = register_module("herpn2", HerPN(out));
    register_module("conv2", weightHolder(conv2, kaimingConv(out, out, 3)));
    if (stride != 1 || in != out) {
        auto shortcut = std::make_shared<torch::nn::Module>();
        shortcut->register_module("0", weightHolder(shortcutConv, kaimingConv(out, in, 1)));
        shortcutBn = shortcut->register_module("1", BatchNormState(out, true));
        register_module("shortcut", shortcut);
    }
}

torch::Tensor HerPNConvImpl::forward(const torch::Tensor &input, const PatchCnnImpl &net, int &tapIndex,
                                     const std::string &name)
{
    auto x = herpn1->forward(input, net, tapIndex, name + ".herpn1");
    auto out = conv(x, conv1, stride, 1);
    out = herpn2->forward(out, net, tapIndex, name + ".herpn2");
    out = conv(out, conv2, 1, 1);
    if (shortcutConv.defined()) {
        auto s = conv(x, shortcutConv, stride, 0);
        if (net.tapping())
            net.tap(tapIndex, name + ".shortcut.1", s, *shortcutBn);
        ++tapIndex;
        return out + shortcutBn->apply(s, net.batchStats());
    }
    return out + x;
}

// ---------------------------------------------------------------------------------------------
PatchBackboneImpl::PatchBackboneImpl()
{
    register_module("conv", weightHolder(conv, kaimingConv(16, 3, 3)));
    auto seq = std::make_shared<torch::nn::Module>();
    const int64_t spec[5][3] = {{16, 16, 1}, {16, 32, 2}, {32, 32, 1}, {32, 64, 2}, {64, 64, 1}};
    for (int i = 0; i < 5; ++i)
        layers.push_back(seq->register_module(std::to_string(i), HerPNConv(spec[i][0], spec[i][1], spec[i][2])));
    register_module("layers", seq);
    auto pool = std::make_shared<torch::nn::Module>();
    poolHerpn = pool->register_module("herpn", HerPN(64));
    register_module("herpnpool", pool);
    bn = register_module("bn", BatchNormState(kFeatures, true));
}

torch::Tensor PatchBackboneImpl::forward(const torch::Tensor &x, const PatchCnnImpl &net, int &tapIndex,
                                         const std::string &name)
{
    auto out = pcnn::conv(x, conv, 1, 1);
    for (size_t i = 0; i < layers.size(); ++i)
        out = layers[i]->forward(out, net, tapIndex, name + ".layers." + std::to_string(i));
    out = poolHerpn->forward(out, net, tapIndex, name + ".herpnpool.herpn");
    out = torch::adaptive_avg_pool2d(out, {2, 2});
    out = out.flatten(1); // channel * 4 + i * 2 + j
    if (net.tapping())
        net.tap(tapIndex, name + ".bn", out, *bn);
    ++tapIndex;
    return bn->apply(out, net.batchStats());
}

// ---------------------------------------------------------------------------------------------
PatchCnnImpl::PatchCnnImpl(int inputSize) : m_size(inputSize), m_grid(inputSize / kPatch)
{
    if (inputSize != 64 && inputSize != 96 && inputSize != 128)
        throw ModelError(sizeLabel(inputSize), "PatchCNN input size must be 64, 96 or 128, not " +
                                                   std::to_string(inputSize));
    auto list = std::make_shared<torch::nn::Module>();
    for (int i = 0; i < patchCount(); ++i)
        nets.push_back(list->register_module(std::to_string(i), PatchBackbone()));
    register_module("nets", list);
    auto linear = std::make_shared<torch::nn::Module>();
    const int64_t in = int64_t(patchCount()) * kFeatures;
    auto w = torch::empty({kFeatures, in});
    torch::nn::init::kaiming_normal_(w, 0.0, torch::kFanOut, torch::kReLU);
    linearWeight = linear->register_parameter("weight", w);
    linearBias = linear->register_parameter("bias", torch::zeros({kFeatures}));
    register_module("linear", linear);
    headBn = register_module("bn", BatchNormState(kFeatures, false));
}

torch::Tensor PatchCnnImpl::resizeInput(const torch::Tensor &input) const
{
    const auto label = sizeLabel(m_size);
    if (input.dim() != 4 || input.size(1) != 3)
        throw ModelError(label, "expects a B x 3 x H x W batch, got " + c10::str(input.sizes()));
    const auto h = input.size(2), w = input.size(3);
    if (h == m_size && w == m_size)
        return input;
    if (h != 112 || w != 112)
        throw ModelError(label, "expects 112x112 faces (resized to " + std::to_string(m_size) + " inside) or " +
                                    std::to_string(m_size) + "x" + std::to_string(m_size) + ", got " +
                                    std::to_string(h) + "x" + std::to_string(w));
    namespace F = torch::nn::functional;
    return F::interpolate(input, F::InterpolateFuncOptions()
                                     .size(std::vector<int64_t>{m_size, m_size})
                                     .mode(torch::kBilinear)
                                     .align_corners(false)
                                     .antialias(true));
}

torch::Tensor PatchCnnImpl::patchFeatures(const torch::Tensor &input)
{
    auto x = resizeInput(input);
    const auto b = x.size(0);
    const int g = m_grid, n = patchCount();
    // B x 3 x (g*32) x (g*32) -> N x B x 3 x 32 x 32, patch index = row * g + col.
    x = x.reshape({b, 3, g, kPatch, g, kPatch}).permute({2, 4, 0, 1, 3, 5}).reshape({n, b, 3, kPatch, kPatch});
    std::vector<torch::Tensor> features;
    features.reserve(n);
    for (int i = 0; i < n; ++i) {
        auto patch = x[i];
        patch = channelsLast() ? patch.contiguous(at::MemoryFormat::ChannelsLast) : patch.contiguous();
        int tapIndex = i * kTapsPerBackbone;
        features.push_back(nets[i]->forward(patch, *this, tapIndex, "nets." + std::to_string(i)));
    }
    return torch::stack(features, 1);
}

torch::Tensor PatchCnnImpl::forward(const torch::Tensor &input)
{
    auto f = patchFeatures(input); // B x N x 256
    if (m_fusedWeights.defined() && !is_training()) {
        torch::Tensor out;
        for (int i = 0; i < patchCount(); ++i) {
            auto part = torch::addmm(m_fusedBias, f.select(1, i), m_fusedWeights[i].t());
            out = out.defined() ? out + part : part;
        }
        return out;
    }
    auto y = torch::addmm(linearBias, f.reshape({f.size(0), -1}), linearWeight.t());
    if (tapping())
        tap(patchCount() * kTapsPerBackbone, "bn", y, *headBn);
    return headBn->apply(y, useBatchStatistics());
}

std::vector<ParameterGroup> PatchCnnImpl::parameterGroups()
{
    // By depth across the patches: conv, layers.0..4, herpnpool, bn, then the head.
    std::vector<ParameterGroup> groups;
    auto stage = [&](const std::string &name, const std::function<std::vector<torch::Tensor>(PatchBackboneImpl &)> &of) {
        ParameterGroup g{name, {}};
        for (auto &net : nets)
            for (auto &t : of(*net))
                g.parameters.push_back(t);
        groups.push_back(std::move(g));
    };
    stage("nets.*.conv", [](PatchBackboneImpl &b) { return std::vector<torch::Tensor>{b.conv}; });
    for (int i = 0; i < 5; ++i)
        stage("nets.*.layers." + std::to_string(i), [i](PatchBackboneImpl &b) { return b.layers[i]->parameters(); });
    stage("nets.*.herpnpool", [](PatchBackboneImpl &b) { return b.poolHerpn->parameters(); });
    stage("nets.*.bn", [](PatchBackboneImpl &b) { return b.bn->parameters(); });
    groups.push_back({"linear", {linearWeight, linearBias}});
    return groups;
}

int PatchCnnImpl::batchNormLayerCount() const { return patchCount() * kTapsPerBackbone + 1; }

void PatchCnnImpl::setChannelsLast(bool on)
{
    FaceNetImpl::setChannelsLast(on);
    torch::NoGradGuard guard;
    for (auto &p : parameters())
        if (p.dim() == 4)
            p.set_data(on ? p.contiguous(at::MemoryFormat::ChannelsLast) : p.contiguous());
}

void PatchCnnImpl::setFusedHead(torch::Tensor weights, torch::Tensor bias)
{
    m_fusedWeights = std::move(weights);
    m_fusedBias = std::move(bias);
}

void PatchCnnImpl::clearFusedHead()
{
    m_fusedWeights = torch::Tensor();
    m_fusedBias = torch::Tensor();
}

void PatchCnnImpl::save(const std::string &path) const
{
    auto tensors = namedTensorsOf(*this);
    for (const auto &[name, t] : extraState) {
        auto c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
        ckpt::NamedTensor nt;
        nt.name = name;
        nt.dtype = ckpt::DType::Float32;
        nt.shape = c.sizes().vec();
        nt.bytes.resize(size_t(c.numel()) * 4);
        std::memcpy(nt.bytes.data(), c.data_ptr<float>(), nt.bytes.size());
        tensors.push_back(std::move(nt));
    }
    ckpt::writeTorchSave(path, tensors, "backbone");
}

} // namespace facelab::nn::pcnn

#include "nn/families/PatchCnnFuse.h"

#include "nn/checkpoint/TorchCheckpoint.h"

#include <cstring>

namespace facelab::nn::pcnn {

namespace {

ckpt::NamedTensor named(const std::string &name, const torch::Tensor &t, bool dbl)
{
    auto c = t.detach().to(torch::kCPU, dbl ? torch::kDouble : torch::kFloat).contiguous();
    ckpt::NamedTensor nt;
    nt.name = name;
    nt.dtype = dbl ? ckpt::DType::Float64 : ckpt::DType::Float32;
    nt.shape = c.sizes().vec();
    nt.bytes.resize(size_t(c.numel()) * size_t(c.element_size()));
    std::memcpy(nt.bytes.data(), c.data_ptr(), nt.bytes.size());
    return nt;
}

} // namespace

FusedHead computeFusedHead(const PatchCnnImpl &net)
{
    torch::NoGradGuard guard;
    auto d = [](const torch::Tensor &t) { return t.detach().to(torch::kCPU, torch::kDouble); };
    const auto w = d(net.linearWeight);           // 256 x N*256
    const auto b = d(net.linearBias);             // 256
    const auto mean = d(net.headBn->running_mean);
    const auto var = d(net.headBn->running_var);
    const auto scale = 1.0 / torch::sqrt(var + net.headBn->eps);
    // Fold first ...
    const auto wf = w * scale.unsqueeze(1);
    const auto bf = (b - mean) * scale;
    // ... then split into N column blocks.
    const int n = net.patchCount();
    FusedHead head;
    head.weights = torch::stack(torch::chunk(wf, n, 1), 0).contiguous(); // N x 256 x 256
    head.bias = bf / double(n);
    return head;
}

void fuse(PatchCnnImpl &net)
{
    auto head = computeFusedHead(net);
    const auto device = net.linearWeight.device();
    const auto dtype = net.linearWeight.scalar_type(); // float32 normally; double for exactness checks
    net.setFusedHead(head.weights.to(device, dtype), head.bias.to(device, dtype));
}

double fusedMaxAbsDiff(PatchCnnImpl &net, const torch::Tensor &batch)
{
    torch::NoGradGuard guard;
    const bool wasTraining = net.is_training();
    const auto oldW = net.fusedWeights(), oldB = net.fusedBias();
    net.eval();
    net.clearFusedHead();
    const auto input = batch.to(net.linearWeight.device(), net.linearWeight.scalar_type());
    const auto unfused = net.forward(input);
    fuse(net);
    const auto fusedOut = net.forward(input);
    if (oldW.defined())
        net.setFusedHead(oldW, oldB);
    else
        net.clearFusedHead();
    net.train(wasTraining);
    return (fusedOut - unfused).abs().max().item<double>();
}

void writeFusedPatchWeights(const PatchCnnImpl &net, const std::string &path)
{
    const auto head = computeFusedHead(net);
    std::vector<ckpt::NamedTensor> out;
    for (int k = 0; k < net.patchCount(); ++k) {
        out.push_back(named("patch." + std::to_string(k) + ".weight", head.weights[k], false));
        out.push_back(named("patch." + std::to_string(k) + ".bias", head.bias, false));
    }
    out.push_back(named("fused.weight", head.weights, true));
    out.push_back(named("fused.bias", head.bias, true));
    auto poly = [&](const std::string &name, const HerPNImpl &h) {
        torch::Tensor w2, w1, w0;
        h.polynomial(w2, w1, w0);
        out.push_back(named(name + ".w2", w2, true));
        out.push_back(named(name + ".w1", w1, true));
        out.push_back(named(name + ".w0", w0, true));
    };
    for (int k = 0; k < net.patchCount(); ++k) {
        const auto &b = *net.nets[size_t(k)];
        const std::string base = "nets." + std::to_string(k);
        for (size_t j = 0; j < b.layers.size(); ++j) {
            poly(base + ".layers." + std::to_string(j) + ".herpn1", *b.layers[j]->herpn1);
            poly(base + ".layers." + std::to_string(j) + ".herpn2", *b.layers[j]->herpn2);
        }
        poly(base + ".herpnpool.herpn", *b.poolHerpn);
    }
    ckpt::writeTorchSave(path, out);
}

} // namespace facelab::nn::pcnn

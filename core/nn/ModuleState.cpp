#include "nn/ModuleState.h"

#include <cstring>
#include <stdexcept>

namespace facelab::nn {

namespace {

ckpt::DType ckptType(torch::ScalarType t)
{
    switch (t) {
    case torch::kFloat32: return ckpt::DType::Float32;
    case torch::kFloat64: return ckpt::DType::Float64;
    case torch::kFloat16: return ckpt::DType::Float16;
    case torch::kBFloat16: return ckpt::DType::BFloat16;
    case torch::kInt64: return ckpt::DType::Int64;
    case torch::kInt32: return ckpt::DType::Int32;
    case torch::kInt16: return ckpt::DType::Int16;
    case torch::kInt8: return ckpt::DType::Int8;
    case torch::kUInt8: return ckpt::DType::UInt8;
    case torch::kBool: return ckpt::DType::Bool;
    default: break;
    }
    throw std::invalid_argument(std::string("no torch.save dtype for ") + c10::toString(t));
}

void collectState(const torch::nn::Module &m, const std::string &prefix, std::vector<std::pair<std::string, torch::Tensor>> &out)
{
    for (const auto &p : m.named_parameters(/*recurse=*/false))
        out.emplace_back(prefix + p.key(), p.value());
    for (const auto &b : m.named_buffers(/*recurse=*/false))
        out.emplace_back(prefix + b.key(), b.value());
    for (const auto &child : m.named_children())
        collectState(*child.value(), prefix + child.key() + ".", out);
}

} // namespace

std::vector<std::pair<std::string, torch::Tensor>> moduleState(const torch::nn::Module &net)
{
    std::vector<std::pair<std::string, torch::Tensor>> state;
    collectState(net, "", state);
    return state;
}

std::vector<ckpt::NamedTensor> namedTensorsOf(const torch::nn::Module &net)
{
    const auto state = moduleState(net);
    std::vector<ckpt::NamedTensor> out;
    out.reserve(state.size());
    for (const auto &[name, t] : state) {
        ckpt::NamedTensor nt;
        nt.name = name;
        const auto v = t.detach().to(torch::kCPU).contiguous();
        nt.dtype = ckptType(v.scalar_type());
        nt.shape = v.sizes().vec();
        const size_t n = size_t(v.numel()) * size_t(v.element_size());
        nt.bytes.resize(n);
        if (n)
            std::memcpy(nt.bytes.data(), v.data_ptr(), n);
        out.push_back(std::move(nt));
    }
    return out;
}

} // namespace facelab::nn

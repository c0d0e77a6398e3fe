#include "nn/FaceNet.h"

#include "nn/FaceModel.h"
#include "nn/ModelError.h"

namespace facelab::nn {

torch::Device preferredDevice() { return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU); }

std::vector<torch::Tensor> FaceNetImpl::batchNormStatistics()
{
    std::vector<torch::Tensor> stats;
    for (const auto &b : named_buffers())
        if (b.key().find("running_mean") != std::string::npos || b.key().find("running_var") != std::string::npos)
            stats.push_back(b.value());
    return stats;
}

std::vector<ParameterGroup> FaceNetImpl::parameterGroups()
{
    std::vector<ParameterGroup> groups;
    for (const auto &p : named_parameters(true))
        groups.push_back({p.key(), {p.value()}});
    return groups;
}

int64_t FaceNetImpl::parameterCount() const
{
    int64_t n = 0;
    for (const auto &p : parameters())
        n += p.numel();
    return n;
}

FaceModel::FaceModel(std::shared_ptr<FaceNetImpl> net, Preprocessing spec, std::string path)
    : m_net(std::move(net)), m_spec(spec), m_path(std::move(path))
{
}

std::string FaceModel::family() const { return m_net ? m_net->family() : std::string(); }
int FaceModel::embeddingDim() const { return m_net ? m_net->embeddingDim() : 0; }
long long FaceModel::parameterCount() const { return m_net ? m_net->parameterCount() : 0; }
std::string FaceModel::fileSuffix() const { return m_net ? m_net->fileSuffix() : std::string(); }

void FaceModel::save(const std::string &path) const
{
    if (!m_net)
        throw ModelError(path, "no model to save");
    m_net->save(path);
}

} // namespace facelab::nn

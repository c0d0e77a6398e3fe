#include "linearizer/AffineCoupling.h"

#include <stdexcept>
#include <string>

namespace facelab::linearizer {

CouplingMlpImpl::CouplingMlpImpl(int64_t in, int64_t out, int64_t hidden, int layers)
{
    if (layers < 1 || hidden < 1)
        throw std::invalid_argument("CouplingMlp: needs at least one layer and a positive hidden width");
    m_layers = register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < layers; ++i) {
        const int64_t a = i == 0 ? in : hidden;
        const int64_t b = i == layers - 1 ? out : hidden;
        m_layers->push_back(torch::nn::Linear(a, b));
    }
    torch::NoGradGuard noGrad;
    auto last = m_layers->ptr<torch::nn::LinearImpl>(m_layers->size() - 1);
    last->weight.zero_();
    last->bias.zero_();
}

torch::Tensor CouplingMlpImpl::forward(torch::Tensor x)
{
    const auto n = m_layers->size();
    for (size_t i = 0; i < n; ++i) {
        x = m_layers->ptr<torch::nn::LinearImpl>(i)->forward(x);
        if (i + 1 < n)
            x = torch::relu(x);
    }
    return x;
}

AffineCouplingImpl::AffineCouplingImpl(int64_t features, int64_t hidden, int layers, double scaleClamp)
    : m_features(features), m_first(features / 2), m_clamp(scaleClamp)
{
    if (features < 2)
        throw std::invalid_argument("AffineCoupling: needs at least 2 features, got " + std::to_string(features));
    const int64_t second = features - m_first;
    s1 = register_module("s1", CouplingMlp(second, m_first, hidden, layers));
    t1 = register_module("t1", CouplingMlp(second, m_first, hidden, layers));
    s2 = register_module("s2", CouplingMlp(m_first, second, hidden, layers));
    t2 = register_module("t2", CouplingMlp(m_first, second, hidden, layers));
}

torch::Tensor AffineCouplingImpl::clampScale(const torch::Tensor &s) const { return torch::clamp(s, -m_clamp, m_clamp); }

std::pair<torch::Tensor, torch::Tensor> AffineCouplingImpl::forwardWithLogDet(const torch::Tensor &x)
{
    if (x.dim() != 2 || x.size(1) != m_features)
        throw std::invalid_argument("AffineCoupling: expected N x " + std::to_string(m_features) + ", got " +
                                    c10::str(x.sizes()));
    const auto x1 = x.narrow(1, 0, m_first);
    const auto x2 = x.narrow(1, m_first, m_features - m_first);
    const auto sa = clampScale(s1->forward(x2));
    const auto y1 = (x1 + t1->forward(x2)) * torch::exp(sa);
    const auto sb = clampScale(s2->forward(y1));
    const auto y2 = (x2 + t2->forward(y1)) * torch::exp(sb);
    return {torch::cat({y1, y2}, 1), sa.sum(1) + sb.sum(1)};
}

torch::Tensor AffineCouplingImpl::inverse(const torch::Tensor &y)
{
    if (y.dim() != 2 || y.size(1) != m_features)
        throw std::invalid_argument("AffineCoupling::inverse: expected N x " + std::to_string(m_features) + ", got " +
                                    c10::str(y.sizes()));
    const auto y1 = y.narrow(1, 0, m_first);
    const auto y2 = y.narrow(1, m_first, m_features - m_first);
    const auto x2 = y2 * torch::exp(-clampScale(s2->forward(y1))) - t2->forward(y1);
    const auto x1 = y1 * torch::exp(-clampScale(s1->forward(x2))) - t1->forward(x2);
    return torch::cat({x1, x2}, 1);
}

} // namespace facelab::linearizer

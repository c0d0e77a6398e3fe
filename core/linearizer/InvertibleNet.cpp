#include "linearizer/InvertibleNet.h"

#include <stdexcept>
#include <string>

namespace facelab::linearizer {

InvertibleBlockImpl::InvertibleBlockImpl(int64_t features, int64_t hidden, int couplingLayers, double scaleClamp,
                                         std::uint64_t seed)
{
    actNorm = register_module("act_norm", ActNorm(features));
    coupling = register_module("coupling", AffineCoupling(features, hidden, couplingLayers, scaleClamp));
    mixing = register_module("mixing", InvertibleLinear(features, seed));
}

torch::Tensor InvertibleBlockImpl::forward(const torch::Tensor &x)
{
    return mixing->forward(coupling->forward(actNorm->forward(x)));
}

std::pair<torch::Tensor, torch::Tensor> InvertibleBlockImpl::forwardWithLogDet(const torch::Tensor &x)
{
    auto h = actNorm->forward(x);
    auto logDet = actNorm->logDet(x);
    auto [c, cl] = coupling->forwardWithLogDet(h);
    auto y = mixing->forward(c);
    return {y, logDet + cl + mixing->logAbsDet()};
}

torch::Tensor InvertibleBlockImpl::inverse(const torch::Tensor &y)
{
    return actNorm->inverse(coupling->inverse(mixing->inverse(y)));
}

InvertibleNetImpl::InvertibleNetImpl(const InvertibleNetOptions &options) : m_options(options)
{
    if (options.blocks < 0)
        throw std::invalid_argument("InvertibleNet: negative block count");
    m_blocks = register_module("blocks", torch::nn::ModuleList());
    for (int i = 0; i < options.blocks; ++i)
        m_blocks->push_back(InvertibleBlock(options.features, options.hidden, options.couplingLayers,
                                            options.scaleClamp, options.seed * 1000003ULL + std::uint64_t(i) + 1));
}

InvertibleBlock InvertibleNetImpl::block(int i) const
{
    if (i < 0 || i >= blockCount())
        throw std::out_of_range("InvertibleNet::block: index " + std::to_string(i) + " of " +
                                std::to_string(blockCount()));
    return InvertibleBlock(m_blocks->ptr<InvertibleBlockImpl>(static_cast<size_t>(i)));
}

torch::Tensor InvertibleNetImpl::forward(const torch::Tensor &x)
{
    auto h = x;
    for (int i = 0; i < blockCount(); ++i)
        h = block(i)->forward(h);
    return h;
}

std::pair<torch::Tensor, torch::Tensor> InvertibleNetImpl::forwardWithLogDet(const torch::Tensor &x)
{
    auto h = x;
    auto logDet = torch::zeros({x.size(0)}, x.options());
    for (int i = 0; i < blockCount(); ++i) {
        auto [y, l] = block(i)->forwardWithLogDet(h);
        h = y;
        logDet = logDet + l;
    }
    return {h, logDet};
}

torch::Tensor InvertibleNetImpl::inverse(const torch::Tensor &y)
{
    auto h = y;
    for (int i = blockCount() - 1; i >= 0; --i)
        h = block(i)->inverse(h);
    return h;
}

} // namespace facelab::linearizer

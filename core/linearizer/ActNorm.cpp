#include "linearizer/ActNorm.h"

#include <stdexcept>
#include <string>

namespace facelab::linearizer {

namespace {
void checkShape(const torch::Tensor &x, int64_t features, const char *what)
{
    if (x.dim() != 2 || x.size(1) != features)
        throw std::invalid_argument(std::string("ActNorm::") + what + ": expected N x " + std::to_string(features) +
                                    ", got " + c10::str(x.sizes()));
}
} // namespace

ActNormImpl::ActNormImpl(int64_t features) : m_features(features)
{
    logScale = register_parameter("log_scale", torch::zeros({features}));
    bias = register_parameter("bias", torch::zeros({features}));
    initialised = register_buffer("initialised", torch::zeros({}, torch::kUInt8));
}

bool ActNormImpl::isInitialised() const { return initialised.item<uint8_t>() != 0; }

void ActNormImpl::initialiseFrom(const torch::Tensor &x)
{
    checkShape(x, m_features, "initialiseFrom");
    if (x.size(0) < 2)
        throw std::invalid_argument("ActNorm::initialiseFrom: needs at least 2 samples");
    torch::NoGradGuard noGrad;
    const auto xd = x.detach().to(bias.dtype());
    const auto mean = xd.mean(0);
    const auto std = xd.std(0, /*unbiased=*/false);
    bias.copy_(-mean);
    logScale.copy_(-torch::log(std + 1e-6));
    initialised.fill_(1);
}

torch::Tensor ActNormImpl::forward(const torch::Tensor &x)
{
    checkShape(x, m_features, "forward");
    if (is_training() && x.size(0) >= 2 && !isInitialised())
        initialiseFrom(x);
    return (x + bias) * torch::exp(logScale);
}

torch::Tensor ActNormImpl::inverse(const torch::Tensor &y) const
{
    checkShape(y, m_features, "inverse");
    return y * torch::exp(-logScale) - bias;
}

torch::Tensor ActNormImpl::logDet(const torch::Tensor &x) const { return logScale.sum().expand({x.size(0)}); }

} // namespace facelab::linearizer

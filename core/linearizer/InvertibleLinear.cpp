#include "linearizer/InvertibleLinear.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>
#include <string>

namespace facelab::linearizer {

torch::Tensor seededOrthogonal(int64_t features, std::uint64_t seed)
{
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto a = torch::randn({features, features}, gen, torch::TensorOptions().dtype(torch::kDouble));
    auto [q, r] = torch::linalg_qr(a);
    // Q is unique only up to column signs; fix them so the same seed gives the same matrix.
    q = q * torch::sign(r.diagonal()).unsqueeze(0);
    return q.to(torch::kFloat);
}

InvertibleLinearImpl::InvertibleLinearImpl(int64_t features, std::uint64_t seed)
{
    if (features < 1)
        throw std::invalid_argument("InvertibleLinear: needs at least one feature");
    weight = register_parameter("weight", seededOrthogonal(features, seed));
}

torch::Tensor InvertibleLinearImpl::forward(const torch::Tensor &x)
{
    if (x.dim() != 2 || x.size(1) != weight.size(0))
        throw std::invalid_argument("InvertibleLinear: expected N x " + std::to_string(weight.size(0)) + ", got " +
                                    c10::str(x.sizes()));
    return torch::matmul(x, weight.t());
}

torch::Tensor InvertibleLinearImpl::inverse(const torch::Tensor &y) const
{
    if (y.dim() != 2 || y.size(1) != weight.size(0))
        throw std::invalid_argument("InvertibleLinear::inverse: expected N x " + std::to_string(weight.size(0)) +
                                    ", got " + c10::str(y.sizes()));
    // y^T = W x^T  =>  x^T = W^-1 y^T. Solved in double: float32 LU loses ~cond(W) * 1e-7, which
    // the couplings of later blocks amplify; at D = 512 the double solve costs next to nothing.
    const auto wide = y.scalar_type() == torch::kFloat ? torch::kDouble : y.scalar_type();
    return torch::linalg_solve(weight.to(wide), y.t().to(wide)).t().to(y.scalar_type());
}

torch::Tensor InvertibleLinearImpl::logAbsDet() const { return std::get<1>(torch::linalg_slogdet(weight)); }

} // namespace facelab::linearizer

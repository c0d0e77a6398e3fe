#include "linearizer/LinearOperator.h"

#include "linearizer/InvertibleLinear.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace facelab::linearizer {

LinearOperatorImpl::LinearOperatorImpl(int64_t inFeatures, int64_t outFeatures, int64_t rank, std::uint64_t seed)
    : m_in(inFeatures), m_out(outFeatures), m_rank(rank)
{
    if (inFeatures < 1 || outFeatures < 1)
        throw std::invalid_argument("LinearOperator: non-positive size");
    if (rank < 0 || rank > std::min(inFeatures, outFeatures))
        throw std::invalid_argument("LinearOperator: rank " + std::to_string(rank) + " outside 0.." +
                                    std::to_string(std::min(inFeatures, outFeatures)));
    if (rank == 0) {
        weight = register_parameter("weight", torch::eye(outFeatures, inFeatures));
    } else {
        // Same orthonormal directions on both sides where the sizes allow: A = Q_r Q_r^T.
        const auto qIn = seededOrthogonal(inFeatures, seed).narrow(1, 0, rank);
        const auto qOut = outFeatures == inFeatures ? qIn : seededOrthogonal(outFeatures, seed).narrow(1, 0, rank);
        u = register_parameter("u", qOut.clone());
        v = register_parameter("v", qIn.clone());
    }
}

torch::Tensor LinearOperatorImpl::forward(const torch::Tensor &z)
{
    if (z.dim() != 2 || z.size(1) != m_in)
        throw std::invalid_argument("LinearOperator: expected N x " + std::to_string(m_in) + ", got " +
                                    c10::str(z.sizes()));
    if (m_rank == 0)
        return torch::matmul(z, weight.t());
    return torch::matmul(torch::matmul(z, v), u.t());
}

torch::Tensor LinearOperatorImpl::matrix() const
{
    return m_rank == 0 ? weight : torch::matmul(u, v.t());
}

void LinearOperatorImpl::setMatrix(const torch::Tensor &m)
{
    if (m.dim() != 2 || m.size(0) != m_out || m.size(1) != m_in)
        throw std::invalid_argument("LinearOperator::setMatrix: expected " + std::to_string(m_out) + " x " +
                                    std::to_string(m_in) + ", got " + c10::str(m.sizes()));
    torch::NoGradGuard noGrad;
    if (m_rank == 0) {
        weight.copy_(m);
        return;
    }
    auto [uu, s, vh] = torch::linalg_svd(m.to(torch::kDouble), /*full_matrices=*/false);
    const auto root = s.narrow(0, 0, m_rank).sqrt();
    u.copy_(uu.narrow(1, 0, m_rank) * root.unsqueeze(0));
    v.copy_(vh.narrow(0, 0, m_rank).t() * root.unsqueeze(0));
}

void LinearOperatorImpl::setFactors(const torch::Tensor &newU, const torch::Tensor &newV)
{
    if (m_rank == 0)
        throw std::logic_error("LinearOperator::setFactors: the operator is full rank");
    if (!newU.sizes().equals(u.sizes()) || !newV.sizes().equals(v.sizes()))
        throw std::invalid_argument("LinearOperator::setFactors: expected U " + c10::str(u.sizes()) + " and V " +
                                    c10::str(v.sizes()));
    torch::NoGradGuard noGrad;
    u.copy_(newU);
    v.copy_(newV);
}

} // namespace facelab::linearizer

#pragma once
// The linear core A of the Linearizer, mapping g_x's latent (L) to g_y's space (D): a full D x L
// matrix, or a rank-r factorisation U V^T (U: D x r, V: L x r) that caps the rank by
// construction, costs r (D + L) parameters, and makes the low-rank projections of the paper free.
// A full A starts as the identity (f then starts as g_y^-1 g_x); a low-rank one as the projection
// onto r seeded orthonormal directions.
#include <torch/torch.h>

#include <cstdint>

namespace facelab::linearizer {

class LinearOperatorImpl : public torch::nn::Module
{
public:
    // rank 0: full. Otherwise 1 <= rank <= min(outFeatures, inFeatures).
    LinearOperatorImpl(int64_t inFeatures, int64_t outFeatures, int64_t rank = 0, std::uint64_t seed = 0);

    // N x L -> N x D: z A^T.
    torch::Tensor forward(const torch::Tensor &z);
    // A materialised, D x L.
    torch::Tensor matrix() const;
    // Replaces A (D x L). For a low-rank operator the best rank-r approximation (truncated SVD,
    // split as U sqrt(S), V sqrt(S)) is stored, i.e. M itself when rank(M) <= r.
    void setMatrix(const torch::Tensor &m);
    // Low-rank only: sets the factors directly (U: D x r, V: L x r).
    void setFactors(const torch::Tensor &u, const torch::Tensor &v);

    bool isLowRank() const { return m_rank > 0; }
    int64_t rank() const { return m_rank; } // 0 = full
    int64_t inFeatures() const { return m_in; }
    int64_t outFeatures() const { return m_out; }

    torch::Tensor weight; // full: D x L
    torch::Tensor u, v;   // low rank: D x r, L x r

private:
    int64_t m_in, m_out, m_rank;
};
TORCH_MODULE(LinearOperator);

} // namespace facelab::linearizer

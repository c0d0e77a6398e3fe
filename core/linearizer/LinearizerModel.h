#pragma once
// The Linearizer surrogate of a face model (Berman, Hallak, Shocher 2025):
//     f(x) = g_y^-1(A g_x(x)),
// g_x = ImageEncoder then an InvertibleNet on the L-dim latent, A = LinearOperator (D x L, full or
// rank r), g_y = an InvertibleNet on the teacher's D-dim embedding space. g_y is exactly invertible,
// so linear algebra on A (SVD, pseudo-inverse, projections, composition; see setA) acts on f in the
// vector spaces g_x and g_y induce. Trained against a frozen teacher (any nn::FaceNetImpl) with MSE
// on its embeddings. Torch header: Qt code holds a LinearizerConfig (LinearizerTypes.h) instead.
#include "linearizer/ImageEncoder.h"
#include "linearizer/InvertibleNet.h"
#include "linearizer/LinearOperator.h"
#include "linearizer/LinearizerTypes.h"

#include <torch/torch.h>

namespace facelab::nn {
class FaceNetImpl;
}

namespace facelab::linearizer {

// The sandwich flow of one batch, for display and for checking the factorisation.
struct LinearizerStages
{
    torch::Tensor latent;      // g_x(x), N x L
    torch::Tensor transformed; // A g_x(x), N x D
    torch::Tensor embedding;   // f(x) = g_y^-1(A g_x(x)), N x D
};

// `config` with embeddingDim and the input size taken from the teacher.
LinearizerConfig fitToTeacher(LinearizerConfig config, const nn::FaceNetImpl &teacher);

class LinearizerModelImpl : public torch::nn::Module
{
public:
    // Builds every part from config.seed; torch's global generator is left as it was.
    // Throws std::invalid_argument for sizes that do not fit together.
    explicit LinearizerModelImpl(const LinearizerConfig &config);

    // N x C x H x W preprocessed faces (config's size) -> N x D embeddings, like the teacher.
    torch::Tensor forward(const torch::Tensor &x);
    LinearizerStages stages(const torch::Tensor &x);

    // g_x: images -> N x L latent.
    torch::Tensor gx(const torch::Tensor &x);
    // g_y and its exact inverse on the embedding side: embeddings <-> N x D output latent.
    torch::Tensor gy(const torch::Tensor &embeddings);
    torch::Tensor gyInverse(const torch::Tensor &latent);

    // A materialised (D x L; L x L in the paper's square case).
    torch::Tensor matrixA() const;
    // Replaces A; for a low-rank model the best rank-r approximation is stored.
    void setA(const torch::Tensor &a);

    const LinearizerConfig &config() const { return m_config; }
    ImageEncoder encoder() const { return m_encoder; }
    InvertibleNet gxNet() const { return m_gx; }
    LinearOperator linearOperator() const { return m_a; }
    InvertibleNet gyNet() const { return m_gy; }

private:
    void checkInput(const torch::Tensor &x) const;

    LinearizerConfig m_config;
    ImageEncoder m_encoder{nullptr};
    InvertibleNet m_gx{nullptr};
    LinearOperator m_a{nullptr};
    InvertibleNet m_gy{nullptr};
};
TORCH_MODULE(LinearizerModel);

} // namespace facelab::linearizer

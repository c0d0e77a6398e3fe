#include "linearizer/LinearizerModel.h"

#include "nn/FaceNet.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace facelab::linearizer {

namespace {

// Seeds torch's default CPU generator for the default initialisers of Conv2d / Linear, and puts
// its previous state back afterwards, so building a model does not disturb the caller's stream.
class SeededScope
{
public:
    explicit SeededScope(std::uint64_t seed) : m_gen(at::detail::getDefaultCPUGenerator())
    {
        m_state = m_gen.get_state();
        m_gen.set_current_seed(seed);
    }
    ~SeededScope() { m_gen.set_state(m_state); }
    SeededScope(const SeededScope &) = delete;
    SeededScope &operator=(const SeededScope &) = delete;

private:
    at::Generator m_gen;
    at::Tensor m_state;
};

InvertibleNetOptions netOptions(const LinearizerConfig &c, int64_t features, std::uint64_t seed)
{
    InvertibleNetOptions o;
    o.features = features;
    o.blocks = c.blocks;
    o.hidden = c.hidden;
    o.couplingLayers = c.couplingLayers;
    o.scaleClamp = c.scaleClamp;
    o.seed = seed;
    return o;
}

} // namespace

LinearizerConfig fitToTeacher(LinearizerConfig config, const nn::FaceNetImpl &teacher)
{
    config.embeddingDim = teacher.embeddingDim();
    config.inputWidth = teacher.inputWidth();
    config.inputHeight = teacher.inputHeight();
    return config;
}

LinearizerModelImpl::LinearizerModelImpl(const LinearizerConfig &config) : m_config(config)
{
    if (config.latent < 2 || config.embeddingDim < 2)
        throw std::invalid_argument("Linearizer: latent and embedding widths must be at least 2");
    if (config.blocks < 0 || config.hidden < 1 || config.couplingLayers < 1)
        throw std::invalid_argument("Linearizer: blocks >= 0, hidden >= 1 and couplingLayers >= 1 required");
    if (config.rank < 0 || config.rank > std::min(config.latent, config.embeddingDim))
        throw std::invalid_argument("Linearizer: rank " + std::to_string(config.rank) + " outside 0.." +
                                    std::to_string(std::min(config.latent, config.embeddingDim)));
    if (config.inputHeight < 1 || config.inputWidth < 1)
        throw std::invalid_argument("Linearizer: non-positive input size");

    SeededScope seeded(config.seed);
    m_encoder = register_module("encoder", ImageEncoder(config.inputChannels, config.encoderChannels, config.latent));
    m_gx = register_module("g_x", InvertibleNet(netOptions(config, config.latent, config.seed * 2 + 1)));
    m_a = register_module("a", LinearOperator(config.latent, config.embeddingDim, config.rank, config.seed + 7));
    m_gy = register_module("g_y", InvertibleNet(netOptions(config, config.embeddingDim, config.seed * 2 + 2)));
}

void LinearizerModelImpl::checkInput(const torch::Tensor &x) const
{
    if (x.dim() != 4 || x.size(1) != m_config.inputChannels || x.size(2) != m_config.inputHeight ||
        x.size(3) != m_config.inputWidth)
        throw std::invalid_argument("Linearizer: expected N x " + std::to_string(m_config.inputChannels) + " x " +
                                    std::to_string(m_config.inputHeight) + " x " +
                                    std::to_string(m_config.inputWidth) + ", got " + c10::str(x.sizes()));
}

torch::Tensor LinearizerModelImpl::gx(const torch::Tensor &x)
{
    checkInput(x);
    return m_gx->forward(m_encoder->forward(x));
}

torch::Tensor LinearizerModelImpl::gy(const torch::Tensor &embeddings) { return m_gy->forward(embeddings); }

torch::Tensor LinearizerModelImpl::gyInverse(const torch::Tensor &latent) { return m_gy->inverse(latent); }

torch::Tensor LinearizerModelImpl::forward(const torch::Tensor &x) { return gyInverse(m_a->forward(gx(x))); }

LinearizerStages LinearizerModelImpl::stages(const torch::Tensor &x)
{
    LinearizerStages s;
    s.latent = gx(x);
    s.transformed = m_a->forward(s.latent);
    s.embedding = gyInverse(s.transformed);
    return s;
}

torch::Tensor LinearizerModelImpl::matrixA() const { return m_a->matrix(); }

void LinearizerModelImpl::setA(const torch::Tensor &a) { m_a->setMatrix(a); }

} // namespace facelab::linearizer

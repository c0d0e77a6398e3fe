#include "inversion/ModelInverter.h"

#include "inversion/ImagePriors.h"
#include "inversion/MarginTarget.h"
#include "inversion/StatisticsPrior.h"
#include "nn/Engine.h"
#include "nn/FaceNet.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>

namespace facelab::inversion {

const char *priorKindName(PriorKind kind)
{
    switch (kind) {
    case PriorKind::Auto: return "auto";
    case PriorKind::BatchNorm: return "batchnorm";
    case PriorKind::Measured: return "measured";
    case PriorKind::None: return "none";
    }
    return "none";
}

bool priorKindFromName(const std::string &name, PriorKind &kind)
{
    for (PriorKind k : {PriorKind::Auto, PriorKind::BatchNorm, PriorKind::Measured, PriorKind::None})
        if (name == priorKindName(k)) {
            kind = k;
            return true;
        }
    return false;
}

namespace {

// Inversion optimises pixels: the network runs frozen, in eval mode, channels-last; whatever it
// was before is restored, since the FaceModel handle may be shared.
class FrozenNet
{
public:
    explicit FrozenNet(std::shared_ptr<nn::FaceNetImpl> net) : m_net(std::move(net))
    {
        m_training = m_net->is_training();
        m_channelsLast = m_net->channelsLast();
        for (auto &p : m_net->parameters()) {
            m_grad.push_back(p.requires_grad());
            p.set_requires_grad(false);
        }
        m_net->eval();
        m_net->setChannelsLast(true);
    }
    ~FrozenNet()
    {
        size_t i = 0;
        for (auto &p : m_net->parameters())
            p.set_requires_grad(i < m_grad.size() ? bool(m_grad[i++]) : false);
        m_net->train(m_training);
        m_net->setChannelsLast(m_channelsLast);
    }

private:
    std::shared_ptr<nn::FaceNetImpl> m_net;
    bool m_training = false, m_channelsLast = false;
    std::vector<char> m_grad;
};

torch::Device deviceOf(nn::FaceNetImpl &net)
{
    for (const auto &p : net.parameters())
        return p.device();
    for (const auto &b : net.buffers())
        return b.device();
    return torch::kCPU;
}

void check(bool ok, const std::string &what)
{
    if (!ok)
        throw InversionError(what);
}

std::string deviceName(const torch::Device &d) { return d.is_cuda() ? "CUDA" : "CPU"; }

} // namespace

InversionResult invertModel(const nn::FaceModel &model, const InversionTarget &target, const InversionOptions &o,
                            const std::vector<LayerStatistics> &measured, const InversionCallbacks &callbacks)
{
    check(bool(model), "no model to invert");
    check(o.steps >= 1 && o.steps <= 1000000, "steps must be between 1 and 1000000");
    check(o.batch >= 1 && o.batch <= 256, "batch must be between 1 and 256");
    check(o.learningRate > 0 && std::isfinite(o.learningRate), "the learning rate must be positive");
    check(o.priorWeight >= 0 && o.tvWeight >= 0 && o.l2Weight >= 0 && o.firstLayerWeight >= 0,
          "loss weights must not be negative");
    check(o.priorLayers >= 0, "prior layers must not be negative");
    check(o.arcScale > 0 && o.arcMargin >= 0 && o.arcMargin < M_PI / 2, "ArcFace needs s > 0 and 0 <= m < pi/2");
    nn::initEngine();

    const auto net = model.net();
    const nn::Preprocessing &spec = model.preprocessing();
    const int width = spec.width, height = spec.height;
    const int dim = net->embeddingDim();
    const bool toEmbedding = !target.embedding.empty();
    check(target.classes == 0 || (target.dim == dim && int(target.centres.size()) == target.classes * target.dim),
          "the class centres of " + target.description + " are " + std::to_string(target.dim) +
              "-d, the model's embeddings " + std::to_string(dim) + "-d");
    check(!toEmbedding || int(target.embedding.size()) == dim,
          "the target embedding of " + target.description + " has " + std::to_string(target.embedding.size()) +
              " values, the model's embeddings " + std::to_string(dim));
    check(toEmbedding || (target.targetClass >= 0 && target.targetClass < target.classes),
          "no target: neither an embedding nor a class among the centres");
    check(target.targetClass < target.classes, "target class out of range");

    InversionResult result;
    result.prior = o.prior;
    if (o.prior == PriorKind::Auto)
        result.prior = net->batchNormLayerCount() > 0 ? PriorKind::BatchNorm
                       : !measured.empty()           ? PriorKind::Measured
                                                     : PriorKind::None;
    check(result.prior != PriorKind::BatchNorm || net->batchNormLayerCount() > 0,
          "the model has no BatchNorm statistics (folded into its convolutions): use the measured prior");
    check(result.prior != PriorKind::Measured || !measured.empty(),
          "the measured prior needs statistics measured on faces, and there are none");

    const torch::Device device = nn::preferredDevice();
    net->to(device);
    result.device = deviceName(device);
    FrozenNet frozen(net);
    std::unique_ptr<StatisticsPrior> prior;
    if (result.prior != PriorKind::None)
        prior = std::make_unique<StatisticsPrior>(net, result.prior, measured, o.firstLayerWeight, o.priorLayers);

    const auto floats = torch::TensorOptions().dtype(torch::kFloat32);
    torch::Tensor centres, targetVector;
    if (target.classes > 0)
        centres = torch::nn::functional::normalize(
            torch::from_blob(const_cast<float *>(target.centres.data()), {target.classes, target.dim}, floats).clone(),
            torch::nn::functional::NormalizeFuncOptions().dim(1)).to(device);
    if (toEmbedding)
        targetVector = torch::nn::functional::normalize(
            torch::from_blob(const_cast<float *>(target.embedding.data()), {dim}, floats).clone(),
            torch::nn::functional::NormalizeFuncOptions().dim(0)).to(device);
    else
        targetVector = centres[target.targetClass];

    // Start: noise from a generator of our own (same seed, same images), or the mean face plus noise.
    torch::Generator gen = at::detail::createCPUGenerator(o.seed);
    torch::Tensor x = torch::randn({o.batch, 3, height, width}, gen, floats);
    if (!o.startFace.empty())
        x = fromFace(o.startFace, spec).expand({o.batch, 3, height, width}) + o.startNoise * x;
    const PixelRange range = pixelRange(spec, device);
    x = torch::max(torch::min(x.to(device), range.high), range.low).contiguous(torch::MemoryFormat::ChannelsLast);
    x.set_requires_grad(true);

    torch::optim::Adam adam({x}, torch::optim::AdamOptions(o.learningRate).betas({o.beta1, o.beta2}));
    std::mt19937_64 rng(o.seed);
    const int maxShift = o.maxShift >= 0 ? o.maxShift : width / 8;
    std::uniform_int_distribution<int> shift(-maxShift, maxShift);
    const auto normalise = torch::nn::functional::NormalizeFuncOptions().dim(1);

    const auto start = std::chrono::steady_clock::now();
    for (int step = 1; step <= o.steps; ++step) {
        if (callbacks.cancelled && callbacks.cancelled()) {
            result.cancelled = true;
            break;
        }
        const double lr = 0.5 * o.learningRate * (1 + std::cos(M_PI * double(step - 1) / double(o.steps)));
        for (auto &group : adam.param_groups())
            static_cast<torch::optim::AdamOptions &>(group.options()).lr(lr);
        const int dy = shift(rng), dx = shift(rng);
        const bool flip = o.flip && (rng() & 1u);

        const torch::Tensor embeddings = torch::nn::functional::normalize(net->forward(jitter(x, dy, dx, flip)), normalise);
        const torch::Tensor priorTerm = prior ? o.priorWeight * prior->take().to(device) : torch::zeros({}, floats.device(device));
        const torch::Tensor targetTerm = toEmbedding ? cosineLoss(embeddings, targetVector)
                                                     : arcFaceLoss(embeddings, centres, target.targetClass, o.arcScale, o.arcMargin);
        const torch::Tensor tvTerm = o.tvWeight * totalVariation(x);
        const torch::Tensor l2Term = o.l2Weight * imageL2(x);
        const torch::Tensor total = targetTerm + priorTerm + tvTerm + l2Term;
        adam.zero_grad();
        total.backward();
        adam.step();
        {
            torch::NoGradGuard noGrad;
            x.copy_(torch::max(torch::min(x, range.high), range.low));
        }

        InversionStep s;
        s.step = step;
        s.total = total.item<double>();
        check(std::isfinite(s.total), "the loss is no longer finite at step " + std::to_string(step) +
                                          ": lower the learning rate or the loss weights");
        s.target = targetTerm.item<double>();
        s.prior = priorTerm.item<double>();
        s.tv = tvTerm.item<double>();
        s.l2 = l2Term.item<double>();
        s.targetCosine = embeddings.detach().matmul(targetVector).mean().item<double>();
        s.learningRate = lr;
        result.history.push_back(s);
        result.stepsRun = step;
        if (callbacks.onStep)
            callbacks.onStep(s);
        if (callbacks.onPreview && o.previewEvery > 0 && step % o.previewEvery == 0 && step < o.steps)
            callbacks.onPreview(step, toFaces(x, spec));
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.stepsPerSecond = result.seconds > 0 ? result.stepsRun / result.seconds : 0;
    if (prior)
        result.priorLayers = prior->layers();
    prior.reset(); // the scoring forward below needs no prior terms

    // The images as they are, scored without jitter: what the gallery shows is what was scored.
    result.images = toFaces(x, spec);
    {
        torch::NoGradGuard noGrad;
        const torch::Tensor plain = torch::nn::functional::normalize(net->forward(x.detach()), normalise);
        const torch::Tensor cosines = plain.matmul(targetVector).to(torch::kCPU);
        for (int64_t i = 0; i < cosines.size(0); ++i)
            result.targetCosine.push_back(cosines[i].item<double>());
        if (target.targetClass >= 0)
            result.targetRank = classRanks(plain, centres, target.targetClass);
    }
    if (callbacks.onPreview)
        callbacks.onPreview(result.stepsRun, result.images);
    return result;
}

std::vector<LayerStatistics> measureConvolutionStatistics(const nn::FaceModel &model, std::size_t count,
                                                          const std::function<cv::Mat(std::size_t)> &load, int batch,
                                                          const std::function<bool()> &cancelled)
{
    if (!model || model.net()->convolutionLayerCount() == 0 || count == 0)
        return {};
    nn::initEngine();
    const auto net = model.net();
    FrozenNet frozen(net);
    torch::NoGradGuard noGrad;
    const torch::Device device = deviceOf(*net);

    struct Sums
    {
        std::string name;
        torch::Tensor sum, squares;   // double, per channel
        double n = 0;
    };
    std::map<int, Sums> sums;
    net->setConvolutionTap([&sums](const nn::BatchNormTapEvent &e) {
        if (e.input.dim() != 4)
            return;
        auto &s = sums[e.layer];
        const torch::Tensor x = e.input.to(torch::kDouble);
        const torch::Tensor sum = x.sum({0, 2, 3}).cpu(), squares = (x * x).sum({0, 2, 3}).cpu();
        if (!s.sum.defined()) {
            s.name = e.name;
            s.sum = sum;
            s.squares = squares;
        } else {
            s.sum += sum;
            s.squares += squares;
        }
        s.n += double(x.size(0) * x.size(2) * x.size(3));
    });
    struct Untap
    {
        std::shared_ptr<nn::FaceNetImpl> net;
        ~Untap() { net->setConvolutionTap({}); }
    } untap{net};

    const size_t chunk = size_t(std::max(1, batch));
    for (size_t first = 0; first < count; first += chunk) {
        if (cancelled && cancelled())
            return {};
        std::vector<cv::Mat> faces;
        for (size_t i = first; i < std::min(count, first + chunk); ++i) {
            cv::Mat face = load(i);
            if (!face.empty())
                faces.push_back(face);
        }
        if (!faces.empty())
            net->forward(nn::facesToTensor(faces, model.preprocessing()).to(device));
    }
    std::vector<LayerStatistics> out;
    for (const auto &[layer, s] : sums) {
        if (s.n <= 0)
            continue;
        const torch::Tensor mean = s.sum / s.n;
        const torch::Tensor var = (s.squares / s.n - mean * mean).clamp_min(0).to(torch::kFloat32).contiguous();
        const torch::Tensor meanF = mean.to(torch::kFloat32).contiguous();
        LayerStatistics st;
        st.name = s.name;
        st.mean.assign(meanF.data_ptr<float>(), meanF.data_ptr<float>() + meanF.numel());
        st.var.assign(var.data_ptr<float>(), var.data_ptr<float>() + var.numel());
        out.push_back(std::move(st));
    }
    return out;
}

std::vector<std::string> batchNormPriorLayers(const nn::FaceModel &model)
{
    if (!model || model.net()->batchNormLayerCount() == 0)
        return {};
    const auto net = model.net();
    FrozenNet frozen(net);
    torch::NoGradGuard noGrad;
    std::vector<std::string> names;
    net->setBatchNormTap([&names](const nn::BatchNormTapEvent &e) {
        if (e.input.dim() == 4 && e.runningMean.defined() && e.runningVar.defined())
            names.push_back(e.name);
    });
    const auto &spec = model.preprocessing();
    try {
        net->forward(torch::zeros({2, 3, spec.height, spec.width}).to(deviceOf(*net)));
    } catch (...) {
        net->setBatchNormTap({});
        throw;
    }
    net->setBatchNormTap({});
    return names;
}

} // namespace facelab::inversion

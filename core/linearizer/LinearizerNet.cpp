#include "linearizer/LinearizerNet.h"

#include "nn/FaceModel.h"
#include "nn/ModelError.h"
#include "nn/ModuleState.h"
#include "nn/checkpoint/TorchCheckpoint.h"

#include <sstream>

namespace facelab::linearizer {

LinearizerNetImpl::LinearizerNetImpl(const LinearizerConfig &config) : LinearizerNetImpl(LinearizerModel(config)) {}

LinearizerNetImpl::LinearizerNetImpl(LinearizerModel model)
{
    // Registered as "linearizer" so the state_dict keys read "linearizer.encoder...": the same
    // names as in the saved file's top-level entry.
    m_model = register_module(kStateKey, std::move(model));
}

torch::Tensor LinearizerNetImpl::forward(const torch::Tensor &input)
{
    const auto &c = m_model->config();
    if (input.dim() != 4 || input.size(1) != c.inputChannels || input.size(2) != c.inputHeight ||
        input.size(3) != c.inputWidth) {
        std::ostringstream s;
        s << "the Linearizer takes N x " << c.inputChannels << " x " << c.inputHeight << " x " << c.inputWidth
          << ", got " << input.sizes();
        throw nn::ModelError(kFamilyId, s.str());
    }
    return m_model->forward(input.scalar_type() == torch::kFloat ? input : input.to(torch::kFloat));
}

void LinearizerNetImpl::save(const std::string &path) const
{
    try {
        nn::ckpt::writeTorchSave(path, nn::namedTensorsOf(*m_model), kStateKey,
                             {{kConfigKey, configText(m_model->config())}});
    } catch (const nn::ModelError &) {
        throw;
    } catch (const std::exception &e) {
        throw nn::ModelError(path, e.what());
    }
}

nn::FaceModel surrogateModel(LinearizerModel model, const nn::Preprocessing &spec, const std::string &path)
{
    auto net = std::make_shared<LinearizerNetImpl>(std::move(model));
    return nn::FaceModel(net, spec, path);
}

LinearizerModel surrogateOf(const nn::FaceModel &model)
{
    auto *net = model ? dynamic_cast<LinearizerNetImpl *>(model.net().get()) : nullptr;
    if (!net)
        throw nn::ModelError(model ? model.path() : std::string("(no model)"),
                             "not a Linearizer surrogate (family " + (model ? model.family() : std::string("none")) + ")");
    return net->model();
}

} // namespace facelab::linearizer

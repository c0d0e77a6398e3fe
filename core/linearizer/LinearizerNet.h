#pragma once
// A trained Linearizer as a face model of family "linearizer": the surrogate f = g_y^-1 A g_x plays
// the teacher's part in embedding, evaluation, the queue and error folders. Saved as a torch.save
// file {"linearizer": state_dict, "config": configText(...)} that torch.load reads; the teacher is
// the version's parent in the project. Torch header.
#include "linearizer/LinearizerModel.h"
#include "nn/FaceModel.h"
#include "nn/FaceNet.h"

namespace facelab::linearizer {

inline constexpr const char *kFamilyId = "linearizer";
inline constexpr const char *kStateKey = "linearizer";
inline constexpr const char *kConfigKey = "config";

class LinearizerNetImpl : public nn::FaceNetImpl
{
public:
    explicit LinearizerNetImpl(const LinearizerConfig &config);
    explicit LinearizerNetImpl(LinearizerModel model);

    std::string family() const override { return kFamilyId; }
    torch::Tensor forward(const torch::Tensor &input) override;
    int inputWidth() const override { return m_model->config().inputWidth; }
    int inputHeight() const override { return m_model->config().inputHeight; }
    int embeddingDim() const override { return m_model->config().embeddingDim; }
    void save(const std::string &path) const override;
    std::string fileSuffix() const override { return ".pth"; }

    LinearizerModel model() const { return m_model; }

private:
    LinearizerModel m_model{nullptr};
};

// The FaceModel of a surrogate (preprocessing: its teacher's).
nn::FaceModel surrogateModel(LinearizerModel model, const nn::Preprocessing &spec, const std::string &path = {});
// The LinearizerModel behind a FaceModel of family "linearizer"; throws nn::ModelError otherwise.
LinearizerModel surrogateOf(const nn::FaceModel &model);

} // namespace facelab::linearizer

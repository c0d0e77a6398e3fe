#pragma once
// The MobileFaceNet family (arcface_torch "mbf" state dicts, .pth). Torch-free header.
#include "nn/ModelFamily.h"

namespace facelab::nn {

class MobileFaceNetFamily : public ModelFamily
{
public:
    std::string id() const override { return "mbf"; }
    std::string displayName() const override { return "MobileFaceNet (ArcFace-torch mbf)"; }
    // A torch.save file whose state dict has the mbf stem (layers.0.layers.0.weight [*, 3, 3, 3]) and conv_sep.
    bool accepts(const std::string &path) const override;
    // Width (scale) from the stem, block counts from the Residual stages, embedding size from the GDC's
    // Linear. Never throws for a partial match. Throws ModelError for an unreadable file.
    LoadReport inspect(const std::string &path) const override;
    FaceModel open(const std::string &path, const OpenOptions &options = {}) const override;
    std::string fileSuffix() const override { return ".pth"; }
    std::vector<std::string> exportFormats() const override { return {".pth", ".onnx"}; }
    CrossCheck exportTo(const FaceModel &model, const std::string &path) const override;
};

const ModelFamily &mobileFaceNetFamily();

} // namespace facelab::nn

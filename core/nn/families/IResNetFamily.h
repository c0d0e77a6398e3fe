#pragma once
// The iResNet family (ArcFace-torch and MagFace checkpoints, .pth). Torch-free header.
#include "nn/ModelFamily.h"

#include <optional>

namespace facelab::nn {

class IResNetFamily : public ModelFamily
{
public:
    std::string id() const override { return "iresnet"; }
    std::string displayName() const override { return "iResNet (ArcFace / MagFace)"; }
    // A torch.save file whose state dict (after container and prefix rules) has the iResNet stem.
    bool accepts(const std::string &path) const override;
    // Depth from the block counts per layer, embedding size from fc.weight, layout (MagFace or
    // ArcFace-torch) from the key prefixes. Never throws for a partial match (another depth, another
    // family): the counts say it. Throws ModelError for an unreadable file or one without tensors.
    LoadReport inspect(const std::string &path) const override;
    FaceModel open(const std::string &path, const OpenOptions &options = {}) const override;
    std::string fileSuffix() const override { return ".pth"; }
    std::vector<std::string> exportFormats() const override { return {".pth", ".onnx"}; }
    // .pth: save(); .onnx: the native ONNX writer, cross-checked with OpenCV dnn and FaceLab's executor.
    CrossCheck exportTo(const FaceModel &model, const std::string &path) const override;

    // The same with the depth given (18, 34, 50, 100, 200) instead of read from the file: a file of
    // another depth is then reported (and refused by open without allowPartial) with its counts.
    LoadReport inspectAs(const std::string &path, int depth) const;
    FaceModel openAs(const std::string &path, int depth, const OpenOptions &options = {}) const;
};

const ModelFamily &iresnetFamily();

} // namespace facelab::nn

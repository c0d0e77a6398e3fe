#pragma once
// How a model wants its aligned faces turned into numbers. A model record carries its own spec
// (as JSON); nothing guesses it from a file name. Torch-free header.
#include <opencv2/core.hpp>

#include <array>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace facelab::nn {

enum class ChannelOrder { RGB, BGR };

// value seen by the network = (pixel - mean[c]) / stdDev[c], c indexing the channels in `order`
// (so mean[0] is red's mean for an RGB model). Faces are resized to width x height if needed.
struct Preprocessing
{
    ChannelOrder order = ChannelOrder::RGB;
    std::array<float, 3> mean{0.f, 0.f, 0.f};
    std::array<float, 3> stdDev{1.f, 1.f, 1.f};
    int width = 112;
    int height = 112;

    // MobileFaceNet of the npm package faceplugin-face-recognition-js (fr_feature.onnx):
    // RGB, (x - 127) / 128.
    static Preprocessing frFeature();
    // InsightFace ArcFace ONNX (buffalo_l w600k_r50, glint r100): RGB, (x - 127.5) / 127.5.
    static Preprocessing insightFaceArcFace();
    // MagFace iResNet: BGR as read by cv2.imread, x / 255.
    static Preprocessing magFace();

    // {"channel_order":"RGB","mean":[127,127,127],"std":[128,128,128],"width":112,"height":112}
    std::string toJson() const;
    // Throws std::invalid_argument naming the missing or malformed key.
    static Preprocessing fromJson(const std::string &json);

    bool operator==(const Preprocessing &o) const;
    bool operator!=(const Preprocessing &o) const { return !(*this == o); }
};

// 8-bit BGR faces (CV_8UC3, as the aligner produces) -> N x 3 x height x width float blob, the
// layout both OpenCV dnn and LibTorch take. Throws std::invalid_argument for other image types.
cv::Mat facesToBlob(const std::vector<cv::Mat> &bgrFaces, const Preprocessing &spec);

// The same as a float CPU torch tensor (include <torch/torch.h> to use the result).
at::Tensor facesToTensor(const std::vector<cv::Mat> &bgrFaces, const Preprocessing &spec);

} // namespace facelab::nn

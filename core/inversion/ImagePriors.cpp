#include "inversion/ImagePriors.h"

#include <opencv2/imgproc.hpp>

namespace facelab::inversion {

using torch::indexing::None;
using torch::indexing::Slice;

torch::Tensor totalVariation(const torch::Tensor &x)
{
    const auto right = x.index({Slice(), Slice(), Slice(), Slice(None, -1)}) - x.index({Slice(), Slice(), Slice(), Slice(1, None)});
    const auto down = x.index({Slice(), Slice(), Slice(None, -1), Slice()}) - x.index({Slice(), Slice(), Slice(1, None), Slice()});
    const auto diag = x.index({Slice(), Slice(), Slice(1, None), Slice(None, -1)}) -
                      x.index({Slice(), Slice(), Slice(None, -1), Slice(1, None)});
    const auto anti = x.index({Slice(), Slice(), Slice(None, -1), Slice(None, -1)}) -
                      x.index({Slice(), Slice(), Slice(1, None), Slice(1, None)});
    return right.norm() + down.norm() + diag.norm() + anti.norm();
}

torch::Tensor imageL2(const torch::Tensor &x) { return x.reshape({x.size(0), -1}).norm(2, 1).mean(); }

torch::Tensor jitter(const torch::Tensor &x, int dy, int dx, bool flip)
{
    torch::Tensor y = (dy || dx) ? torch::roll(x, {dy, dx}, {2, 3}) : x;
    return flip ? torch::flip(y, {3}) : y;
}

PixelRange pixelRange(const nn::Preprocessing &spec, const torch::Device &device)
{
    float low[3], high[3];
    for (int c = 0; c < 3; ++c) {
        low[c] = (0.f - spec.mean[size_t(c)]) / spec.stdDev[size_t(c)];
        high[c] = (255.f - spec.mean[size_t(c)]) / spec.stdDev[size_t(c)];
    }
    const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
    return {torch::from_blob(low, {1, 3, 1, 1}, opts).clone().to(device),
            torch::from_blob(high, {1, 3, 1, 1}, opts).clone().to(device)};
}

std::vector<cv::Mat> toFaces(const torch::Tensor &x, const nn::Preprocessing &spec)
{
    const torch::Tensor t = x.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    const int64_t n = t.size(0), h = t.size(2), w = t.size(3);
    std::vector<cv::Mat> faces;
    faces.reserve(size_t(n));
    for (int64_t i = 0; i < n; ++i) {
        std::vector<cv::Mat> planes(3);
        for (int c = 0; c < 3; ++c) {
            cv::Mat plane(int(h), int(w), CV_32F, t[i][c].data_ptr<float>());
            cv::Mat pixels;
            plane.convertTo(pixels, CV_8U, spec.stdDev[size_t(c)], spec.mean[size_t(c)]); // rounds, saturates
            // Model channel c is red, green, blue for RGB models; OpenCV wants blue first.
            const int bgrIndex = spec.order == nn::ChannelOrder::RGB ? 2 - c : c;
            planes[size_t(bgrIndex)] = pixels;
        }
        cv::Mat face;
        cv::merge(planes, face);
        faces.push_back(face);
    }
    return faces;
}

torch::Tensor fromFace(const cv::Mat &bgr, const nn::Preprocessing &spec) { return nn::facesToTensor({bgr}, spec); }

} // namespace facelab::inversion

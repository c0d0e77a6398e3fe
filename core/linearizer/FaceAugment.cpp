#include "linearizer/FaceAugment.h"

#include <opencv2/imgproc.hpp>

namespace facelab::linearizer {

std::uint64_t seedAt(std::uint64_t seed, int epoch, std::uint64_t position)
{
    std::uint64_t z = seed ^ (std::uint64_t(epoch) * 0x9E3779B97F4A7C15ull) ^ (position * 0xBF58476D1CE4E5B9ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}


AugmentedFace augmentFace(cv::Mat face, const AugmentOptions &a, std::mt19937_64 &rng)
{
    AugmentedFace out;
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    if (a.flip && (rng() & 1)) {
        cv::Mat f;
        cv::flip(face, f, 1);
        face = f;
        out.flipped = true;
    }
    if (a.maxShift > 0) {
        std::uniform_int_distribution<int> shift(-a.maxShift, a.maxShift);
        const int dx = shift(rng), dy = shift(rng);
        if (dx || dy) {
            const cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, dy);
            cv::Mat s;
            cv::warpAffine(face, s, m, face.size(), cv::INTER_NEAREST, cv::BORDER_REPLICATE);
            face = s;
            out.randomised = true;
        }
    }
    if (a.colourJitter > 0) {
        const double contrast = 1.0 + a.colourJitter * u(rng);
        const double brightness = 255.0 * a.colourJitter * u(rng) * 0.5;
        cv::Mat j;
        face.convertTo(j, -1, contrast, brightness + 127.5 * (1.0 - contrast));
        face = j;
        out.randomised = true;
    }
    out.face = face;
    return out;
}


} // namespace facelab::linearizer

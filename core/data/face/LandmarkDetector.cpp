#include "data/face/LandmarkDetector.h"

#include "data/face/FaceErrors.h"
#include "data/face/OnnxModel.h"
#include "data/face/SimilarityTransform.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace facelab::face {

namespace {

// Image pixels -> 64x64 crop pixels (both in OpenCV's pixel-centre convention): the crop covers
// exactly the square of the given side around centre, its x axis turned to angle.
cv::Mat imageToCrop(const LandmarkCrop &c)
{
    const double k = double(LandmarkDetector::kInputSize) / c.side;
    const double ca = std::cos(c.angle) * k, sa = std::sin(c.angle) * k;
    const double half = LandmarkDetector::kInputSize * 0.5 - 0.5;
    return (cv::Mat_<double>(2, 3) << ca, sa, half - (ca * c.centre.x + sa * c.centre.y),
            -sa, ca, half - (-sa * c.centre.x + ca * c.centre.y));
}

} // namespace

LandmarkDetector::LandmarkDetector(const std::string &modelPath)
    : m_net(loadOnnxModel(modelPath))
{
    // Run once, so a wrong file fails here (output size check) and not in the middle of an import.
    const cv::Mat probe(kInputSize, kInputSize, CV_8UC3, cv::Scalar::all(128));
    predictInCrop(probe, cropForBox(cv::Rect2f(0, 0, kInputSize, kInputSize)));
}

LandmarkCrop LandmarkDetector::cropForBox(const cv::Rect2f &faceBox)
{
    return {cv::Point2f(faceBox.x + faceBox.width * 0.5f, faceBox.y + faceBox.height * 0.5f),
            std::max(1.0f, faceBox.height), 0.0f};
}

std::vector<cv::Point2f> LandmarkDetector::predictInCrop(const cv::Mat &bgr, const LandmarkCrop &crop) const
{
    CV_Assert(!bgr.empty() && bgr.type() == CV_8UC3 && crop.side > 0.0f);
    const cv::Mat toCrop = imageToCrop(crop);
    const cv::Mat patch = warpSimilarity(bgr, toCrop, cv::Size(kInputSize, kInputSize),
                                         cv::BORDER_REPLICATE);
    cv::Mat grey;
    cv::cvtColor(patch, grey, cv::COLOR_BGR2GRAY);

    // One grey channel, pixel / 256 (fr_landmark.js preprocessLandmark).
    m_net.setInput(cv::dnn::blobFromImage(grey, 1.0 / 256.0));
    const cv::Mat out = m_net.forward();
    if (out.total() != size_t(2 * kPointCount))
        throw FaceModelInvalid("landmark model returned " + std::to_string(out.total())
                               + " values, expected " + std::to_string(2 * kPointCount));

    // Outputs are (x, y) pairs as fractions of the crop's width and height (edge to edge).
    cv::Mat toImage;
    cv::invertAffineTransform(toCrop, toImage);
    const float *v = out.ptr<float>();
    std::vector<cv::Point2f> pts(kPointCount);
    for (int k = 0; k < kPointCount; ++k) {
        const cv::Point2f inCrop(v[2 * k] * kInputSize - 0.5f, v[2 * k + 1] * kInputSize - 0.5f);
        pts[k] = applyAffine(toImage, inCrop);
    }
    return pts;
}

std::vector<cv::Point2f> LandmarkDetector::predict(const cv::Mat &bgr, const cv::Rect2f &faceBox) const
{
    LandmarkCrop crop = cropForBox(faceBox);
    std::vector<cv::Point2f> pts = predictInCrop(bgr, crop);
    for (int pass = 0; pass < kRefinePasses; ++pass) {
        const std::array<cv::Point2f, 5> five = fivePointsFrom68(pts);
        const cv::Point2f eyeLine = five[1] - five[0];
        cv::Point2f centroid(0.0f, 0.0f);
        for (const cv::Point2f &p : pts)
            centroid += p;
        crop.centre = centroid * (1.0f / float(pts.size()));
        crop.angle = std::atan2(eyeLine.y, eyeLine.x);
        pts = predictInCrop(bgr, crop);
    }
    return pts;
}

std::array<cv::Point2f, 5> fivePointsFrom68(const std::vector<cv::Point2f> &l)
{
    CV_Assert(l.size() == size_t(LandmarkDetector::kPointCount));
    auto mean = [&](int from, int to) {
        cv::Point2f s(0, 0);
        for (int i = from; i <= to; ++i)
            s += l[i];
        return s * (1.0f / float(to - from + 1));
    };
    return {mean(36, 41), mean(42, 47), l[30], l[48], l[54]};
}

} // namespace facelab::face

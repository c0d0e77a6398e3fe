#include "data/face/FaceDetector.h"

#include "data/face/FaceErrors.h"
#include "data/face/FaceImage.h"
#include "data/face/OnnxModel.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace facelab::face {

namespace {

const std::vector<std::string> kOutputs = {"boxes", "scores"};

struct RawOutput
{
    cv::Mat boxes;  // N x 4, corner form (x1, y1, x2, y2), fractions of the network input
    cv::Mat scores; // N x 2, softmax (background, face)
};

RawOutput runNet(cv::dnn::Net &net, const cv::Mat &input320x240)
{
    // (x - 127) / 128 as in fr_detect.js preprocessDetection; RGB as Ultra-Light was trained (the
    // npm JavaScript swaps an RGBA canvas and so feeds BGR; on the samples scores differ < 0.04).
    const cv::Mat blob = cv::dnn::blobFromImage(input320x240, 1.0 / 128.0, cv::Size(),
                                                cv::Scalar::all(127.0), /*swapRB=*/true, false);
    net.setInput(blob);
    std::vector<cv::Mat> outs;
    net.forward(outs, kOutputs);
    if (outs.size() != 2 || outs[0].total() % 4 != 0 || outs[1].total() % 2 != 0
        || outs[0].total() / 4 != outs[1].total() / 2)
        throw FaceModelInvalid("face detector outputs 'boxes' and 'scores' have unexpected shapes");
    const int n = int(outs[0].total() / 4);
    return {outs[0].reshape(1, n), outs[1].reshape(1, n)};
}

} // namespace

FaceDetector::FaceDetector(const std::string &modelsDir, FaceDetectorOptions options)
    : m_options(options),
      m_net(loadOnnxModel(modelsDir + "/" + kDetectModel)),
      m_landmarks(modelsDir + "/" + kLandmarkModel)
{
    // The exported graph already applies the priors and variances (its tail is the centre-form to
    // corner-form arithmetic), so 'boxes' are decoded corners in 0..1. Raw regression offsets
    // would give boxes with x2 < x1 for some anchors: refuse such a model instead of misreading it.
    std::vector<std::string> names = m_net.getUnconnectedOutLayersNames();
    for (const std::string &want : kOutputs)
        if (std::find(names.begin(), names.end(), want) == names.end())
            throw FaceModelInvalid(modelsDir + "/" + kDetectModel + " has no output '" + want + "'");
    const cv::Mat grey(kInputHeight, kInputWidth, CV_8UC3, cv::Scalar::all(127));
    const RawOutput out = runNet(m_net, grey);
    for (int i = 0; i < out.boxes.rows; ++i) {
        const float *b = out.boxes.ptr<float>(i);
        if (!(b[2] > b[0] && b[3] > b[1]))
            throw FaceModelInvalid(modelsDir + "/" + kDetectModel
                                   + ": 'boxes' are not decoded corner boxes");
    }
}

void FaceDetector::detectRegion(const cv::Mat &bgr, const cv::Rect &region, const cv::Size &maxFace,
                                std::vector<cv::Rect2d> &rects, std::vector<float> &scores) const
{
    // Fit the region into the fixed 320x240 input, padded to 4:3 (right or bottom) so faces keep
    // their shape: stretching would squeeze a portrait photo's faces to less than half their width.
    // Downscaling uses INTER_AREA (a 4000 px photo bilinearly shrunk to 320 px aliases into noise);
    // the full-resolution image is kept for landmarks and the warp.
    const cv::Mat src = bgr(region);
    const double fit = std::min(double(kInputWidth) / src.cols, double(kInputHeight) / src.rows);
    const cv::Size scaled(std::clamp(int(std::lround(src.cols * fit)), 1, int(kInputWidth)),
                          std::clamp(int(std::lround(src.rows * fit)), 1, int(kInputHeight)));
    // Exact per-axis factors of the resize actually done (rounding makes them differ slightly).
    const double sx = double(scaled.width) / src.cols;
    const double sy = double(scaled.height) / src.rows;
    cv::Mat input(kInputHeight, kInputWidth, CV_8UC3, cv::Scalar::all(127)); // 127 -> 0 after norm
    const bool shrinking = scaled.width < src.cols && scaled.height < src.rows;
    cv::resize(src, input(cv::Rect(cv::Point(0, 0), scaled)), scaled, 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);

    const RawOutput out = runNet(m_net, input);

    // A face cut by a tile edge inside the photo is whole in a neighbouring tile: drop the cut one.
    const double edge = 2.0;
    const bool innerLeft = region.x > 0, innerTop = region.y > 0;
    const bool innerRight = region.br().x < bgr.cols, innerBottom = region.br().y < bgr.rows;
    for (int i = 0; i < out.scores.rows; ++i) {
        const float score = out.scores.at<float>(i, 1);
        if (score < m_options.scoreThreshold)
            continue;
        const float *b = out.boxes.ptr<float>(i);
        // Fractions of the input -> region pixels, clipped to the region.
        const double x1 = std::clamp(b[0] * kInputWidth / sx, 0.0, double(src.cols));
        const double y1 = std::clamp(b[1] * kInputHeight / sy, 0.0, double(src.rows));
        const double x2 = std::clamp(b[2] * kInputWidth / sx, 0.0, double(src.cols));
        const double y2 = std::clamp(b[3] * kInputHeight / sy, 0.0, double(src.rows));
        if (x2 - x1 < 1.0 || y2 - y1 < 1.0)
            continue;
        if ((innerLeft && x1 < edge) || (innerTop && y1 < edge)
            || (innerRight && x2 > src.cols - edge) || (innerBottom && y2 > src.rows - edge))
            continue;
        if (x2 - x1 > maxFace.width || y2 - y1 > maxFace.height)
            continue;
        rects.emplace_back(region.x + x1, region.y + y1, x2 - x1, y2 - y1);
        scores.push_back(score);
    }
}

std::vector<DetectedFace> FaceDetector::boxesInBgr(const cv::Mat &bgr) const
{
    std::vector<cv::Rect2d> rects;
    std::vector<float> scores;
    detectRegion(bgr, cv::Rect(0, 0, bgr.cols, bgr.rows), bgr.size(), rects, scores);

    // Tiles only where the whole photo was shrunk at least n times (else they add nothing).
    const int n = m_options.tileGrid;
    if (n > 1 && bgr.cols >= n * kInputWidth && bgr.rows >= n * kInputHeight) {
        // Tiles overlap by a quarter of a tile, so any face up to that size is whole in one tile.
        // Larger faces are left to the whole-photo pass (they are well above its size limit);
        // in a tile they would only add face fragments that NMS cannot merge.
        const int tw = int(std::ceil(bgr.cols / (n - (n - 1) * 0.25)));
        const int th = int(std::ceil(bgr.rows / (n - (n - 1) * 0.25)));
        const cv::Size overlap(tw / 4, th / 4);
        for (int ty = 0; ty < n; ++ty)
            for (int tx = 0; tx < n; ++tx) {
                const int x = std::min(bgr.cols - tw, int(std::lround(tx * tw * 0.75)));
                const int y = std::min(bgr.rows - th, int(std::lround(ty * th * 0.75)));
                detectRegion(bgr, cv::Rect(x, y, tw, th), overlap, rects, scores);
            }
    }

    // Greedy IoU NMS, highest score first; keeps the result sorted by score.
    std::vector<int> keep;
    cv::dnn::NMSBoxes(rects, scores, m_options.scoreThreshold, m_options.nmsIou, keep);
    std::vector<DetectedFace> faces;
    faces.reserve(keep.size());
    for (int k : keep) {
        DetectedFace f;
        f.box = cv::Rect2f(rects[k]);
        f.score = scores[k];
        faces.push_back(std::move(f));
    }
    std::stable_sort(faces.begin(), faces.end(),
                     [](const DetectedFace &a, const DetectedFace &b) { return a.score > b.score; });
    return faces;
}

std::vector<DetectedFace> FaceDetector::detectBoxes(const cv::Mat &image) const
{
    return boxesInBgr(toBgr8(image));
}

std::vector<DetectedFace> FaceDetector::detect(const cv::Mat &image) const
{
    const cv::Mat bgr = toBgr8(image);
    std::vector<DetectedFace> faces = boxesInBgr(bgr);
    for (DetectedFace &f : faces) {
        f.landmarks68 = m_landmarks.predict(bgr, f.box);
        f.five = fivePointsFrom68(f.landmarks68);
    }
    return faces;
}

} // namespace facelab::face

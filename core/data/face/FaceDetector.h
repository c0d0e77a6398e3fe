#pragma once
// Faces in ordinary photos: boxes from fr_detect.onnx (Ultra-Light RFB-320), then 68 landmarks
// per box from fr_landmark.onnx, reduced to the five alignment points.
#include "data/face/LandmarkDetector.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <array>
#include <string>
#include <vector>

namespace facelab::face {

struct DetectedFace
{
    cv::Rect2f box;                          // detector box in image pixels, inside the image
    float score = 0.0f;                      // detector confidence (probability of "face")
    std::vector<cv::Point2f> landmarks68;    // iBUG 68 order; empty from detectBoxes()
    std::array<cv::Point2f, 5> five{};       // eyes, nose tip, mouth corners (template order)
};

struct FaceDetectorOptions
{
    // Ultra-Light's own defaults (its detect script: 0.7 and IoU 0.3); the npm JavaScript uses
    // 0.65 / 0.4 with an area-of-one-box overlap that lets overlapping duplicates through.
    float scoreThreshold = 0.7f;
    float nmsIou = 0.3f;
    // 1: the whole photo is fitted into the 320x240 input once. n > 1: the photo is also cut into
    // an n x n grid of overlapping tiles, each detected at full input resolution, which finds faces
    // n times smaller at (1 + n^2) times the cost. Only used on photos large enough to need it.
    int tileGrid = 1;
};

// Reusable and thread-compatible: detect() is const but a cv::dnn::Net is not thread-safe, so
// use one FaceDetector per thread (construction costs a few milliseconds and ~2 MB). Copying is
// disabled because copies of a cv::dnn::Net share one network; move it instead.
// With tileGrid 1, faces smaller than about 1/20 of the photo's width (16 px once the photo is
// fitted into 320x240) start to be missed; tileGrid 2 halves that limit.
class FaceDetector
{
public:
    static constexpr const char *kDetectModel = "fr_detect.onnx";
    static constexpr const char *kLandmarkModel = "fr_landmark.onnx";
    static constexpr int kInputWidth = 320;
    static constexpr int kInputHeight = 240;

    // Loads both models from modelsDir (facelab::modelsDir() in the app). Throws
    // FaceModelsMissing when a file is absent, FaceModelInvalid when it is not the expected model.
    explicit FaceDetector(const std::string &modelsDir, FaceDetectorOptions options = {});
    FaceDetector(const FaceDetector &) = delete;
    FaceDetector &operator=(const FaceDetector &) = delete;
    FaceDetector(FaceDetector &&) = default;
    FaceDetector &operator=(FaceDetector &&) = default;

    // Faces in an image of any common layout (grey, BGR, BGRA; 8/16-bit), best score first, each
    // with landmarks and five points in the image's own (full-resolution) pixel coordinates.
    std::vector<DetectedFace> detect(const cv::Mat &image) const;

    // Boxes and scores only (no landmarks), best score first; for callers that only count faces.
    std::vector<DetectedFace> detectBoxes(const cv::Mat &image) const;

    const FaceDetectorOptions &options() const { return m_options; }

private:
    std::vector<DetectedFace> boxesInBgr(const cv::Mat &bgr) const;
    // Runs the network on one region of bgr; appends candidates above the threshold, in bgr's
    // pixels, dropping boxes larger than maxFace or cut by a region edge inside the photo.
    void detectRegion(const cv::Mat &bgr, const cv::Rect &region, const cv::Size &maxFace,
                      std::vector<cv::Rect2d> &rects, std::vector<float> &scores) const;

    FaceDetectorOptions m_options;
    mutable cv::dnn::Net m_net; // forward() mutates the net; hence one detector per thread
    LandmarkDetector m_landmarks;
};

} // namespace facelab::face

#pragma once
// 68-point facial landmarks (iBUG 300-W order) from fr_landmark.onnx.
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <array>
#include <string>
#include <vector>

namespace facelab::face {

// The square region of the photo the landmark model looks at: centre, side and rotation (radians;
// the crop's x axis points along angle in the image).
struct LandmarkCrop
{
    cv::Point2f centre;
    float side = 0.0f;
    float angle = 0.0f;
};

class LandmarkDetector
{
public:
    static constexpr int kInputSize = 64;
    static constexpr int kPointCount = 68;
    // Passes after the first one on the detector box; each re-crops on the previous points.
    static constexpr int kRefinePasses = 2;

    // Loads the model; throws FaceModelsMissing / FaceModelInvalid.
    explicit LandmarkDetector(const std::string &modelPath);
    LandmarkDetector(const LandmarkDetector &) = delete; // copies would share one cv::dnn::Net
    LandmarkDetector &operator=(const LandmarkDetector &) = delete;
    LandmarkDetector(LandmarkDetector &&) = default;
    LandmarkDetector &operator=(LandmarkDetector &&) = default;

    // The 68 points, in bgr's pixel coordinates, of the face the detector boxed at faceBox.
    // bgr must be 8-bit BGR at any resolution; the box may touch the image border.
    //
    // Pass 1 uses the model's own crop convention (cropForBox). The model is small and framing
    // sensitive: on a tilted head it loses accuracy, and a detector box that sits off the face
    // moves every point. So kRefinePasses more passes crop again, rotated by the eye line and
    // centred on the previous points' centroid (same side). Measured on the six sample photos,
    // with the photo rotated by +-10/20 degrees and the points rotated back, the five alignment
    // points moved by 4.9% of the inter-ocular distance with one pass and 1.8% with three.
    std::vector<cv::Point2f> predict(const cv::Mat &bgr, const cv::Rect2f &faceBox) const;

    // The 68 points for one explicit crop (a single pass).
    std::vector<cv::Point2f> predictInCrop(const cv::Mat &bgr, const LandmarkCrop &crop) const;

    // The crop convention of the model's JavaScript (fr_detect.js scaleResult + fr_landmark.js):
    // a square of side = box height centred on the box, upright. Parts past the image border are
    // filled by replication rather than squeezed as the JavaScript does.
    static LandmarkCrop cropForBox(const cv::Rect2f &faceBox);

private:
    // cv::dnn::Net::forward mutates the net: one LandmarkDetector per thread.
    mutable cv::dnn::Net m_net;
};

// Five alignment points from 68: eye centres (mean of 36-41 and 42-47), nose tip 30,
// mouth corners 48 and 54, in the ArcFace template's order (image-left eye first).
std::array<cv::Point2f, 5> fivePointsFrom68(const std::vector<cv::Point2f> &landmarks68);

} // namespace facelab::face

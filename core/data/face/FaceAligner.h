#pragma once
// Alignment of a face to the ArcFace 112x112 five-point template.
#include <opencv2/core.hpp>

#include <array>
#include <vector>

namespace facelab::face {

constexpr int kAlignedSize = 112;

// ArcFace template: left eye, right eye, nose tip, left and right mouth corner (image left/right).
const std::array<cv::Point2f, 5> &arcfaceTemplate();

// An image that is already exactly 112x112 is taken to be an aligned crop (LFW-style datasets,
// our own exports) and used as it is: detecting again on a crop that tight would only add error.
bool isPreAligned(const cv::Size &size);

// The 2x3 CV_64F similarity mapping the five points onto the template (least squares).
cv::Mat alignmentMatrix(const std::array<cv::Point2f, 5> &five);

// The aligned 112x112 8-bit BGR face: similarity warp of bgr (full resolution) to the template,
// border 0, anti-aliased when the face is much larger than 112 px (see warpSimilarity).
cv::Mat alignFace(const cv::Mat &bgr, const std::array<cv::Point2f, 5> &five);

} // namespace facelab::face

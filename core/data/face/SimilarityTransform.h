#pragma once
// Least-squares similarity transform (rotation, uniform scale, translation; no shear, no
// reflection) between two point sets.
#include <opencv2/core.hpp>

#include <vector>

namespace facelab::face {

// Returns the 2x3 CV_64F matrix M minimising sum |M*[src_i;1] - dst_i|^2 over similarities.
// This is Umeyama's closed form (1991) restricted to proper rotations; in 2-D it reduces to
//   a = sum(<s_i, d_i>) / sum |s_i|^2,  b = sum(s_i x d_i) / sum |s_i|^2   (centred points),
//   M = [a -b tx; b a ty],  t = mean(dst) - [a -b; b a] mean(src),
// which is exact, needs no SVD and cannot produce a reflection.
// Degenerate input (all source points equal) has no defined scale or rotation: the result is
// then the pure translation mean(src) -> mean(dst), never NaN.
// Throws std::invalid_argument when the sizes differ or no points are given.
cv::Mat estimateSimilarity(const std::vector<cv::Point2f> &src, const std::vector<cv::Point2f> &dst);

// Applies a 2x3 CV_64F affine matrix to one point.
cv::Point2f applyAffine(const cv::Mat &m, cv::Point2f p);

// warpAffine of a similarity m (2x3 CV_64F, source -> output) into an image of size out, with
// anti-aliasing: when m shrinks by more than 2x, the source region that lands in the output is
// first reduced with INTER_AREA and the remaining warp composed onto it. A bilinear warp alone
// samples 4 of every (1/scale)^2 source pixels, so a 1000 px face warped to 112 px aliases.
cv::Mat warpSimilarity(const cv::Mat &src, const cv::Mat &m, const cv::Size &out, int borderMode,
                       const cv::Scalar &borderValue = cv::Scalar());

} // namespace facelab::face

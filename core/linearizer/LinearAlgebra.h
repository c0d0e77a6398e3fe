#pragma once
// The linear algebra the Linearizer is for, on A as a plain matrix (D x L, CV_32F or CV_64F):
// singular values, the best rank-k approximation, and removing directions from A's range.
// Torch-free and Qt-free (OpenCV's SVD), so the jobs and the view share it.
#include <opencv2/core.hpp>

#include <vector>

namespace facelab::linearizer {

// Singular values, largest first.
std::vector<double> singularValues(const cv::Mat &a);
// Cumulative energy sum_{i<=k} s_i^2 / sum s_i^2 for k = 1..n.
std::vector<double> cumulativeEnergy(const std::vector<double> &singularValues);
// The best rank-k approximation of a (Eckart-Young): U_k S_k V_k^T. k >= min(D, L) returns a.
cv::Mat truncatedRank(const cv::Mat &a, int k);
// An orthonormal basis (rows, CV_64F) of the span of the rows of `directions` (Gram-Schmidt twice;
// rows whose remainder is below tol times their norm are dropped as dependent).
cv::Mat orthonormalRows(const cv::Mat &directions, double tol = 1e-8);
// A' = (I - P) a with P the orthogonal projector onto the span of `directions` (rows, D wide):
// whatever A sends anywhere loses its component in that span. Same type as a.
cv::Mat projectOutOfRange(const cv::Mat &a, const cv::Mat &directions);

} // namespace facelab::linearizer

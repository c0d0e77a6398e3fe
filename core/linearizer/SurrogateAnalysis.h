#pragma once
// A trained surrogate taken apart, for the view and the linear operations: its sandwich-flow
// stages for some faces, A as a matrix, g_y^-1 alone, and a copy with A replaced. Torch-free
// header (OpenCV matrices, rows = images, CV_32F) so Qt code can use it.
#include "nn/FaceModel.h"

#include <opencv2/core.hpp>

#include <vector>

namespace facelab::linearizer {

struct SandwichStages
{
    cv::Mat latent;       // g_x(x), N x L
    cv::Mat transformed;  // A g_x(x), N x D
    cv::Mat embedding;    // f(x) = g_y^-1(A g_x(x)), N x D (not normalised)
};

// Faces are aligned 8-bit BGR crops, fed with the surrogate's preprocessing in batches of 64.
// Throws nn::ModelError for a model that is not a surrogate.
SandwichStages sandwichStages(const nn::FaceModel &surrogate, const std::vector<cv::Mat> &faces);
// g_y^-1 of rows of the transformed space (N x D) -> N x D embeddings.
cv::Mat embeddingsFromTransformed(const nn::FaceModel &surrogate, const cv::Mat &transformed);
// A materialised, D x L.
cv::Mat matrixA(const nn::FaceModel &surrogate);
// A deep copy of the surrogate with A replaced by `a` (D x L; a low-rank surrogate stores its best
// rank-r approximation). The original is untouched.
nn::FaceModel withMatrixA(const nn::FaceModel &surrogate, const cv::Mat &a);

} // namespace facelab::linearizer

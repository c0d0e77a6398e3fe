#pragma once
// Which detected face an image stands for when it holds several.
#include "data/face/FaceDetector.h"

#include <opencv2/core.hpp>

#include <vector>

namespace facelab::face {

// Detection scores within this distance of the best count as equally confident (softmax scores
// of clear faces all sit at 0.99+, so their differences say nothing).
constexpr float kChoiceScoreTolerance = 0.05f;

// Index of the face kept for an image of imageSize, or -1 when faces is empty.
// Confidence first: only faces scoring within kChoiceScoreTolerance of the best compete, so a
// large blurred background region with a weak score never beats a sharp face. Among those, the
// largest box wins, weighted down by its distance from the image centre (the subject of a photo
// is usually big and central; bystanders are smaller or at the edges).
int chooseFace(const std::vector<DetectedFace> &faces, const cv::Size &imageSize);

} // namespace facelab::face

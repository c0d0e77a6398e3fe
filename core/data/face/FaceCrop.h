#pragma once
// One image in, the aligned face it stands for out: the path every import takes.
#include "data/face/FaceDetector.h"

#include <opencv2/core.hpp>

namespace facelab::face {

struct FaceCrop
{
    cv::Mat aligned;         // 112x112 8-bit BGR; empty when no face was found
    bool preAligned = false; // the input was already a 112x112 crop and is used as it is
    int facesFound = 0;      // faces the detector saw (0 for a pre-aligned input)
    DetectedFace face;       // the chosen face, in the input's pixels (unset when preAligned)
};

// Pre-aligned 112x112 inputs pass through (converted to 8-bit BGR); otherwise detect, keep the
// face chooseFace() picks and align it from the full-resolution image.
FaceCrop cropFace(const cv::Mat &image, const FaceDetector &detector);

} // namespace facelab::face

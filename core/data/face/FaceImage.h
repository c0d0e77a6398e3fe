#pragma once
// Turning image files and in-memory images into the 8-bit BGR the face stage works on.
#include "data/face/JpegStructure.h"

#include <opencv2/core.hpp>

#include <cstddef>
#include <string>

namespace facelab::face {

// Decodes an image file to 8-bit, 3-channel BGR at full resolution, upright.
// - The EXIF orientation is applied (JPEG APP1 and PNG eXIf, as OpenCV's colour decode does), so
//   phone photos stand upright; this also holds for PNGs with alpha, which OpenCV would not turn.
// - Grey is expanded, alpha is composited over black (the same black the aligner puts outside the
//   photo) and 16-bit is scaled to 8-bit.
// - A JPEG whose marker structure is broken or cut short is refused rather than decoded into a
//   half-grey picture.
// Throws FaceImageError naming the file for a missing, empty, unknown, corrupt or truncated file.
cv::Mat loadFaceImage(const std::string &path);

// Converts a decoded image of any common layout (grey, grey+alpha, BGR, BGRA; 8/16-bit, or float
// in 0..1) to 8-bit BGR. A 3-channel 8-bit input is returned as is (shared, not copied).
// Throws FaceError for an empty image or an unsupported depth.
cv::Mat toBgr8(const cv::Mat &image);

} // namespace facelab::face

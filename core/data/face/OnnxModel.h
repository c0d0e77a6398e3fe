#pragma once
// Loading an ONNX file into OpenCV dnn with the face stage's errors (internal to data/face).
#include <opencv2/dnn.hpp>

#include <string>

namespace facelab::face {

// Reads modelPath with cv::dnn on the plain CPU backend. Throws FaceModelsMissing when the file
// is absent and FaceModelInvalid when OpenCV cannot parse it.
cv::dnn::Net loadOnnxModel(const std::string &modelPath);

} // namespace facelab::face

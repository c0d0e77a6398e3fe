#pragma once
// Reading an ONNX graph with OpenCV dnn, FaceLab's second runtime. OpenCV 4.6 takes Clip's min/max
// only as attributes (opset < 11); PyTorch exports ReLU6 as Clip with constant min/max inputs from
// opset 11 on, so OpenCV refuses most modern exports. The graph OpenCV reads is therefore a copy
// in which such constant inputs are turned into attributes: same computation, readable.
#include "nn/OnnxModelFile.h"

#include <opencv2/dnn.hpp>

#include <string>

namespace facelab::nn {

// The serialized copy, or "" when no node needs rewriting (OpenCV then reads the file itself).
std::string openCvCompatibleBytes(const OnnxModelFile &file);

// OpenCV dnn's net for the file, through the rewritten copy when one is needed. Throws cv::Exception.
cv::dnn::Net readOpenCvNet(const OnnxModelFile &file);

} // namespace facelab::nn

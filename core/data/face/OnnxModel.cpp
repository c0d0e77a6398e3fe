#include "data/face/OnnxModel.h"

#include "data/face/FaceErrors.h"

#include <fstream>

namespace facelab::face {

cv::dnn::Net loadOnnxModel(const std::string &modelPath)
{
    if (!std::ifstream(modelPath, std::ios::binary))
        throw FaceModelsMissing(modelPath);
    cv::dnn::Net net;
    try {
        net = cv::dnn::readNetFromONNX(modelPath);
    } catch (const cv::Exception &e) {
        throw FaceModelInvalid("cannot load face model " + modelPath + ": " + e.what());
    }
    if (net.empty())
        throw FaceModelInvalid("cannot load face model " + modelPath + ": empty network");
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
}

} // namespace facelab::face

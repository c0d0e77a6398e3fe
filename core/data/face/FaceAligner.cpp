#include "data/face/FaceAligner.h"

#include "data/face/SimilarityTransform.h"

namespace facelab::face {

const std::array<cv::Point2f, 5> &arcfaceTemplate()
{
    static const std::array<cv::Point2f, 5> t = {
        cv::Point2f(38.2946f, 51.6963f), cv::Point2f(73.5318f, 51.5014f),
        cv::Point2f(56.0252f, 71.7366f), cv::Point2f(41.5493f, 92.3655f),
        cv::Point2f(70.7299f, 92.2041f)};
    return t;
}

bool isPreAligned(const cv::Size &size)
{
    return size.width == kAlignedSize && size.height == kAlignedSize;
}

cv::Mat alignmentMatrix(const std::array<cv::Point2f, 5> &five)
{
    const auto &t = arcfaceTemplate();
    return estimateSimilarity(std::vector<cv::Point2f>(five.begin(), five.end()),
                              std::vector<cv::Point2f>(t.begin(), t.end()));
}

cv::Mat alignFace(const cv::Mat &bgr, const std::array<cv::Point2f, 5> &five)
{
    CV_Assert(!bgr.empty());
    return warpSimilarity(bgr, alignmentMatrix(five), cv::Size(kAlignedSize, kAlignedSize),
                          cv::BORDER_CONSTANT, cv::Scalar::all(0));
}

} // namespace facelab::face

#include "data/face/FaceCrop.h"

#include "data/face/FaceAligner.h"
#include "data/face/FaceChoice.h"
#include "data/face/FaceImage.h"

namespace facelab::face {

FaceCrop cropFace(const cv::Mat &image, const FaceDetector &detector)
{
    FaceCrop crop;
    const cv::Mat bgr = toBgr8(image);
    if (isPreAligned(bgr.size())) {
        crop.aligned = bgr.clone();
        crop.preAligned = true;
        return crop;
    }
    std::vector<DetectedFace> faces = detector.detect(bgr);
    crop.facesFound = int(faces.size());
    const int chosen = chooseFace(faces, bgr.size());
    if (chosen < 0)
        return crop;
    crop.face = std::move(faces[chosen]);
    crop.aligned = alignFace(bgr, crop.face.five);
    return crop;
}

} // namespace facelab::face

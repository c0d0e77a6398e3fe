#include "data/face/FaceChoice.h"

#include <algorithm>
#include <cmath>

namespace facelab::face {

int chooseFace(const std::vector<DetectedFace> &faces, const cv::Size &imageSize)
{
    if (faces.empty())
        return -1;
    float best = 0.0f;
    for (const DetectedFace &f : faces)
        best = std::max(best, f.score);

    const cv::Point2f centre(imageSize.width * 0.5f, imageSize.height * 0.5f);
    const float halfDiagonal = std::max(1.0f, std::hypot(centre.x, centre.y));
    int chosen = -1;
    double chosenValue = -1.0;
    for (size_t i = 0; i < faces.size(); ++i) {
        const DetectedFace &f = faces[i];
        if (f.score < best - kChoiceScoreTolerance)
            continue;
        const cv::Point2f c(f.box.x + f.box.width * 0.5f, f.box.y + f.box.height * 0.5f);
        const double offCentre = std::min(1.0, double(std::hypot(c.x - centre.x, c.y - centre.y)) / halfDiagonal);
        // A face at a corner counts half its area against one in the middle.
        const double value = double(f.box.area()) * (1.0 - 0.5 * offCentre);
        if (value > chosenValue || (value == chosenValue && f.score > faces[chosen].score)) {
            chosen = int(i);
            chosenValue = value;
        }
    }
    return chosen;
}

} // namespace facelab::face

#include "RecordIoImage.h"

#include <opencv2/imgcodecs.hpp>

namespace facelab::data {

cv::Mat decodeRecordImage(const RecordIoRecord &record, const std::string &recPath)
{
    cv::Mat img;
    if (!record.payload.empty()) {
        const cv::Mat bytes(1, int(record.payload.size()), CV_8U, const_cast<char *>(record.payload.data()));
        try {
            img = cv::imdecode(bytes, cv::IMREAD_COLOR);
        } catch (const cv::Exception &) {
            img.release();   // reported below like any undecodable payload
        }
    }
    if (img.empty())
        throw RecordIoError(recPath + ": record " + std::to_string(record.key) + ": its " +
                            std::to_string(record.payload.size()) + " bytes of image are not an image OpenCV decodes");
    return img;
}

} // namespace facelab::data

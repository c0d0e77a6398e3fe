#pragma once
// The one OpenCV part of reading RecordIO packs: a record's payload decoded to 8-bit BGR.
#include "RecordIo.h"

#include <opencv2/core.hpp>

namespace facelab::data {

// Decodes the payload (JPEG or PNG, as cv::imdecode reads). Throws RecordIoError naming the pack
// and the record when the bytes are not an image.
cv::Mat decodeRecordImage(const RecordIoRecord &record, const std::string &recPath);

} // namespace facelab::data

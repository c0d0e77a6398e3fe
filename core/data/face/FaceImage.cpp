#include "data/face/FaceImage.h"

#include "data/face/FaceErrors.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <vector>

namespace facelab::face {

namespace {

bool isJpeg(const std::vector<unsigned char> &b)
{
    return b.size() >= 2 && b[0] == 0xFF && b[1] == 0xD8; // start-of-image marker
}

bool isPng(const std::vector<unsigned char> &b)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    return b.size() >= 8 && std::equal(sig, sig + 8, b.begin());
}

uint32_t bigEndian32(const unsigned char *p)
{
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// What the PNG chunks say about transparency and orientation.
struct PngFacts
{
    bool alpha = false;  // colour type with alpha, or a tRNS (transparent colour) chunk
    int orientation = 1; // EXIF orientation from an eXIf chunk, 1 when absent
};

// Orientation tag (0x0112) of a TIFF-structured EXIF block, 1 when absent or unreadable.
int exifOrientation(const unsigned char *d, size_t n)
{
    if (n < 8)
        return 1;
    const bool le = d[0] == 'I' && d[1] == 'I';
    if (!le && !(d[0] == 'M' && d[1] == 'M'))
        return 1;
    auto u16 = [&](size_t o) { return le ? d[o] | (d[o + 1] << 8) : (d[o] << 8) | d[o + 1]; };
    auto u32 = [&](size_t o) {
        return le ? uint32_t(u16(o)) | (uint32_t(u16(o + 2)) << 16) : (uint32_t(u16(o)) << 16) | u16(o + 2);
    };
    const size_t ifd = u32(4);
    if (ifd + 2 > n)
        return 1;
    const int count = u16(ifd);
    for (int i = 0; i < count; ++i) {
        const size_t e = ifd + 2 + size_t(i) * 12;
        if (e + 12 > n)
            break;
        if (u16(e) == 0x0112 && u16(e + 2) == 3) { // Orientation, SHORT
            const int o = u16(e + 8);
            return o >= 1 && o <= 8 ? o : 1;
        }
    }
    return 1;
}

PngFacts pngFacts(const std::vector<unsigned char> &b)
{
    PngFacts facts;
    size_t i = 8;
    while (i + 12 <= b.size()) {
        const size_t len = bigEndian32(&b[i]);
        const std::string type(reinterpret_cast<const char *>(&b[i + 4]), 4);
        const unsigned char *data = &b[i + 8];
        if (i + 12 + len > b.size())
            break;
        if (type == "IHDR" && len >= 10)
            facts.alpha = facts.alpha || data[9] == 4 || data[9] == 6; // grey+alpha, RGBA
        else if (type == "tRNS")
            facts.alpha = true;
        else if (type == "eXIf")
            facts.orientation = exifOrientation(data, len);
        else if (type == "IDAT" || type == "IEND")
            break; // eXIf and tRNS must come before the image data
        i += 12 + len;
    }
    return facts;
}

// The same turn OpenCV applies for an EXIF orientation when it decodes to colour.
cv::Mat applyOrientation(const cv::Mat &img, int orientation)
{
    cv::Mat out;
    switch (orientation) {
    case 2: cv::flip(img, out, 1); return out;
    case 3: cv::flip(img, out, -1); return out;
    case 4: cv::flip(img, out, 0); return out;
    case 5: cv::transpose(img, out); return out;
    case 6: cv::rotate(img, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: cv::transpose(img, out); cv::flip(out, out, -1); return out;
    case 8: cv::rotate(img, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return img;
    }
}

std::vector<unsigned char> readFileBytes(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw FaceImageError(path, "file does not exist or is not readable");
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    if (in.bad())
        throw FaceImageError(path, "read error");
    if (bytes.empty())
        throw FaceImageError(path, "file is empty");
    return bytes;
}

// Composites an 8-bit image with a trailing alpha channel over black.
cv::Mat compositeOverBlack(const cv::Mat &withAlpha)
{
    std::vector<cv::Mat> ch;
    cv::split(withAlpha, ch);
    const cv::Mat alpha = ch.back();
    ch.pop_back();
    for (cv::Mat &c : ch)
        cv::multiply(c, alpha, c, 1.0 / 255.0);
    cv::Mat out;
    cv::merge(ch, out);
    return out;
}

} // namespace

cv::Mat toBgr8(const cv::Mat &image)
{
    if (image.empty())
        throw FaceError("empty image given to the face stage");
    cv::Mat img8;
    switch (image.depth()) {
    case CV_8U:
        img8 = image;
        break;
    case CV_16U:
        image.convertTo(img8, CV_8U, 1.0 / 257.0);
        break;
    case CV_32F:
    case CV_64F:
        image.convertTo(img8, CV_8U, 255.0);
        break;
    default:
        throw FaceError("unsupported pixel depth for face detection (expected 8/16-bit or float)");
    }
    switch (img8.channels()) {
    case 3:
        return img8;
    case 1: {
        cv::Mat bgr;
        cv::cvtColor(img8, bgr, cv::COLOR_GRAY2BGR);
        return bgr;
    }
    case 2: {
        cv::Mat bgr;
        cv::cvtColor(compositeOverBlack(img8), bgr, cv::COLOR_GRAY2BGR);
        return bgr;
    }
    case 4:
        return compositeOverBlack(img8);
    default:
        throw FaceError("unsupported channel count " + std::to_string(img8.channels())
                        + " for face detection");
    }
}

cv::Mat loadFaceImage(const std::string &path)
{
    const std::vector<unsigned char> bytes = readFileBytes(path);
    const bool jpeg = isJpeg(bytes);
    if (jpeg) {
        if (std::string problem = jpegStructureProblem(bytes.data(), bytes.size()); !problem.empty())
            throw FaceImageError(path, problem);
    }
    // OpenCV 4.6 applies the EXIF orientation (JPEG APP1, PNG eXIf) only when it decodes to
    // colour, which drops alpha. So: colour decode wherever there is no alpha to keep; a PNG with
    // alpha is decoded unchanged and turned here; other formats (WebP, TIFF, BMP) carry no
    // orientation OpenCV reads, and are decoded unchanged to keep alpha and 16-bit.
    int flags = cv::IMREAD_UNCHANGED;
    int orientation = 1;
    if (jpeg) {
        flags = cv::IMREAD_COLOR;
    } else if (isPng(bytes)) {
        const PngFacts facts = pngFacts(bytes);
        if (facts.alpha)
            orientation = facts.orientation;
        else
            flags = cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH;
    }
    cv::Mat decoded;
    try {
        decoded = applyOrientation(cv::imdecode(bytes, flags), orientation);
    } catch (const cv::Exception &e) {
        throw FaceImageError(path, std::string("decoder error: ") + e.what());
    }
    if (decoded.empty())
        throw FaceImageError(path, "not a decodable image (unknown format or corrupt data)");
    try {
        return toBgr8(decoded);
    } catch (const FaceError &e) {
        throw FaceImageError(path, e.what());
    }
}

} // namespace facelab::face

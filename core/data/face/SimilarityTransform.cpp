#include "data/face/SimilarityTransform.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace facelab::face {

cv::Mat estimateSimilarity(const std::vector<cv::Point2f> &src, const std::vector<cv::Point2f> &dst)
{
    if (src.size() != dst.size())
        throw std::invalid_argument("estimateSimilarity: point counts differ");
    if (src.empty())
        throw std::invalid_argument("estimateSimilarity: no points");
    const double n = double(src.size());

    // Double precision throughout: pixel coordinates of large photos squared reach 1e7.
    cv::Point2d ms(0, 0), md(0, 0);
    for (size_t i = 0; i < src.size(); ++i) {
        ms += cv::Point2d(src[i]);
        md += cv::Point2d(dst[i]);
    }
    ms *= 1.0 / n;
    md *= 1.0 / n;

    double norm = 0, dotSum = 0, crossSum = 0;
    for (size_t i = 0; i < src.size(); ++i) {
        const cv::Point2d s = cv::Point2d(src[i]) - ms;
        const cv::Point2d d = cv::Point2d(dst[i]) - md;
        norm += s.dot(s);
        dotSum += s.dot(d);
        crossSum += s.cross(d);
    }

    double a = 1.0, b = 0.0; // degenerate source: translation only
    // Relative tolerance: the source spread must be meaningful against its own magnitude.
    const double scaleRef = std::max(1.0, ms.dot(ms));
    if (norm > 1e-12 * scaleRef * n) {
        a = dotSum / norm;
        b = crossSum / norm;
    }
    const double tx = md.x - (a * ms.x - b * ms.y);
    const double ty = md.y - (b * ms.x + a * ms.y);
    return (cv::Mat_<double>(2, 3) << a, -b, tx, b, a, ty);
}

cv::Point2f applyAffine(const cv::Mat &m, cv::Point2f p)
{
    CV_Assert(m.rows == 2 && m.cols == 3 && m.type() == CV_64F);
    const double *r0 = m.ptr<double>(0);
    const double *r1 = m.ptr<double>(1);
    return {float(r0[0] * p.x + r0[1] * p.y + r0[2]), float(r1[0] * p.x + r1[1] * p.y + r1[2])};
}

cv::Mat warpSimilarity(const cv::Mat &src, const cv::Mat &m, const cv::Size &out, int borderMode,
                       const cv::Scalar &borderValue)
{
    CV_Assert(!src.empty() && m.rows == 2 && m.cols == 3 && m.type() == CV_64F);
    const double scale = std::hypot(m.at<double>(0, 0), m.at<double>(1, 0));
    cv::Mat warped;
    if (scale > 0.0 && scale < 0.5) {
        // Source region that lands in the output, plus a margin for the interpolation kernel.
        cv::Mat inv;
        cv::invertAffineTransform(m, inv);
        std::vector<cv::Point2f> corners = {{0.f, 0.f}, {float(out.width), 0.f}, {0.f, float(out.height)},
                                            {float(out.width), float(out.height)}};
        cv::transform(corners, corners, inv);
        cv::Rect region = cv::boundingRect(corners);
        const int margin = int(std::ceil(2.0 / scale));
        region = cv::Rect(region.x - margin, region.y - margin, region.width + 2 * margin,
                          region.height + 2 * margin)
                 & cv::Rect(0, 0, src.cols, src.rows);
        if (region.area() > 0) {
            const cv::Size small(std::max(1, int(std::lround(region.width * scale))),
                                 std::max(1, int(std::lround(region.height * scale))));
            cv::Mat shrunk;
            cv::resize(src(region), shrunk, small, 0, 0, cv::INTER_AREA);
            // resize maps pixel centres: x_src = region.x + (x_small + 0.5) / fx - 0.5.
            const double fx = double(small.width) / region.width;
            const double fy = double(small.height) / region.height;
            const cv::Mat smallToSrc = (cv::Mat_<double>(3, 3) << 1.0 / fx, 0, region.x + 0.5 / fx - 0.5,
                                        0, 1.0 / fy, region.y + 0.5 / fy - 0.5, 0, 0, 1);
            const cv::Mat composed = m * smallToSrc;
            cv::warpAffine(shrunk, warped, composed, out, cv::INTER_LINEAR, borderMode, borderValue);
            return warped;
        }
    }
    cv::warpAffine(src, warped, m, out, cv::INTER_LINEAR, borderMode, borderValue);
    return warped;
}

} // namespace facelab::face

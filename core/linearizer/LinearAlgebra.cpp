#include "linearizer/LinearAlgebra.h"

#include <stdexcept>

namespace facelab::linearizer {

namespace {
cv::Mat asDouble(const cv::Mat &m)
{
    if (m.channels() != 1 || m.dims != 2)
        throw std::invalid_argument("expected a one-channel matrix");
    cv::Mat d;
    m.convertTo(d, CV_64F);
    return d;
}
} // namespace

std::vector<double> singularValues(const cv::Mat &a)
{
    cv::Mat w;
    cv::SVD::compute(asDouble(a), w, cv::SVD::NO_UV);
    return std::vector<double>(w.begin<double>(), w.end<double>());
}

std::vector<double> cumulativeEnergy(const std::vector<double> &s)
{
    double total = 0;
    for (double v : s)
        total += v * v;
    std::vector<double> out;
    double run = 0;
    for (double v : s) {
        run += v * v;
        out.push_back(total > 0 ? run / total : 0.0);
    }
    return out;
}

cv::Mat truncatedRank(const cv::Mat &a, int k)
{
    if (k < 0)
        throw std::invalid_argument("rank must be >= 0");
    const cv::Mat d = asDouble(a);
    if (k >= std::min(d.rows, d.cols))
        return a.clone();
    cv::Mat w, u, vt;
    cv::SVD::compute(d, w, u, vt);   // u: D x n, vt: n x L
    cv::Mat out = cv::Mat::zeros(d.size(), CV_64F);
    if (k > 0)
        out = u.colRange(0, k) * cv::Mat::diag(w.rowRange(0, k)) * vt.rowRange(0, k);
    cv::Mat typed;
    out.convertTo(typed, a.type());
    return typed;
}

cv::Mat orthonormalRows(const cv::Mat &directions, double tol)
{
    const cv::Mat d = asDouble(directions);
    cv::Mat basis(0, d.cols, CV_64F);
    for (int r = 0; r < d.rows; ++r) {
        cv::Mat v = d.row(r).clone();
        const double n0 = cv::norm(v);
        if (n0 <= 0)
            continue;
        for (int pass = 0; pass < 2; ++pass)   // twice: classical Gram-Schmidt loses orthogonality once
            for (int b = 0; b < basis.rows; ++b)
                v -= basis.row(b).dot(v) * basis.row(b);
        const double n = cv::norm(v);
        if (n > tol * n0)
            basis.push_back(cv::Mat(v / n));
    }
    return basis;
}

cv::Mat projectOutOfRange(const cv::Mat &a, const cv::Mat &directions)
{
    const cv::Mat d = asDouble(a);
    if (directions.cols != d.rows)
        throw std::invalid_argument("directions must be as wide as A has rows (the output space)");
    const cv::Mat q = orthonormalRows(directions);   // k x D
    cv::Mat out = d.clone();
    if (q.rows > 0)
        out -= q.t() * (q * d);
    cv::Mat typed;
    out.convertTo(typed, a.type());
    return typed;
}

} // namespace facelab::linearizer

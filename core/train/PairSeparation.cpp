#include "PairSeparation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace facelab::train {

Separation separation(const std::vector<double> &scores, const std::vector<bool> &same)
{
    Separation out;
    const size_t n = std::min(scores.size(), same.size());
    if (n == 0)
        return out;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return scores[x] > scores[y]; });
    const double pos = double(std::count(same.begin(), same.begin() + long(n), true));
    const double neg = double(n) - pos;

    // Walk the thresholds from high to low, one group of tied scores at a time: predicting "same"
    // for scores >= the group's value. The reported threshold is halfway to the next lower score.
    double tp = 0, fp = 0;
    out.accuracy = neg / double(n);   // threshold above every score: all "different"
    out.threshold = scores[order[0]] + 1e-6;
    double aucSum = 0;                // Mann-Whitney: positives ranked above negatives, ties half
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double groupPos = 0, groupNeg = 0;
        while (j < n && scores[order[j]] == scores[order[i]]) {
            (same[order[j]] ? groupPos : groupNeg) += 1;
            ++j;
        }
        aucSum += groupNeg * tp + 0.5 * groupNeg * groupPos;
        tp += groupPos;
        fp += groupNeg;
        const double acc = (tp + (neg - fp)) / double(n);
        if (acc > out.accuracy) {
            out.accuracy = acc;
            const double here = scores[order[i]];
            out.threshold = j < n ? 0.5 * (here + scores[order[j]]) : here - 1e-6;
        }
        i = j;
    }
    out.auc = (pos > 0 && neg > 0) ? aucSum / (pos * neg) : 0.5;
    return out;
}

} // namespace facelab::train

namespace facelab::train {

FarThreshold thresholdAtFar(const std::vector<double> &scores, const std::vector<bool> &same, double far)
{
    const size_t n = std::min(scores.size(), same.size());
    std::vector<double> neg, pos;
    for (size_t i = 0; i < n; ++i)
        (same[i] ? pos : neg).push_back(scores[i]);
    FarThreshold out;
    if (neg.empty()) {
        out.threshold = -1;
        out.tar = pos.empty() ? 0 : 1;
        return out;
    }
    std::sort(neg.begin(), neg.end(), std::greater<>());
    // k negatives may be accepted; ties are accepted together, so step back past a tie.
    size_t k = size_t(std::floor(far * double(neg.size()) + 1e-9));
    k = std::min(k, neg.size());
    while (k > 0 && k < neg.size() && neg[k] == neg[k - 1])
        --k;
    // Accept scores > neg[k] (the first rejected negative): halfway to the lowest accepted one.
    if (k == neg.size())
        out.threshold = neg.back() - 1e-6;
    else if (k == 0)
        out.threshold = neg[0] + 1e-6;
    else
        out.threshold = 0.5 * (neg[k - 1] + neg[k]);
    size_t fa = 0, ta = 0;
    for (double s : neg)
        fa += s >= out.threshold;
    for (double s : pos)
        ta += s >= out.threshold;
    out.far = double(fa) / double(neg.size());
    out.tar = pos.empty() ? 0 : double(ta) / double(pos.size());
    return out;
}

} // namespace facelab::train

#include "PairSeparation.h"

#include <algorithm>
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

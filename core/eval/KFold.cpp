#include "KFold.h"

#include "VerificationMetrics.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace facelab::eval {

std::vector<std::size_t> foldBoundaries(std::size_t n, int k)
{
    std::vector<std::size_t> b(std::size_t(k) + 1, 0);
    const std::size_t base = n / std::size_t(k), extra = n % std::size_t(k);
    for (int f = 0; f < k; ++f)
        b[std::size_t(f) + 1] = b[std::size_t(f)] + base + (std::size_t(f) < extra ? 1 : 0);
    return b;
}

KFoldResult kfoldAccuracy(const RankedScores &ranked, const std::vector<double> &scores,
                          const std::vector<unsigned char> &same, int k)
{
    if (k < 2)
        throw std::invalid_argument("k-fold needs at least 2 folds (got " + std::to_string(k) + ")");
    if (std::size_t(k) > scores.size())
        throw std::invalid_argument("k-fold with " + std::to_string(k) + " folds needs at least " + std::to_string(k) +
                                    " pairs (have " + std::to_string(scores.size()) + ")");
    KFoldResult r;
    r.folds = k;
    const std::vector<std::size_t> b = foldBoundaries(scores.size(), k);
    double sum = 0;
    for (int f = 0; f < k; ++f) {
        FoldResult fr;
        fr.begin = b[std::size_t(f)];
        fr.end = b[std::size_t(f) + 1];
        // One pass over the globally sorted scores per fold, skipping the held-out range: no
        // re-sorting, O(n) per fold.
        fr.threshold = ranked.bestAccuracyThreshold(fr.begin, fr.end).threshold;
        fr.accuracy = confusionAt(scores, same, fr.threshold, fr.begin, fr.end).accuracy();
        sum += fr.accuracy;
        r.perFold.push_back(fr);
    }
    r.accuracyMean = sum / k;
    double sq = 0;
    for (const FoldResult &fr : r.perFold)
        sq += (fr.accuracy - r.accuracyMean) * (fr.accuracy - r.accuracyMean);
    r.accuracyStd = std::sqrt(sq / k);
    return r;
}

} // namespace facelab::eval

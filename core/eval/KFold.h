#pragma once
// The InsightFace verification protocol: k folds of consecutive pairs in pair order (no shuffle);
// for each fold the best-accuracy threshold is chosen on the other k-1 folds and the accuracy
// measured on the held-out one. Fold sizes as scikit-learn's KFold: n / k each, the first n % k
// folds one larger.
#include "RankedScores.h"

#include <QVector>
#include <vector>

namespace facelab::eval {

struct FoldResult
{
    std::size_t begin = 0, end = 0;   // held-out pairs [begin, end) in pair order
    double threshold = 0;             // chosen on the other folds
    double accuracy = 0;              // on the held-out fold
};

struct KFoldResult
{
    int folds = 0;
    QVector<FoldResult> perFold;
    double accuracyMean = 0;
    double accuracyStd = 0;   // population standard deviation (ddof = 0), as numpy's np.std
};

// Pair i's fold boundaries for n pairs and k folds.
std::vector<std::size_t> foldBoundaries(std::size_t n, int k);

// ranked must be built from the same scores and same vectors. Throws std::invalid_argument for
// k < 2 or k > number of pairs.
KFoldResult kfoldAccuracy(const RankedScores &ranked, const std::vector<double> &scores,
                          const std::vector<unsigned char> &same, int k);

} // namespace facelab::eval

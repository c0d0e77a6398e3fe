#pragma once
// Decisions at one threshold: a pair is predicted "same" when its score >= threshold.
#include <QtGlobal>
#include <optional>
#include <vector>

namespace facelab::eval {

struct Confusion
{
    qint64 tp = 0, tn = 0, fp = 0, fn = 0;

    qint64 total() const { return tp + tn + fp + fn; }
    double accuracy() const { return total() ? double(tp + tn) / double(total()) : 0.0; }
    // Undefined (nullopt) when nothing is predicted same / nothing is truly same: never a made-up 0.
    std::optional<double> precision() const;
    std::optional<double> recall() const;
    std::optional<double> f1() const;
};

// scores and same have equal length; same[i] != 0 means the pair is truly the same person.
Confusion confusionAt(const std::vector<double> &scores, const std::vector<unsigned char> &same, double threshold);
// The same for the pairs with index in [begin, end) only (one k-fold test fold).
Confusion confusionAt(const std::vector<double> &scores, const std::vector<unsigned char> &same, double threshold,
                      std::size_t begin, std::size_t end);

} // namespace facelab::eval

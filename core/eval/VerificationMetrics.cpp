#include "VerificationMetrics.h"

namespace facelab::eval {

std::optional<double> Confusion::precision() const
{
    if (tp + fp == 0)
        return std::nullopt;
    return double(tp) / double(tp + fp);
}

std::optional<double> Confusion::recall() const
{
    if (tp + fn == 0)
        return std::nullopt;
    return double(tp) / double(tp + fn);
}

std::optional<double> Confusion::f1() const
{
    // 2TP / (2TP + FP + FN): equal to the harmonic mean where both are defined, and defined
    // (0) when precision is not but recall is 0.
    if (tp + fp + fn == 0)
        return std::nullopt;
    return 2.0 * double(tp) / double(2 * tp + fp + fn);
}

Confusion confusionAt(const std::vector<double> &scores, const std::vector<unsigned char> &same, double threshold,
                      std::size_t begin, std::size_t end)
{
    Confusion c;
    for (std::size_t i = begin; i < end; ++i) {
        const bool predicted = scores[i] >= threshold;
        if (same[i])
            (predicted ? c.tp : c.fn)++;
        else
            (predicted ? c.fp : c.tn)++;
    }
    return c;
}

Confusion confusionAt(const std::vector<double> &scores, const std::vector<unsigned char> &same, double threshold)
{
    return confusionAt(scores, same, threshold, 0, scores.size());
}

} // namespace facelab::eval

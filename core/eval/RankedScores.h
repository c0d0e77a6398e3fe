#pragma once
// The scores sorted once, highest first, so every threshold-free quantity is one pass over them
// (O(n log n) overall). Tied scores form one group: a threshold cannot separate them, so they
// always move together (along the ROC, in the best-threshold search, in every k-fold).
#include <QtGlobal>
#include <cstdint>
#include <vector>

namespace facelab::eval {

struct ScoreGroup
{
    double score = 0;   // the shared score
    qint64 same = 0;    // pairs of this score that are truly the same
    qint64 different = 0;
};

// A decision threshold with the counts it gives.
struct ThresholdChoice
{
    double threshold = 0;
    qint64 correct = 0;   // TP + TN
    qint64 total = 0;
    double accuracy() const { return total ? double(correct) / double(total) : 0.0; }
};

// The threshold between two neighbouring distinct scores upper > lower: their midpoint, or upper
// itself when the midpoint rounds onto lower (then "score >= upper" still splits them the same way).
double thresholdBetween(double upper, double lower);
// The threshold that predicts nothing "same": just above the highest score.
double thresholdAbove(double highest);

class RankedScores
{
public:
    // scores must be finite (callers reject NaN first); same[i] != 0 for a truly same pair.
    RankedScores(const std::vector<double> &scores, const std::vector<unsigned char> &same);

    std::size_t size() const { return m_entries.size(); }
    qint64 positives() const { return m_positives; }
    qint64 negatives() const { return qint64(m_entries.size()) - m_positives; }
    // Distinct scores, highest first, with how many same/different pairs share each.
    const std::vector<ScoreGroup> &groups() const { return m_groups; }

    // The threshold with the highest accuracy over all pairs except those with original index in
    // [skipBegin, skipEnd) (a k-fold's held-out fold; pass an empty range for all pairs).
    // Candidates lie between distinct scores; among equally accurate ones the highest threshold
    // wins (fewest false accepts, as InsightFace's argmax over ascending distance thresholds).
    ThresholdChoice bestAccuracyThreshold(std::size_t skipBegin = 0, std::size_t skipEnd = 0) const;

private:
    struct Entry
    {
        double score;
        std::uint32_t index;   // position in the caller's vectors
        std::uint32_t same;
    };
    std::vector<Entry> m_entries;   // score descending, then index ascending
    std::vector<ScoreGroup> m_groups;
    qint64 m_positives = 0;
};

} // namespace facelab::eval

#pragma once
// ROC of a verification model from its ranked scores: one point per distinct score (a tied group
// moves as one step), AUC by the trapezoid rule (= the Mann-Whitney probability with ties counted
// half), EER where the interpolated curve meets FAR = FRR, and TAR at fixed FARs.
#include "RankedScores.h"

#include <optional>
#include <vector>

namespace facelab::eval {

struct RocPoint
{
    double threshold = 0;   // predict same when score >= threshold; +infinity for the (0, 0) start
    double far = 0;         // false accept rate: FP / negatives
    double tar = 0;         // true accept rate: TP / positives
    qint64 fp = 0, tp = 0;
};

struct TarAtFar
{
    double far = 0;                    // the FAR asked for
    std::optional<double> tar;         // nullopt when not measurable (too few negatives)
    std::optional<double> threshold;   // the threshold reaching it
    qint64 negativesNeeded = 0;        // 1 / FAR
};

class RocCurve
{
public:
    RocCurve() = default;
    // Needs at least one same and one different pair (throws std::invalid_argument otherwise).
    explicit RocCurve(const RankedScores &ranked);

    const std::vector<RocPoint> &points() const { return m_points; }   // FAR ascending, from (0,0) to (1,1)
    double auc() const { return m_auc; }
    double eer() const { return m_eer; }
    double eerThreshold() const { return m_eerThreshold; }
    // The highest TAR whose FAR <= far. Measurable only with at least 1/far negatives: fewer, and
    // the smallest non-zero FAR the data can show is already larger than far.
    TarAtFar tarAtFar(double far) const;

private:
    std::vector<RocPoint> m_points;
    qint64 m_positives = 0, m_negatives = 0;
    double m_auc = 0, m_eer = 0, m_eerThreshold = 0;
};

} // namespace facelab::eval

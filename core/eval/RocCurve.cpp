#include "RocCurve.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace facelab::eval {

RocCurve::RocCurve(const RankedScores &ranked) : m_positives(ranked.positives()), m_negatives(ranked.negatives())
{
    if (m_positives == 0 || m_negatives == 0)
        throw std::invalid_argument("RocCurve needs both same and different pairs");
    const double P = double(m_positives), N = double(m_negatives);
    m_points.reserve(ranked.groups().size() + 1);
    m_points.push_back({std::numeric_limits<double>::infinity(), 0, 0, 0, 0});
    qint64 tp = 0, fp = 0;
    // AUC from integer counts: sum over groups of neg_g * (2 * TP before g + pos_g), / (2PN).
    long double aucTwice = 0;
    for (const ScoreGroup &g : ranked.groups()) {
        aucTwice += (long double)g.different * (long double)(2 * tp + g.same);
        tp += g.same;
        fp += g.different;
        m_points.push_back({g.score, double(fp) / N, double(tp) / P, fp, tp});
    }
    m_auc = double(aucTwice / (2.0L * (long double)P * (long double)N));

    // EER: FRR - FAR falls from 1 (first point) to -1 (last); find the first point where it is
    // <= 0 and interpolate on the segment before it, where both rates are linear.
    for (std::size_t c = 1; c < m_points.size(); ++c) {
        const RocPoint &a = m_points[c - 1], &b = m_points[c];
        const double da = (1 - a.tar) - a.far, db = (1 - b.tar) - b.far;
        if (db > 0)
            continue;
        const double t = da / (da - db);   // da > 0 >= db, so 0 < t <= 1
        m_eer = a.far + t * (b.far - a.far);
        // The decision threshold nearest the crossing (a's threshold is +inf only at c == 1,
        // where |da| = 1 >= |db|, so b wins and the threshold is always finite).
        m_eerThreshold = std::abs(da) < std::abs(db) ? a.threshold : b.threshold;
        break;
    }
}

TarAtFar RocCurve::tarAtFar(double far) const
{
    TarAtFar r;
    r.far = far;
    r.negativesNeeded = qint64(std::ceil(1.0 / far - 1e-9));
    if (m_negatives < r.negativesNeeded)
        return r;
    // Integer bound on false accepts (the tiny slack absorbs 1e-3 * 2000 = 2.0000000000000004).
    const qint64 maxFp = qint64(std::floor(far * double(m_negatives) + 1e-9));
    // FP and TP only grow along the curve: the last point within the bound has the highest TAR.
    const RocPoint *best = &m_points.front();
    for (const RocPoint &p : m_points) {
        if (p.fp > maxFp)
            break;
        best = &p;
    }
    r.tar = best->tar;
    if (std::isfinite(best->threshold))
        r.threshold = best->threshold;
    else   // not even the highest score can be accepted: the threshold is just above it
        r.threshold = m_points.size() > 1 ? thresholdAbove(m_points[1].threshold) : best->threshold;
    return r;
}

} // namespace facelab::eval

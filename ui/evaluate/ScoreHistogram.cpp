#include "ui/evaluate/ScoreHistogram.h"

#include <algorithm>

namespace facelab::ui {

ScoreHistogram ScoreHistogram::build(const eval::EvalPairs &pairs, int bins)
{
    ScoreHistogram h;
    double lo = 1e300, hi = -1e300;
    for (double s : pairs.scores) {
        lo = std::min(lo, s);
        hi = std::max(hi, s);
    }
    if (!(hi > lo)) {   // one distinct score (or none): a unit-wide range around it
        lo = (pairs.size() ? lo : 0) - 0.5;
        hi = lo + 1.0;
    }
    const double pad = (hi - lo) * 0.03;
    h.lo = lo - pad;
    h.bins = std::max(1, bins);
    h.width = (hi + pad - h.lo) / h.bins;
    h.sameCount.fill(0, h.bins);
    h.differentCount.fill(0, h.bins);
    qint64 positives = 0, negatives = 0;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const int b = h.binOf(pairs.scores[i]);
        if (pairs.same[i]) {
            ++h.sameCount[b];
            ++positives;
        } else {
            ++h.differentCount[b];
            ++negatives;
        }
    }
    h.sameShare.resize(h.bins);
    h.differentShare.resize(h.bins);
    for (int b = 0; b < h.bins; ++b) {
        h.sameShare[b] = double(h.sameCount[b]) / double(std::max<qint64>(1, positives));
        h.differentShare[b] = double(h.differentCount[b]) / double(std::max<qint64>(1, negatives));
    }
    return h;
}

int ScoreHistogram::binOf(double score) const
{
    return std::clamp(int((score - lo) / width), 0, bins - 1);
}

QVector<eval::ErrorPair> ScoreHistogram::pairsIn(const eval::EvalPairs &pairs, int bin, bool same) const
{
    QVector<eval::ErrorPair> out;
    for (std::size_t i = 0; i < pairs.size(); ++i)
        if (bool(pairs.same[i]) == same && binOf(pairs.scores[i]) == bin)
            out.push_back({pairs.pairIds[int(i)], pairs.scores[i], same, bool(pairs.fromVerdict[i]), {}});
    std::sort(out.begin(), out.end(), [same](const eval::ErrorPair &a, const eval::ErrorPair &b) {
        if (a.score != b.score)
            return same ? a.score < b.score : a.score > b.score;
        return a.pairId < b.pairId;
    });
    return out;
}

} // namespace facelab::ui

#include "RankedScores.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace facelab::eval {

double thresholdBetween(double upper, double lower)
{
    const double mid = lower + (upper - lower) / 2;   // no overflow for large magnitudes
    return mid > lower ? mid : upper;
}

double thresholdAbove(double highest)
{
    return std::nextafter(highest, std::numeric_limits<double>::infinity());
}

RankedScores::RankedScores(const std::vector<double> &scores, const std::vector<unsigned char> &same)
{
    if (scores.size() != same.size())
        throw std::invalid_argument("RankedScores: scores and truth differ in length");
    if (scores.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::invalid_argument("RankedScores: more than 2^32 pairs");
    m_entries.resize(scores.size());
    for (std::size_t i = 0; i < scores.size(); ++i) {
        m_entries[i] = {scores[i], std::uint32_t(i), same[i] ? 1u : 0u};
        m_positives += same[i] ? 1 : 0;
    }
    std::sort(m_entries.begin(), m_entries.end(), [](const Entry &a, const Entry &b) {
        return a.score > b.score || (a.score == b.score && a.index < b.index);
    });
    for (const Entry &e : m_entries) {
        if (m_groups.empty() || m_groups.back().score != e.score)
            m_groups.push_back({e.score, 0, 0});
        (e.same ? m_groups.back().same : m_groups.back().different)++;
    }
}

ThresholdChoice RankedScores::bestAccuracyThreshold(std::size_t skipBegin, std::size_t skipEnd) const
{
    const auto skipped = [&](const Entry &e) { return e.index >= skipBegin && e.index < skipEnd; };
    qint64 negatives = 0, total = 0;
    for (const Entry &e : m_entries)
        if (!skipped(e)) {
            ++total;
            negatives += e.same ? 0 : 1;
        }
    ThresholdChoice best;
    best.total = total;
    if (total == 0)
        return best;

    // Cut after each group of equal (kept) scores: everything above the cut is predicted same.
    // Start with nothing predicted same: correct = all negatives.
    qint64 correct = negatives;
    best.correct = correct;
    bool havePrev = false;
    bool bestIsTop = true;   // the best so far is "above the highest score"
    double bestUpper = 0;    // else the best cut lies just below this score
    std::size_t i = 0;
    while (i < m_entries.size()) {
        if (skipped(m_entries[i])) {
            ++i;
            continue;
        }
        const double s = m_entries[i].score;
        if (!havePrev) {
            best.threshold = thresholdAbove(s);
            havePrev = true;
        }
        // Take the whole group of score s (skipping held-out entries inside it).
        for (; i < m_entries.size() && m_entries[i].score == s; ++i)
            if (!skipped(m_entries[i]))
                correct += m_entries[i].same ? 1 : -1;
        if (correct > best.correct) {
            best.correct = correct;
            bestIsTop = false;
            bestUpper = s;
        }
    }
    if (!bestIsTop) {
        // Find the next lower kept score below bestUpper to put the threshold between the two.
        double lower = 0;
        bool found = false;
        const auto it = std::upper_bound(m_entries.begin(), m_entries.end(), bestUpper,
                                         [](double v, const Entry &e) { return v > e.score; });
        for (auto j = it; j != m_entries.end(); ++j)
            if (!skipped(*j)) {
                lower = j->score;
                found = true;
                break;
            }
        // Below every score: the lowest score itself predicts everything same.
        best.threshold = found ? thresholdBetween(bestUpper, lower) : bestUpper;
    }
    return best;
}

} // namespace facelab::eval

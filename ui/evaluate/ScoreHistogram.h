#pragma once
// The bins of the Evaluate view's similarity histograms, shared by drawing them and by clicks on a
// bar: a click lists exactly the pairs that bar counted. No widgets.
#include "eval/ErrorExport.h"

#include <QVector>

namespace facelab::ui {

struct ScoreHistogram
{
    double lo = 0, width = 1;              // bin b covers [lo + b*width, lo + (b+1)*width)
    int bins = 0;
    QVector<qint64> sameCount, differentCount;
    QVector<double> sameShare, differentShare;   // count / pairs of that class (what is plotted)

    // bins equal-width bins over the scores' range, padded by 3% on each side.
    static ScoreHistogram build(const eval::EvalPairs &pairs, int bins);

    int binOf(double score) const;         // clamped to 0..bins-1
    double low(int bin) const { return lo + bin * width; }
    double high(int bin) const { return lo + (bin + 1) * width; }
    double center(int bin) const { return lo + (bin + 0.5) * width; }
    double hi() const { return lo + bins * width; }

    // The pairs of one class in a bin, the ones nearest to being misclassified first (same pairs
    // lowest score first, different pairs highest first).
    QVector<eval::ErrorPair> pairsIn(const eval::EvalPairs &pairs, int bin, bool same) const;
};

} // namespace facelab::ui

#pragma once
// Pairs the Evaluate view hands to the Errors view: the false positives or negatives of a confusion
// cell, or the same- or different-person pairs of one histogram bin. eval::ErrorPair serves as "a
// scored pair with its truth" for both: a bin's pairs need not be errors.
#include "eval/ErrorExport.h"

#include <QString>
#include <QVector>

namespace facelab::ui {

struct PairListing
{
    QString title;                    // "False positives", "Same-person pairs with similarity 0.30–0.35 (12)"
    QString hint;                     // one line under the title: what the list is and its order
    QVector<eval::ErrorPair> pairs;   // in display order
    qint64 versionId = 0;             // the version whose scores these are (recorded with verdicts)
    double threshold = 0;
};

// The false positives (or negatives) of pairs at threshold, worst first (eval::listErrors).
PairListing errorListing(const eval::EvalPairs &pairs, double threshold, bool falsePositives);

} // namespace facelab::ui

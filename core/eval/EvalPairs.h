#pragma once
// The pairs an evaluation uses, read from the project: every pair of the split (default: every
// split) with known truth (per the truth source) and a score under the model version, in pair id order.
#include "TruthSource.h"
#include "store/ModelTable.h"
#include "store/ProjectStore.h"

#include <QVector>
#include <vector>

namespace facelab::eval {

struct EvalPairs
{
    store::ModelVersionRecord version;
    TruthSource source = TruthSource::Verdicts;
    QVector<qint64> pairIds;                // id order (= import order, the k-fold order)
    std::vector<double> scores;
    std::vector<unsigned char> same;        // 1 = same person
    std::vector<unsigned char> fromVerdict; // 1 = truth taken from the user's verdict
    qint64 withoutTruth = 0;                // pairs left out: no truth under the source
    qint64 withoutScore = 0;                // pairs left out: truth but no score (not embedded)
    QString split;                          // train, validation or test; empty = every split
    qint64 otherSplit = 0;                  // pairs left out: in another split

    std::size_t size() const { return scores.size(); }
    QString describe() const;               // "version NAME" for messages
};

// The version called name, or the project's current one when name is empty. Throws EvalError
// naming the versions the project has.
store::ModelVersionRecord versionForEval(const store::ProjectStore &st, const QString &name);

// Throws EvalError when the version has no scores at all (run 'facelab embed' first). split: only
// the pairs of that split (train, validation, test); empty = every split.
EvalPairs loadEvalPairs(const store::ProjectStore &st, const store::ModelVersionRecord &version, TruthSource source,
                        const QString &split = QString());

// The names --split accepts besides "all": the splits pairs are assigned to.
const QStringList &splitNames();   // train, validation, test

} // namespace facelab::eval

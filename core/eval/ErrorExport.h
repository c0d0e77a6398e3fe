#pragma once
// Error folders of a model version at a threshold, as the seed's authors built them by hand:
//   OUT/false_positives/pair_001_sim0.812/ and OUT/false_negatives/pair_001_sim0.327/
// each with img1_<file>, img2_<file>, comparison.png and info.txt, numbered worst first (false
// positives highest score first, false negatives lowest first), plus OUT/summary.json.
// Everything is written into a staging folder beside OUT and renamed into place at the end, so OUT
// is never left half-written; a previous export in OUT is replaced, any other content is refused.
#include "EvalPairs.h"
#include "Evaluation.h"
#include "jobs/JobContext.h"

namespace facelab::eval {

struct ErrorPair
{
    qint64 pairId = 0;
    double score = 0;
    bool truthSame = false;
    bool truthFromVerdict = false;
    QString folder;   // relative to OUT, e.g. "false_positives/pair_001_sim0.812"
};

struct ErrorList
{
    QVector<ErrorPair> falsePositives;   // highest score first
    QVector<ErrorPair> falseNegatives;   // lowest score first
};

// The misclassified pairs at threshold (score >= threshold predicts same), worst first, with
// their folder names.
ErrorList listErrors(const EvalPairs &pairs, double threshold);

struct ErrorExportReport
{
    QString outDir;
    double threshold = 0;
    ErrorList errors;
    QJsonObject summary;   // what summary.json holds
};

// Exports at result.threshold (result from evaluatePairs on the same pairs). Throws EvalError when
// OUT cannot be created or written (naming the path and the reason), when OUT holds something
// other than an earlier export, or when an image cannot be copied; jobs::Cancelled on cancel.
ErrorExportReport exportErrors(const store::ProjectStore &st, const EvalPairs &pairs, const EvalResult &result,
                               const QString &outDir, jobs::JobContext &ctx);

} // namespace facelab::eval

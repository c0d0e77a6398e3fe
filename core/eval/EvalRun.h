#pragma once
// An evaluation of a model version as the work of a run of kind "eval": every metric stored with
// the run (so versions can be compared later), notes in its log. The caller records the run
// (jobs::runRecorded on the command line, the JobQueue in the GUI) with evalRunParams().
#include "EvalPairs.h"
#include "Evaluation.h"
#include "jobs/JobContext.h"

namespace facelab::eval {

struct EvalRunResult
{
    qint64 runId = 0;
    EvalPairs pairs;
    EvalResult result;
    QJsonObject toJson() const;   // result.toJson() plus run id, version, truth source, split, pairs left out
};

// The run's params: version, version_id, threshold, folds, truth, split ("all" when empty).
QJsonObject evalRunParams(const store::ModelVersionRecord &version, TruthSource source, const EvalOptions &options,
                          const QString &split = QString());

// Threshold: options.threshold when given, else the version's stored threshold, else the
// best-accuracy one (EvalResult::thresholdSource says which). Metrics go to ctx.runId() (none
// when 0). split: see loadEvalPairs. Throws EvalError; the recorder puts the message in the run's log.
EvalRunResult runEvaluation(const store::ProjectStore &st, const store::ModelVersionRecord &version,
                            TruthSource source, const EvalOptions &options, jobs::JobContext &ctx,
                            const QString &split = QString());

// Evaluates without recording a run (for the error export, which records its own).
EvalResult evaluatePairs(const EvalPairs &pairs, const EvalOptions &options);

} // namespace facelab::eval

#pragma once
// An evaluation of a model version as a recorded run: RunTable kind "eval" with its parameters,
// every metric stored with addMetric (so versions can be compared later), status done or failed.
#include "EvalPairs.h"
#include "Evaluation.h"

namespace facelab::eval {

struct EvalRunResult
{
    qint64 runId = 0;
    EvalPairs pairs;
    EvalResult result;
    QJsonObject toJson() const;   // result.toJson() plus run id, version, truth source, pairs left out
};

// Threshold: options.threshold when given, else the version's stored threshold, else the
// best-accuracy one (EvalResult::thresholdSource says which). Throws EvalError after recording
// the run as failed with the message in its log.
EvalRunResult runEvaluation(const store::ProjectStore &st, const store::ModelVersionRecord &version,
                            TruthSource source, const EvalOptions &options);

// Evaluates without recording a run (for the error export, which records its own).
EvalResult evaluatePairs(const EvalPairs &pairs, const EvalOptions &options);

} // namespace facelab::eval

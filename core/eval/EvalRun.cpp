#include "EvalRun.h"

#include "EvalError.h"
#include "store/RunTable.h"


namespace facelab::eval {

EvalResult evaluatePairs(const EvalPairs &pairs, const EvalOptions &options)
{
    EvalOptions o = options;
    const bool fromVersion = !o.threshold && pairs.version.threshold;
    if (fromVersion)
        o.threshold = pairs.version.threshold;
    EvalResult r = evaluateScores(pairs.scores, pairs.same, o, pairs.describe());
    if (fromVersion)
        r.thresholdSource = QStringLiteral("version");
    if (!pairs.split.isEmpty())
        r.notes << QStringLiteral("only the %1 split: %2 pairs of other splits were left out").arg(pairs.split).arg(pairs.otherSplit);
    if (pairs.withoutScore)
        r.notes << QStringLiteral("%1 pairs with known truth have no score under %2 and were left out")
                       .arg(pairs.withoutScore).arg(pairs.describe());
    return r;
}

QJsonObject EvalRunResult::toJson() const
{
    QJsonObject o = result.toJson();
    o.insert("run_id", runId);
    o.insert("model_version", pairs.version.name);
    o.insert("truth_source", truthSourceName(pairs.source));
    o.insert("pairs_without_truth", pairs.withoutTruth);
    o.insert("pairs_without_score", pairs.withoutScore);
    o.insert("split", pairs.split.isEmpty() ? QStringLiteral("all") : pairs.split);
    o.insert("pairs_other_split", pairs.otherSplit);
    qint64 verdicts = 0;
    for (unsigned char v : pairs.fromVerdict)
        verdicts += v;
    o.insert("truth_from_verdicts", verdicts);
    return o;
}

QJsonObject evalRunParams(const store::ModelVersionRecord &version, TruthSource source, const EvalOptions &options,
                          const QString &split)
{
    return QJsonObject{{"version", version.name},
                       {"version_id", version.id},
                       {"threshold", options.threshold ? QJsonValue(*options.threshold) : QJsonValue()},
                       {"folds", options.folds},
                       {"truth", truthSourceName(source)},
                       {"split", split.isEmpty() ? QStringLiteral("all") : split}};
}

EvalRunResult runEvaluation(const store::ProjectStore &st, const store::ModelVersionRecord &version,
                            TruthSource source, const EvalOptions &options, jobs::JobContext &ctx, const QString &split)
{
    EvalRunResult r;
    r.runId = ctx.runId();
    r.pairs = loadEvalPairs(st, version, source, split);
    r.result = evaluatePairs(r.pairs, options);
    if (r.runId > 0) {
        const store::RunTable runs(st);
        for (const auto &[name, value] : r.result.metricValues())
            runs.addMetric(r.runId, version.id, name, value);
    }
    for (const QString &n : r.result.notes)
        ctx.log(QStringLiteral("note: ") + n);
    return r;
}

} // namespace facelab::eval

#include "EvalPairs.h"

#include "EvalError.h"
#include "store/PairTable.h"
#include "store/ScoreTable.h"

namespace facelab::eval {

QString EvalPairs::describe() const
{
    return split.isEmpty() ? QStringLiteral("version %1").arg(version.name)
                           : QStringLiteral("version %1 on the %2 split").arg(version.name, split);
}

store::ModelVersionRecord versionForEval(const store::ProjectStore &st, const QString &name)
{
    store::ModelTable models(st);
    if (name.isEmpty()) {
        if (auto v = models.current())
            return *v;
        throw EvalError(QStringLiteral("the project has no model version to evaluate: add a model and run "
                                       "'facelab embed' first"));
    }
    if (auto v = models.versionByName(name))
        return *v;
    QStringList names;
    for (const auto &v : models.versions())
        names << v.name;
    throw EvalError(QStringLiteral("no model version named '%1' (the project has: %2)")
                        .arg(name, names.isEmpty() ? QStringLiteral("none") : names.join(QStringLiteral(", "))));
}

const QStringList &splitNames()
{
    static const QStringList names{QStringLiteral("train"), QStringLiteral("validation"), QStringLiteral("test")};
    return names;
}

EvalPairs loadEvalPairs(const store::ProjectStore &st, const store::ModelVersionRecord &version, TruthSource source,
                        const QString &split)
{
    EvalPairs e;
    e.version = version;
    e.source = source;
    e.split = split;
    const QHash<qint64, double> scores = store::ScoreTable(st).all(version.id);
    if (scores.isEmpty())
        throw EvalError(QStringLiteral("version %1 has no pair scores yet: run 'facelab embed' with it first").arg(version.name));
    for (const store::PairRecord &p : store::PairTable(st).all()) {
        if (!split.isEmpty() && p.split != split) {
            ++e.otherSplit;
            continue;
        }
        std::optional<bool> truth = p.truth;
        bool fromVerdict = false;
        if (source == TruthSource::Verdicts && p.verdict && *p.verdict != store::Verdict::Skip) {
            truth = *p.verdict == store::Verdict::Same;
            fromVerdict = true;
        }
        if (!truth) {
            ++e.withoutTruth;
            continue;
        }
        const auto it = scores.constFind(p.id);
        if (it == scores.constEnd()) {
            ++e.withoutScore;
            continue;
        }
        e.pairIds.push_back(p.id);
        e.scores.push_back(*it);
        e.same.push_back(*truth ? 1 : 0);
        e.fromVerdict.push_back(fromVerdict ? 1 : 0);
    }
    return e;
}

} // namespace facelab::eval

#include "EvalCommands.h"

#include "eval/ErrorExport.h"
#include "eval/EvalRun.h"
#include "eval/ScoresCsv.h"
#include "jobs/RunRecorded.h"
#include "store/RunTable.h"

#include <QJsonDocument>
#include <QTextStream>
#include <cmath>

namespace facelab::cli {
namespace {

void print(const QJsonObject &o)
{
    QTextStream(stdout) << QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QString project(const QCommandLineParser &p, const char *usage)
{
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        throw EvalUsageError(QStringLiteral("missing PROJECT; usage: %1").arg(QLatin1String(usage)).toStdString());
    return pos[1];
}

// Scores are cosine similarities: score >= threshold predicts same.
std::optional<double> thresholdOption(const QCommandLineParser &p)
{
    if (!p.isSet("threshold"))
        return std::nullopt;
    return doubleOption(p, "threshold", 0, -1, 1);
}

// The split evaluated: empty = every split (the default, as before --split existed).
QString splitOption(const QCommandLineParser &p)
{
    const QString s = p.value("split");
    if (!p.isSet("split") || s == QLatin1String("all"))
        return QString();
    if (!eval::splitNames().contains(s))
        throw EvalUsageError(QStringLiteral("--split is %1 or all, not '%2'").arg(eval::splitNames().join(", "), s).toStdString());
    return s;
}

eval::TruthSource truthOption(const QCommandLineParser &p)
{
    if (!p.isSet("truth"))
        return eval::TruthSource::Verdicts;
    if (auto s = eval::truthSourceFromName(p.value("truth")))
        return *s;
    throw EvalUsageError("--truth is verdicts or imported");
}

QString text(const std::optional<double> &v, int precision = 4)
{
    return v ? QString::number(*v, 'f', precision) : QStringLiteral("n/a");
}
} // namespace

void evalOptions(QCommandLineParser &p)
{
    p.addOption({"model", "Model version name (default: the current one).", "NAME"});
    p.addOption({"threshold", "Decision threshold (default: the version's, else the best-accuracy one).", "T"});
    p.addOption({"folds", "Number of folds of the k-fold protocol (default 10).", "K"});
    p.addOption({"truth", "verdicts (the user's verdicts, else imported truth; default) or imported.", "SOURCE"});
    p.addOption({"scores-out", "Also write the evaluated pairs as CSV path1,path2,truth,score.", "FILE"});
    p.addOption({"split", "Evaluate only the pairs of one split: test, train, validation, or all (default).", "SPLIT"});
}

int cmdEval(QCommandLineParser &p, const QStringList &)
{
    const char *usage = "facelab eval PROJECT [--model NAME] [--threshold T] [--folds K] [--truth verdicts|imported] "
                        "[--scores-out FILE.csv] [--split test|train|validation|all] [--json]";
    const QString folder = project(p, usage);
    eval::EvalOptions o;
    o.threshold = thresholdOption(p);
    o.folds = intOption(p, "folds", o.folds, 2, 1000);
    const QString split = splitOption(p);
    const eval::TruthSource truth = truthOption(p);
    const store::ProjectStore st = store::ProjectStore::open(folder);
    const store::ModelVersionRecord version = eval::versionForEval(st, p.value("model"));
    jobs::PlainJobContext ctx;
    const eval::EvalRunResult r =
        jobs::runRecorded(st, jobs::JobKind::Eval, eval::evalRunParams(version, truth, o, split), ctx,
                          [&](jobs::JobContext &c) { return eval::runEvaluation(st, version, truth, o, c, split); });
    QJsonObject json = r.toJson();
    if (p.isSet("scores-out")) {
        eval::writeScoresCsv(st, r.pairs, p.value("scores-out"));
        json.insert("scores_csv", p.value("scores-out"));
    }
    if (p.isSet("json")) {
        print(json);
        return 0;
    }
    const eval::EvalResult &e = r.result;
    QTextStream out(stdout);
    out << r.pairs.version.name << ": " << e.pairs << " pairs (" << e.positives << " same, " << e.negatives
        << " different; truth: " << eval::truthSourceName(r.pairs.source) << "; split: "
        << (split.isEmpty() ? QStringLiteral("all") : split) << ")\n"
        << "threshold " << e.threshold << " (" << e.thresholdSource << "): accuracy " << text(e.atThreshold.accuracy())
        << ", precision " << text(e.atThreshold.precision()) << ", recall " << text(e.atThreshold.recall()) << ", F1 "
        << text(e.atThreshold.f1()) << "  TP " << e.atThreshold.tp << " TN " << e.atThreshold.tn << " FP "
        << e.atThreshold.fp << " FN " << e.atThreshold.fn << "\n"
        << "AUC " << text(e.auc) << ", EER " << text(e.eer) << " (threshold " << e.eerThreshold << "), best threshold "
        << e.best.threshold << " (accuracy " << text(e.best.accuracy()) << ")\n"
        << e.kfold.folds << "-fold accuracy " << text(e.kfold.accuracyMean) << " +- " << text(e.kfold.accuracyStd) << "\n";
    for (int i = 0; i < e.tarAtFar.size(); ++i)
        out << "TAR at FAR " << eval::standardFars()[i].second << ": " << text(e.tarAtFar[i].tar) << "\n";
    for (const QString &n : e.notes)
        out << "note: " << n << "\n";
    out << "recorded as run " << r.runId << "\n";
    return 0;
}

void errorsOptions(QCommandLineParser &p)
{
    p.addOption({"out", "Folder to write the error folders into (created; an earlier export there is replaced).", "DIR"});
    p.addOption({"model", "Model version name (default: the current one).", "NAME"});
    p.addOption({"threshold", "Decision threshold (default: the version's, else the best-accuracy one).", "T"});
    p.addOption({"truth", "verdicts (default) or imported.", "SOURCE"});
}

int cmdErrors(QCommandLineParser &p, const QStringList &)
{
    const char *usage = "facelab errors PROJECT --out DIR [--model NAME] [--threshold T] [--truth verdicts|imported] [--json]";
    const QString folder = project(p, usage);
    if (!p.isSet("out") || p.value("out").isEmpty())
        throw EvalUsageError(QStringLiteral("--out DIR is required; usage: %1").arg(QLatin1String(usage)).toStdString());
    eval::EvalOptions o;
    o.threshold = thresholdOption(p);
    const eval::TruthSource truth = truthOption(p);
    const store::ProjectStore st = store::ProjectStore::open(folder);
    const store::ModelVersionRecord version = eval::versionForEval(st, p.value("model"));

    // A run of its own (kind "errors") with the metrics it was exported at.
    const QJsonObject params{{"version", version.name}, {"out", p.value("out")},
                             {"threshold", o.threshold ? QJsonValue(*o.threshold) : QJsonValue()},
                             {"truth", eval::truthSourceName(truth)}};
    jobs::PlainJobContext ctx(!p.isSet("json"));
    qint64 runId = 0;
    const eval::ErrorExportReport rep =
        jobs::runRecorded(st, jobs::JobKind::ErrorExport, params, ctx, [&](jobs::JobContext &c) {
            runId = c.runId();
            const eval::EvalPairs pairs = eval::loadEvalPairs(st, version, truth);
            const eval::EvalResult result = eval::evaluatePairs(pairs, o);
            eval::ErrorExportReport exported = eval::exportErrors(st, pairs, result, p.value("out"), c);
            const store::RunTable runs(st);
            for (const auto &[name, value] : result.metricValues())
                runs.addMetric(runId, version.id, name, value);
            return exported;
        });
    if (p.isSet("json")) {
        QJsonObject o2{{"out", rep.outDir}, {"run_id", runId}, {"model_version", version.name},
                       {"threshold", rep.threshold},
                       {"false_positives", rep.errors.falsePositives.size()},
                       {"false_negatives", rep.errors.falseNegatives.size()}};
        print(o2);
    } else {
        QTextStream(stdout) << "wrote " << rep.errors.falsePositives.size() << " false positives and "
                            << rep.errors.falseNegatives.size() << " false negatives of " << version.name
                            << " at threshold " << rep.threshold << " to " << rep.outDir << "\n";
    }
    return 0;
}

} // namespace facelab::cli

#include "Evaluation.h"

#include "EvalError.h"

#include <QJsonArray>
#include <cmath>

namespace facelab::eval {

const QVector<std::pair<double, QString>> &standardFars()
{
    static const QVector<std::pair<double, QString>> fars = {
        {1e-1, QStringLiteral("1e-1")}, {1e-2, QStringLiteral("1e-2")}, {1e-3, QStringLiteral("1e-3")}, {1e-4, QStringLiteral("1e-4")}};
    return fars;
}

namespace {
QJsonValue opt(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

void checkInputs(const std::vector<double> &scores, const std::vector<unsigned char> &same, const EvalOptions &o,
                 const QString &what)
{
    if (scores.size() != same.size())
        throw EvalError(QStringLiteral("internal: %1 scores but %2 truth values").arg(scores.size()).arg(same.size()));
    if (scores.empty())
        throw EvalError(QStringLiteral("no pairs with known truth and a score under %1: nothing to evaluate").arg(what));
    qint64 nan = 0, inf = 0, positives = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (std::isnan(scores[i]))
            ++nan;
        else if (std::isinf(scores[i]))
            ++inf;
        positives += same[i] ? 1 : 0;
    }
    if (nan || inf) {
        QStringList parts;
        if (nan)
            parts << QStringLiteral("%1 pairs have NaN scores").arg(nan);
        if (inf)
            parts << QStringLiteral("%1 pairs have infinite scores").arg(inf);
        throw EvalError(QStringLiteral("%1 under %2: the model produced broken embeddings; fix or re-embed before "
                                       "evaluating").arg(parts.join(QStringLiteral(" and ")), what));
    }
    const qint64 n = qint64(scores.size());
    if (positives == 0 || positives == n)
        throw EvalError(QStringLiteral("all %1 pairs with known truth under %2 are '%3': ROC, AUC, EER and thresholds "
                                       "need both same and different pairs")
                            .arg(n).arg(what, positives ? QStringLiteral("same") : QStringLiteral("different")));
    if (o.folds < 2 || o.folds > n)
        throw EvalError(QStringLiteral("%1 folds asked for %2 pairs: k-fold needs 2 <= folds <= pairs").arg(o.folds).arg(n));
    if (o.threshold && !std::isfinite(*o.threshold))
        throw EvalError(QStringLiteral("the threshold must be a finite number"));
}
} // namespace

EvalResult evaluateScores(const std::vector<double> &scores, const std::vector<unsigned char> &same,
                          const EvalOptions &options, const QString &what)
{
    checkInputs(scores, same, options, what);
    EvalResult r;
    const RankedScores ranked(scores, same);
    r.pairs = qint64(scores.size());
    r.positives = ranked.positives();
    r.negatives = ranked.negatives();
    r.roc = RocCurve(ranked);
    r.auc = r.roc.auc();
    r.eer = r.roc.eer();
    r.eerThreshold = r.roc.eerThreshold();
    r.best = ranked.bestAccuracyThreshold();
    r.threshold = options.threshold ? *options.threshold : r.best.threshold;
    r.thresholdSource = options.threshold ? QStringLiteral("given") : QStringLiteral("best_accuracy");
    r.atThreshold = confusionAt(scores, same, r.threshold);
    for (const auto &[far, key] : standardFars()) {
        const TarAtFar t = r.roc.tarAtFar(far);
        if (!t.tar)
            r.notes << QStringLiteral("TAR at FAR %1 not measurable: %2 different pairs, needs at least %3")
                           .arg(key).arg(r.negatives).arg(t.negativesNeeded);
        r.tarAtFar.push_back(t);
    }
    r.kfold = kfoldAccuracy(ranked, scores, same, options.folds);
    if (!r.atThreshold.precision())
        r.notes << QStringLiteral("precision undefined: no pair scores at or above the threshold %1").arg(r.threshold);
    return r;
}

QJsonObject EvalResult::toJson() const
{
    QJsonObject tar, tarThr;
    for (int i = 0; i < tarAtFar.size(); ++i) {
        tar.insert(standardFars()[i].second, opt(tarAtFar[i].tar));
        tarThr.insert(standardFars()[i].second, opt(tarAtFar[i].threshold));
    }
    QJsonArray folds;
    for (const FoldResult &f : kfold.perFold)
        folds.append(QJsonObject{{"first_pair_index", qint64(f.begin)}, {"pairs", qint64(f.end - f.begin)},
                                 {"threshold", f.threshold}, {"accuracy", f.accuracy}});
    return QJsonObject{{"pairs", pairs},
                       {"positives", positives},
                       {"negatives", negatives},
                       {"threshold", threshold},
                       {"threshold_source", thresholdSource},
                       {"accuracy", atThreshold.accuracy()},
                       {"precision", opt(atThreshold.precision())},
                       {"recall", opt(atThreshold.recall())},
                       {"f1", opt(atThreshold.f1())},
                       {"tp", atThreshold.tp},
                       {"tn", atThreshold.tn},
                       {"fp", atThreshold.fp},
                       {"fn", atThreshold.fn},
                       {"auc", auc},
                       {"eer", eer},
                       {"eer_threshold", eerThreshold},
                       {"best_threshold", best.threshold},
                       {"best_accuracy", best.accuracy()},
                       {"tar_at_far", tar},
                       {"tar_at_far_threshold", tarThr},
                       {"kfold_folds", kfold.folds},
                       {"kfold_accuracy_mean", kfold.accuracyMean},
                       {"kfold_accuracy_std", kfold.accuracyStd},
                       {"kfold", folds},
                       {"roc_points", qint64(roc.points().size())},
                       {"notes", QJsonArray::fromStringList(notes)}};
}

QVector<std::pair<QString, double>> EvalResult::metricValues() const
{
    QVector<std::pair<QString, double>> m = {
        {"pairs", double(pairs)},          {"positives", double(positives)},
        {"negatives", double(negatives)},  {"threshold", threshold},
        {"accuracy", atThreshold.accuracy()},
        {"tp", double(atThreshold.tp)},    {"tn", double(atThreshold.tn)},
        {"fp", double(atThreshold.fp)},    {"fn", double(atThreshold.fn)},
        {"auc", auc},                      {"eer", eer},
        {"eer_threshold", eerThreshold},   {"best_threshold", best.threshold},
        {"best_accuracy", best.accuracy()}, {"kfold_accuracy_mean", kfold.accuracyMean},
        {"kfold_accuracy_std", kfold.accuracyStd}};
    if (auto p = atThreshold.precision())
        m.push_back({"precision", *p});
    if (auto r = atThreshold.recall())
        m.push_back({"recall", *r});
    if (auto f = atThreshold.f1())
        m.push_back({"f1", *f});
    for (int i = 0; i < tarAtFar.size(); ++i)
        if (tarAtFar[i].tar)
            m.push_back({QStringLiteral("tar_at_far_") + standardFars()[i].second, *tarAtFar[i].tar});
    return m;
}

} // namespace facelab::eval

#pragma once
// One verification evaluation of a set of scored pairs with known truth: the metrics at a
// threshold, the threshold-free ones (ROC, AUC, EER, TAR at FAR, best threshold) and k-fold
// accuracy. Pure computation: no store, no files (see EvalRun.h for the recorded version).
#include "KFold.h"
#include "RocCurve.h"
#include "VerificationMetrics.h"

#include <QJsonObject>
#include <QStringList>
#include <QVector>
#include <optional>
#include <utility>

namespace facelab::eval {

struct EvalOptions
{
    std::optional<double> threshold;   // none: the best-accuracy threshold
    int folds = 10;
};

// The FARs TAR is reported at, and their JSON keys.
const QVector<std::pair<double, QString>> &standardFars();   // {1e-1,"1e-1"} ... {1e-4,"1e-4"}

struct EvalResult
{
    qint64 pairs = 0, positives = 0, negatives = 0;
    double threshold = 0;
    QString thresholdSource;      // "given", "version" (the model version's stored one), "best_accuracy"
    Confusion atThreshold;
    double auc = 0, eer = 0, eerThreshold = 0;
    ThresholdChoice best;         // best-accuracy threshold over all pairs
    QVector<TarAtFar> tarAtFar;   // at standardFars(), same order
    KFoldResult kfold;
    RocCurve roc;
    QStringList notes;            // what could not be measured, and why

    // Every number above (ROC points left out: a view takes them from roc); null where undefined.
    QJsonObject toJson() const;
    // (name, value) of every defined metric, for RunTable::addMetric.
    QVector<std::pair<QString, double>> metricValues() const;
};

// scores[i] and same[i] describe one pair, in pair order (the k folds follow it). what names the
// scores in messages (e.g. "version fr_feature"). Throws EvalError for no pairs, one class only,
// NaN or infinite scores, or folds outside 2..pairs.
EvalResult evaluateScores(const std::vector<double> &scores, const std::vector<unsigned char> &same,
                          const EvalOptions &options, const QString &what = QStringLiteral("these scores"));

} // namespace facelab::eval

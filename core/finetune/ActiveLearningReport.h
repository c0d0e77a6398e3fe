#pragma once
// The active-learning benchmark's result (tests/bench/active_learning_benchmark.sh writes it as
// reports/active_learning.json): per queue strategy and verdict budget, the fine-tuned child's
// change on people never trained on. Read here for the Training view; torch-free.
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <optional>

namespace facelab::finetune {

struct ActiveLearningRun
{
    QString strategy;          // a queue strategy name, or "random"
    int budget = 0;            // training verdicts spent in that order
    int same = 0, different = 0;
    double deltaAuc = 0, deltaAucLow = 0, deltaAucHigh = 0;              // 95% paired bootstrap
    double deltaAccuracy = 0, deltaAccuracyLow = 0, deltaAccuracyHigh = 0;
    QString verdict;
};

struct ActiveLearningReport
{
    QString source;            // the file it was read from
    QString measured;          // where a shipped report was measured (empty for a project's own)
    int sidePx = 0, epochs = 0, seed = 0, testPairs = 0;
    QVector<ActiveLearningRun> runs;
    QStringList untrained;     // "hard-negatives at 100: <why>": budgets a strategy spent on one kind of verdict
    QStringList strategies() const;     // in first-seen order
    QVector<int> budgets() const;       // ascending
    // Mean AUC change over the budgets; NaN for an unknown strategy.
    double meanDeltaAuc(const QString &strategy) const;
    // The strategy with the highest mean AUC change (random included), empty without runs.
    QString best() const;
};

// Throws std::runtime_error naming the file and the problem (unreadable, not JSON, not such a report).
ActiveLearningReport readActiveLearningReport(const QString &file);
QString activeLearningReportPath(const QString &projectFolder);   // <project>/reports/active_learning.json

} // namespace facelab::finetune

#include "ActiveLearningReport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace facelab::finetune {

QStringList ActiveLearningReport::strategies() const
{
    QStringList out;
    for (const ActiveLearningRun &r : runs)
        if (!out.contains(r.strategy))
            out << r.strategy;
    return out;
}

QVector<int> ActiveLearningReport::budgets() const
{
    QVector<int> out;
    for (const ActiveLearningRun &r : runs)
        if (!out.contains(r.budget))
            out << r.budget;
    std::sort(out.begin(), out.end());
    return out;
}

double ActiveLearningReport::meanDeltaAuc(const QString &strategy) const
{
    double sum = 0;
    int n = 0;
    for (const ActiveLearningRun &r : runs)
        if (r.strategy == strategy) {
            sum += r.deltaAuc;
            ++n;
        }
    return n ? sum / n : NAN;
}

QString ActiveLearningReport::best() const
{
    QString best;
    double bestMean = -INFINITY;
    for (const QString &s : strategies())
        if (const double m = meanDeltaAuc(s); m > bestMean) {
            bestMean = m;
            best = s;
        }
    return best;
}

ActiveLearningReport readActiveLearningReport(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        throw std::runtime_error(QStringLiteral("%1: cannot be read (%2)").arg(file, f.errorString()).toStdString());
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(f.read(16 << 20), &err);
    if (!doc.isObject())
        throw std::runtime_error(QStringLiteral("%1: not JSON (%2)").arg(file, err.errorString()).toStdString());
    const QJsonObject o = doc.object();
    if (o.value("kind").toString() != QLatin1String("facelab-active-learning-benchmark"))
        throw std::runtime_error(QStringLiteral("%1: not an active-learning benchmark report (no \"kind\": "
                                                "\"facelab-active-learning-benchmark\")").arg(file).toStdString());
    ActiveLearningReport r;
    r.source = file;
    r.measured = o.value("measured").toString();
    r.sidePx = o.value("side_px").toInt();
    r.epochs = o.value("epochs").toInt();
    r.seed = o.value("seed").toInt();
    auto ci = [](const QJsonValue &v, double &low, double &high) {
        const QJsonArray a = v.toArray();
        low = a.at(0).toDouble(NAN);
        high = a.at(1).toDouble(NAN);
    };
    for (const QJsonValue &v : o.value("runs").toArray()) {
        const QJsonObject j = v.toObject();
        ActiveLearningRun run;
        run.strategy = j.value("strategy").toString();
        run.budget = j.value("budget").toInt();
        if (run.strategy.isEmpty() || run.budget <= 0)
            continue;
        run.same = j.value("same").toInt();
        run.different = j.value("different").toInt();
        run.deltaAuc = j.value("delta_auc").toDouble(NAN);
        ci(j.value("delta_auc_ci95"), run.deltaAucLow, run.deltaAucHigh);
        run.deltaAccuracy = j.value("delta_accuracy").toDouble(NAN);
        ci(j.value("delta_accuracy_ci95"), run.deltaAccuracyLow, run.deltaAccuracyHigh);
        run.verdict = j.value("verdict").toString();
        r.testPairs = std::max(r.testPairs, j.value("test_pairs").toInt());
        r.runs.append(run);
    }
    for (const QJsonValue &v : o.value("untrained").toArray()) {
        const QJsonObject j = v.toObject();
        r.untrained << QStringLiteral("%1 at %2 verdicts (%3 same, %4 different): %5")
                           .arg(j.value("strategy").toString())
                           .arg(j.value("budget").toInt())
                           .arg(j.value("same").toInt())
                           .arg(j.value("different").toInt())
                           .arg(j.value("why").toString());
    }
    if (r.runs.isEmpty())
        throw std::runtime_error(QStringLiteral("%1: the report holds no runs").arg(file).toStdString());
    return r;
}

QString activeLearningReportPath(const QString &projectFolder)
{
    return QDir(projectFolder).filePath(QStringLiteral("reports/active_learning.json"));
}

} // namespace facelab::finetune

#include "FineTuneReportFile.h"

#include "store/ModelTable.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <algorithm>
#include <cmath>

namespace facelab::finetune {
namespace {

double number(const QJsonValue &v)
{
    return v.isDouble() ? v.toDouble() : NAN;   // null stands for an undefined figure
}

Interval interval(const QJsonValue &v)
{
    const QJsonArray a = v.toArray();
    return {number(a.at(0)), number(a.at(1))};
}

train::EpochStats epochFromJson(const QJsonObject &o)
{
    train::EpochStats e;
    e.epoch = o.value("epoch").toInt();
    e.trainLoss = number(o.value("train_loss"));
    e.valLoss = number(o.value("val_loss"));
    e.valAccuracy = number(o.value("val_accuracy"));
    e.valThreshold = number(o.value("val_threshold"));
    e.valAuc = number(o.value("val_auc"));
    e.valFarThreshold = number(o.value("val_far_threshold"));
    e.valFar = number(o.value("val_far"));
    e.valTar = number(o.value("val_tar"));
    e.valAccuracyAtFar = number(o.value("val_accuracy_at_far"));
    e.anchorCosine = number(o.value("anchor_cosine"));
    e.seconds = number(o.value("seconds"));
    e.best = o.value("best").toBool();
    return e;
}

eval::EvalResult sideFromJson(const QJsonObject &o)
{
    eval::EvalResult r;
    r.pairs = o.value("pairs").toInteger();
    r.threshold = number(o.value("threshold"));
    r.atThreshold.tp = o.value("tp").toInteger();
    r.atThreshold.tn = o.value("tn").toInteger();
    r.atThreshold.fp = o.value("fp").toInteger();
    r.atThreshold.fn = o.value("fn").toInteger();
    r.auc = number(o.value("auc"));
    r.eer = number(o.value("eer"));
    return r;
}

SideFigures figuresFromJson(const QJsonObject &o)
{
    SideFigures f;
    f.accuracy = number(o.value("accuracy"));
    f.accuracyCi = interval(o.value("accuracy_ci95"));
    f.auc = number(o.value("auc"));
    f.aucCi = interval(o.value("auc_ci95"));
    f.accuracyAtBestAccThreshold = number(o.value("accuracy_at_best_accuracy_threshold"));
    f.tp = o.value("tp").toInteger();
    f.tn = o.value("tn").toInteger();
    f.fp = o.value("fp").toInteger();
    f.fn = o.value("fn").toInteger();
    return f;
}

} // namespace

QString reportFilePath(const store::ProjectStore &store, qint64 runId)
{
    return QDir(store.folder()).filePath(QStringLiteral("reports/finetune-run%1.json").arg(runId));
}

QString writeReportFile(const store::ProjectStore &store, const FineTuneReport &report)
{
    if (report.runId <= 0)
        return {};   // a run that was not recorded has nothing to be found by
    const QString path = reportFilePath(store, report.runId);
    if (!QDir(store.folder()).mkpath(QStringLiteral("reports")))
        return QStringLiteral("%1: cannot create the folder").arg(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return QStringLiteral("%1: %2").arg(path, f.errorString());
    const QByteArray bytes = QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented);
    if (f.write(bytes) != bytes.size() || !f.commit())
        return QStringLiteral("%1: %2").arg(path, f.errorString());
    return {};
}

FineTuneReport reportFromJson(const QJsonObject &o)
{
    FineTuneReport r;
    r.runId = o.value("run").toInteger();
    r.version = o.value("model").toString();
    r.versionId = o.value("version_id").toInteger();
    r.parent = o.value("parent").toString();
    r.parentId = o.value("parent_id").toInteger();
    r.seconds = number(o.value("seconds"));
    r.training.bestEpoch = o.value("best_epoch").toInt();
    r.training.epochsRun = o.value("epochs_run").toInt();
    r.training.cancelled = o.value("cancelled").toBool();
    r.training.stoppedEarly = o.value("stopped_early").toBool();
    r.training.device = o.value("device").toString().toStdString();
    r.training.pairsPerSecond = number(o.value("pairs_per_second"));
    for (const QJsonValue &e : o.value("epochs").toArray())
        r.training.epochs.push_back(epochFromJson(e.toObject()));
    for (const QJsonValue &n : o.value("notes").toArray())
        r.notes << n.toString();
    r.verdict.verdict = o.value("verdict").toString();
    r.verdict.summary = o.value("verdict_summary").toString();
    for (const QJsonValue &n : o.value("verdict_reasons").toArray())
        r.verdict.reasons << n.toString();
    const QJsonObject test = o.value("test").toObject();
    r.test.available = test.value("available").toBool();
    r.test.note = test.value("note").toString();
    if (r.test.available) {
        r.test.parent = sideFromJson(test.value("parent").toObject());
        r.test.child = sideFromJson(test.value("child").toObject());
        r.test.unseenPeople = test.value("unseen_people").toBool();
        r.test.testPeople = test.value("test_people").toInteger();
        r.test.testPeopleTrainedOn = test.value("test_people_trained_on").toInteger();
        if (test.value("paired").isObject()) {
            const QJsonObject p = test.value("paired").toObject();
            PairedComparison c;
            c.pairs = p.value("pairs").toInteger();
            c.positives = p.value("positives").toInteger();
            c.negatives = p.value("negatives").toInteger();
            c.parent = figuresFromJson(p.value("parent").toObject());
            c.child = figuresFromJson(p.value("child").toObject());
            c.deltaAccuracy = number(p.value("delta_accuracy"));
            c.deltaAccuracyCi = interval(p.value("delta_accuracy_ci95"));
            c.deltaAuc = number(p.value("delta_auc"));
            c.deltaAucCi = interval(p.value("delta_auc_ci95"));
            r.test.paired = c;
        }
    }
    return r;
}

std::optional<FineTuneReport> lastReport(const store::ProjectStore &store)
{
    const QDir dir(QDir(store.folder()).filePath(QStringLiteral("reports")));
    static const QRegularExpression name(QStringLiteral("^finetune-run(\\d+)\\.json$"));
    QVector<std::pair<qint64, QString>> files;
    for (const QString &f : dir.entryList({QStringLiteral("finetune-run*.json")}, QDir::Files)) {
        const auto m = name.match(f);
        if (m.hasMatch())
            files.append({m.captured(1).toLongLong(), dir.filePath(f)});
    }
    std::sort(files.begin(), files.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    const store::ModelTable models(store);
    for (const auto &[run, path] : files) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
        if (!doc.isObject())
            continue;   // a damaged report is skipped: the run's figures stay in the store
        FineTuneReport r = reportFromJson(doc.object());
        if (r.versionId > 0 && models.version(r.versionId))
            return r;
    }
    return std::nullopt;
}

} // namespace facelab::finetune

#include "FineTuneJob.h"

#include "embedding/EmbeddingJob.h"
#include "embedding/ModelImport.h"
#include "embedding/VersionModel.h"
#include "eval/EvalPairs.h"
#include "eval/EvalRun.h"
#include "data/FaceIndexer.h"
#include "nn/Engine.h"
#include "store/FaceTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"
#include "train/ContrastiveTrainer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QThread>
#include <cmath>
#include <opencv2/imgcodecs.hpp>

namespace facelab::finetune {

namespace {

[[noreturn]] void fail(const QString &message)
{
    throw std::runtime_error(message.toStdString());
}

QJsonValue numberOrNull(double v)
{
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

QJsonObject epochJson(const train::EpochStats &e)
{
    return QJsonObject{{"epoch", e.epoch},
                       {"train_loss", numberOrNull(e.trainLoss)},
                       {"val_loss", e.valLoss},
                       {"val_accuracy", e.valAccuracy},
                       {"val_threshold", e.valThreshold},
                       {"val_auc", e.valAuc},
                       {"seconds", e.seconds},
                       {"best", e.best}};
}

// The aligned crops of the snapshot's images, and the pairs as indices into them.
train::TrainingSet loadTrainingSet(const store::ProjectStore &store, const FeedbackSnapshot &snap, jobs::JobContext &ctx)
{
    train::TrainingSet set;
    QHash<qint64, int> index;
    for (int i = 0; i < snap.images.size(); ++i) {
        ctx.checkCanceled();
        const QString path = store::FaceTable::alignedPath(store, snap.images[i]);
        cv::Mat img = cv::imread(path.toStdString(), cv::IMREAD_COLOR);
        if (img.empty())
            fail(QStringLiteral("cannot read the aligned face %1 (image %2): run the face stage again")
                     .arg(path).arg(snap.images[i]));
        index.insert(snap.images[i], int(set.faces.size()));
        set.faces.push_back(std::move(img));
        ctx.setProgress(i + 1, snap.images.size(), QStringLiteral("Loading %1 faces").arg(snap.images.size()));
    }
    auto convert = [&](const QVector<SnapshotPair> &from, std::vector<train::FacePair> &to) {
        for (const SnapshotPair &p : from)
            to.push_back({index.value(p.imageA), index.value(p.imageB), p.same});
    };
    convert(snap.train, set.train);
    convert(snap.validation, set.validation);
    return set;
}

// Test-split pairs with truth and scores under a version.
eval::EvalPairs testPairs(const store::ProjectStore &store, const store::ModelVersionRecord &v, eval::TruthSource src,
                          const QSet<qint64> &testIds)
{
    eval::EvalPairs all = eval::loadEvalPairs(store, v, src);
    eval::EvalPairs out;
    out.version = all.version;
    out.source = all.source;
    for (size_t i = 0; i < all.size(); ++i) {
        if (!testIds.contains(all.pairIds[int(i)]))
            continue;
        out.pairIds.push_back(all.pairIds[int(i)]);
        out.scores.push_back(all.scores[i]);
        out.same.push_back(all.same[i]);
        out.fromVerdict.push_back(all.fromVerdict[i]);
    }
    return out;
}

VersionComparison compareOnTest(const store::ProjectStore &store, const store::ModelVersionRecord &parent,
                                double parentThreshold, const store::ModelVersionRecord &child, double childThreshold,
                                eval::TruthSource src)
{
    VersionComparison c;
    QSet<qint64> testIds;
    for (const store::PairRecord &p : store::PairTable(store).all())
        if (p.split == QLatin1String("test"))
            testIds.insert(p.id);
    if (testIds.isEmpty()) {
        c.note = QStringLiteral("the project has no test-split pairs: no held-out comparison");
        return c;
    }
    const eval::EvalPairs pp = testPairs(store, parent, src, testIds);
    const eval::EvalPairs cp = testPairs(store, child, src, testIds);
    if (pp.size() < 2 || cp.size() < 2) {
        c.note = QStringLiteral("fewer than two test-split pairs have known truth and scores: no held-out comparison");
        return c;
    }
    try {
        eval::EvalOptions po, co;
        po.threshold = parentThreshold;
        co.threshold = childThreshold;
        po.folds = co.folds = int(std::min<size_t>(10, std::min(pp.size(), cp.size())));
        c.parent = eval::evaluatePairs(pp, po);
        c.child = eval::evaluatePairs(cp, co);
        c.available = true;
    } catch (const std::exception &e) {
        c.note = QStringLiteral("test comparison not possible: %1").arg(QString::fromUtf8(e.what()));
    }
    return c;
}

} // namespace

QJsonObject FineTuneRequest::toJson() const
{
    const auto &t = training;
    return QJsonObject{{"model", model},
                       {"epochs", t.epochs},
                       {"batch", t.batchPairs},
                       {"lr", t.learningRate},
                       {"margin", t.margin},
                       {"flip", t.flipAugment},
                       {"train_batchnorm", t.trainBatchNorm},
                       {"freeze_fraction", t.freezeFraction},
                       {"patience", t.patience},
                       {"seed", QString::number(t.seed)},
                       {"include_test_split", snapshot.includeTestSplit},
                       {"hold_out_fraction", snapshot.holdOutFraction},
                       {"truth", eval::truthSourceName(truth)},
                       {"make_current", makeCurrent}};
}

FineTuneRequest FineTuneRequest::fromJson(const QJsonObject &o)
{
    FineTuneRequest r;
    auto &t = r.training;
    r.model = o.value("model").toString(r.model);
    t.epochs = o.value("epochs").toInt(t.epochs);
    t.batchPairs = o.value("batch").toInt(t.batchPairs);
    t.learningRate = o.value("lr").toDouble(t.learningRate);
    t.margin = o.value("margin").toDouble(t.margin);
    t.flipAugment = o.value("flip").toBool(t.flipAugment);
    t.trainBatchNorm = o.value("train_batchnorm").toBool(t.trainBatchNorm);
    t.freezeFraction = o.value("freeze_fraction").toDouble(t.freezeFraction);
    t.patience = o.value("patience").toInt(t.patience);
    t.seed = o.value("seed").toString(QString::number(t.seed)).toULongLong();
    r.snapshot.seed = t.seed;
    r.snapshot.includeTestSplit = o.value("include_test_split").toBool(r.snapshot.includeTestSplit);
    r.snapshot.holdOutFraction = o.value("hold_out_fraction").toDouble(r.snapshot.holdOutFraction);
    if (auto s = eval::truthSourceFromName(o.value("truth").toString()))
        r.truth = *s;
    r.makeCurrent = o.value("make_current").toBool(r.makeCurrent);
    return r;
}

QJsonObject VersionComparison::toJson() const
{
    if (!available)
        return QJsonObject{{"available", false}, {"note", note}};
    auto side = [](const eval::EvalResult &r) {
        return QJsonObject{{"pairs", r.pairs},
                           {"threshold", r.threshold},
                           {"accuracy", r.atThreshold.accuracy()},
                           {"precision", numberOrNull(r.atThreshold.precision().value_or(NAN))},
                           {"recall", numberOrNull(r.atThreshold.recall().value_or(NAN))},
                           {"f1", numberOrNull(r.atThreshold.f1().value_or(NAN))},
                           {"tp", r.atThreshold.tp},
                           {"tn", r.atThreshold.tn},
                           {"fp", r.atThreshold.fp},
                           {"fn", r.atThreshold.fn},
                           {"auc", r.auc},
                           {"eer", r.eer},
                           {"best_accuracy", r.best.accuracy()},
                           {"kfold_accuracy_mean", r.kfold.accuracyMean}};
    };
    const QJsonObject delta{{"accuracy", child.atThreshold.accuracy() - parent.atThreshold.accuracy()},
                            {"auc", child.auc - parent.auc},
                            {"fp", child.atThreshold.fp - parent.atThreshold.fp},
                            {"fn", child.atThreshold.fn - parent.atThreshold.fn}};
    return QJsonObject{{"available", true}, {"parent", side(parent)}, {"child", side(child)}, {"delta", delta}};
}

QJsonObject FineTuneReport::toJson() const
{
    QJsonArray epochs;
    for (const auto &e : training.epochs)
        epochs.append(epochJson(e));
    const double before = training.epochs.empty() ? NAN : training.epochs.front().valAccuracy;
    double after = NAN;
    for (const auto &e : training.epochs)
        if (e.epoch == training.bestEpoch && e.epoch > 0)
            after = e.valAccuracy;
    return QJsonObject{{"run", runId},
                       {"model", versionId ? QJsonValue(version) : QJsonValue(QJsonValue::Null)},
                       {"parent", parent},
                       {"epochs_run", training.epochsRun},
                       {"best_epoch", training.bestEpoch},
                       {"cancelled", training.cancelled},
                       {"stopped_early", training.stoppedEarly},
                       {"train_pairs", snapshot.train.size()},
                       {"val_pairs", snapshot.validation.size()},
                       {"validation_source", snapshot.validationSource},
                       {"feedback_snapshot", snapshot.takenAt},
                       {"val_accuracy_before", numberOrNull(before)},
                       {"val_accuracy_after", numberOrNull(after)},
                       {"test", test.toJson()},
                       {"epochs", epochs},
                       {"trainable_parameters", qint64(training.trainableScalars)},
                       {"frozen_parameters", qint64(training.frozenScalars)},
                       {"pairs_per_second", training.pairsPerSecond},
                       {"seconds", seconds},
                       {"device", QString::fromStdString(training.device)},
                       {"notes", QJsonArray::fromStringList(notes)}};
}

QString childVersionName(const store::ProjectStore &store, const QString &parentName)
{
    static const QRegularExpression ftSuffix(QStringLiteral("-ft\\d+$"));
    QString base = parentName;
    base.remove(ftSuffix);
    const store::ModelTable models(store);
    for (int i = 1;; ++i) {
        const QString name = QStringLiteral("%1-ft%2").arg(base).arg(i);
        if (!models.nameTaken(name))
            return name;
    }
}

FineTuneReport fineTune(const store::ProjectStore &store, const FineTuneRequest &request, jobs::JobContext &ctx,
                        const FineTuneObserver &observer)
{
    QElapsedTimer timer;
    timer.start();
    store::ModelTable models(store);
    const store::ModelVersionRecord parent = eval::versionForEval(store, request.model);
    const store::RunTable runs(store);
    FineTuneReport rep;
    rep.parent = parent.name;
    rep.parentId = parent.id;
    rep.runId = ctx.runId();
    // Metrics belong to the run that records this work; without one (0) there is nowhere to put them.
    auto metric = [&](qint64 versionId, const QString &name, double value) {
        if (rep.runId > 0)
            runs.addMetric(rep.runId, versionId, name, value);
    };
    auto say = [&](const QString &line) { ctx.log(line); };   // the recorder keeps it in the run's log

    try {
        if (store::FaceTable(store).counts().pending > 0) {
            say(QStringLiteral("Detecting faces of images not yet looked at"));
            data::indexFaces(store, ctx);
        }
        FineTuneRequest req = request;
        req.snapshot.seed = req.training.seed;
        rep.snapshot = takeFeedbackSnapshot(store, req.snapshot);
        const FeedbackSnapshot &snap = rep.snapshot;
        rep.notes = snap.notes;
        say(QStringLiteral("Feedback snapshot at %1: %2 verdicts -> %3 training pairs, %4 validation pairs (%5), %6 "
                           "test pairs held out; verdicts given from now on are not used by this run")
                .arg(snap.takenAt).arg(snap.verdicts).arg(snap.train.size()).arg(snap.validation.size())
                .arg(snap.validationSource).arg(snap.testVerdictsExcluded));
        for (const QString &n : snap.notes)
            say(n);

        const train::TrainingSet set = loadTrainingSet(store, snap, ctx);
        nn::FaceModel model;
        try {
            model = embedding::openVersion(store, parent);
        } catch (const std::exception &e) {
            fail(QStringLiteral("cannot load version %1 for training: %2").arg(parent.name, QString::fromUtf8(e.what())));
        }
        train::ContrastiveTrainer trainer(model, req.training);
        train::TrainCallbacks cb;
        cb.cancelled = [&ctx] { return ctx.isCanceled(); };
        cb.onStep = [&](const train::StepStats &s) {
            ctx.setProgress(s.step, s.steps,
                            QStringLiteral("Epoch %1/%2, loss %3").arg(s.epoch).arg(req.training.epochs).arg(s.loss, 0, 'f', 4));
            if (observer.step)
                observer.step(s);
        };
        cb.onEpoch = [&](const train::EpochStats &e) {
            say(QStringLiteral("epoch %1: train loss %2, validation loss %3, accuracy %4 at %5, AUC %6%7")
                    .arg(e.epoch).arg(std::isfinite(e.trainLoss) ? QString::number(e.trainLoss, 'f', 4) : QStringLiteral("-"))
                    .arg(e.valLoss, 0, 'f', 4).arg(e.valAccuracy, 0, 'f', 4).arg(e.valThreshold, 0, 'f', 3)
                    .arg(e.valAuc, 0, 'f', 4).arg(e.best ? QStringLiteral(" (best)") : QString()));
            if (observer.epoch)
                observer.epoch(e);
        };
        if (observer.started)
            observer.started(nn::cudaAvailable() ? QStringLiteral("CUDA")
                                                 : QStringLiteral("CPU, %1 threads").arg(QThread::idealThreadCount()),
                             snap);
        rep.training = trainer.train(set, cb);
        say(QStringLiteral("device: %1; %2 pairs/s").arg(QString::fromStdString(rep.training.device))
                .arg(rep.training.pairsPerSecond, 0, 'f', 1));
        if (rep.training.bestEpoch == 0)
            throw jobs::Cancelled();   // cancelled before an epoch ended: nothing to keep

        // The best epoch, written atomically, then registered: a killed process leaves at most an
        // unregistered file, never a registered half-written one.
        const train::EpochStats *best = nullptr;
        for (const auto &e : rep.training.epochs)
            if (e.epoch == rep.training.bestEpoch)
                best = &e;
        rep.version = childVersionName(store, parent.name);
        // In the parent's family format (.onnx, .pth, ...): the child opens like its parent.
        const QString rel = QStringLiteral("models/%1%2").arg(rep.version, QString::fromStdString(model.fileSuffix()));
        QDir(store.folder()).mkpath(QStringLiteral("models"));
        try {
            model.save(QDir(store.folder()).filePath(rel).toStdString());
        } catch (const std::exception &e) {
            fail(QStringLiteral("cannot write the new version to %1: %2").arg(QDir(store.folder()).filePath(rel), QString::fromUtf8(e.what())));
        }
        rep.versionId = models.addVersion(parent.modelId, rep.version, parent.id, rel, parent.preprocessingJson,
                                          best->valThreshold, rep.runId);
        const double parentThreshold = parent.threshold.value_or(rep.training.epochs.front().valThreshold);
        metric(parent.id, QStringLiteral("val_accuracy"), rep.training.epochs.front().valAccuracy);
        metric(parent.id, QStringLiteral("val_auc"), rep.training.epochs.front().valAuc);
        metric(rep.versionId, QStringLiteral("val_accuracy"), best->valAccuracy);
        metric(rep.versionId, QStringLiteral("val_auc"), best->valAuc);
        say(QStringLiteral("new version %1 (epoch %2 of %3, validation accuracy %4 -> %5), threshold %6")
                .arg(rep.version).arg(rep.training.bestEpoch).arg(rep.training.epochsRun)
                .arg(rep.training.epochs.front().valAccuracy, 0, 'f', 4).arg(best->valAccuracy, 0, 'f', 4)
                .arg(best->valThreshold, 0, 'f', 3));
        if (request.makeCurrent)
            models.setCurrent(rep.versionId);

        if (rep.training.cancelled) {
            rep.notes << QStringLiteral("cancelled during epoch %1: the best complete epoch (%2) was kept; the new "
                                        "version is not embedded or evaluated yet")
                             .arg(rep.training.epochsRun + 1).arg(rep.training.bestEpoch);
            say(rep.notes.last());
            rep.seconds = timer.nsecsElapsed() / 1e9;
            return rep;   // returned after the cancel request: the run is recorded as cancelled
        }

        // Embed both (the parent is usually cached) and compare them on the held-out test split.
        embedding::embedProject(store, parent.id, ctx);
        embedding::embedProject(store, rep.versionId, ctx);
        const auto child = models.version(rep.versionId);
        rep.test = compareOnTest(store, parent, parentThreshold, *child, best->valThreshold, request.truth);
        if (rep.test.available) {
            for (const auto &[name, value] : rep.test.parent.metricValues())
                metric(parent.id, QStringLiteral("test_") + name, value);
            for (const auto &[name, value] : rep.test.child.metricValues())
                metric(rep.versionId, QStringLiteral("test_") + name, value);
            say(QStringLiteral("test split (%1 pairs): accuracy %2 -> %3, AUC %4 -> %5, FP %6 -> %7, FN %8 -> %9")
                    .arg(rep.test.child.pairs)
                    .arg(rep.test.parent.atThreshold.accuracy(), 0, 'f', 4).arg(rep.test.child.atThreshold.accuracy(), 0, 'f', 4)
                    .arg(rep.test.parent.auc, 0, 'f', 4).arg(rep.test.child.auc, 0, 'f', 4)
                    .arg(rep.test.parent.atThreshold.fp).arg(rep.test.child.atThreshold.fp)
                    .arg(rep.test.parent.atThreshold.fn).arg(rep.test.child.atThreshold.fn));
        } else {
            rep.notes << rep.test.note;
            say(rep.test.note);
        }
        rep.seconds = timer.nsecsElapsed() / 1e9;
        return rep;
    } catch (const jobs::Cancelled &) {
        say(QStringLiteral("cancelled before the first epoch ended: no new version"));
        throw;
    }
}

QJsonObject fineTuneRunParams(const store::ProjectStore &store, const FineTuneRequest &request)
{
    QJsonObject params = request.toJson();
    params.insert("model", eval::versionForEval(store, request.model).name);
    return params;
}

} // namespace facelab::finetune

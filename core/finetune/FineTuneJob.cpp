#include "FineTuneJob.h"
#include "FineTuneReportFile.h"
#include "FineTuneWorker.h"
#include "TrainingSnapshotFile.h"

#include "embedding/EmbeddingJob.h"
#include "embedding/ModelImport.h"
#include "embedding/VersionModel.h"
#include "eval/EvalPairs.h"
#include "eval/EvalRun.h"
#include "data/FaceIndexer.h"
#include "nn/Engine.h"
#include "store/FaceTable.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"
#include "train/ContrastiveTrainer.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QThread>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <random>

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
                       {"val_far_threshold", e.valFarThreshold},
                       {"val_far", e.valFar},
                       {"val_tar", e.valTar},
                       {"val_accuracy_at_far", e.valAccuracyAtFar},
                       {"anchor_cosine", numberOrNull(e.anchorCosine)},
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
    for (int i = 0; i < snap.anchors.size(); ++i) {
        ctx.checkCanceled();
        const QString path = store::FaceTable::alignedPath(store, snap.anchors[i]);
        cv::Mat img = cv::imread(path.toStdString(), cv::IMREAD_COLOR);
        if (img.empty())
            continue;   // an unlabelled face is optional: one that cannot be read is left out
        set.anchors.push_back(int(set.faces.size()));
        set.faces.push_back(std::move(img));
    }
    return set;
}

// The reference project's pairs with truth (its verdicts, else imported truth) and their aligned
// faces, for the forgetting figures. Throws with a message for the user.
struct ReferenceDomain
{
    QString project;
    std::vector<cv::Mat> faces;
    std::vector<std::pair<int, int>> pairs;
    std::vector<unsigned char> same;
    std::vector<std::vector<float>> parent, child;   // unit embeddings per face
};

ReferenceDomain loadReference(const QString &folder, int maxPairs, quint64 seed, jobs::JobContext &ctx)
{
    ReferenceDomain ref;
    ref.project = folder;
    const store::ProjectStore st = store::ProjectStore::open(folder);
    QVector<store::PairRecord> pairs;
    for (store::PairRecord p : store::PairTable(st).all()) {
        std::optional<bool> truth = p.truth;
        if (p.verdict && *p.verdict != store::Verdict::Skip)
            truth = *p.verdict == store::Verdict::Same;
        if (!truth)
            continue;
        if (!QFileInfo::exists(store::FaceTable::alignedPath(st, p.a.id)) ||
            !QFileInfo::exists(store::FaceTable::alignedPath(st, p.b.id)))
            continue;
        p.truth = truth;
        pairs.push_back(p);
    }
    if (pairs.size() > maxPairs) {
        std::mt19937_64 rng(seed);
        for (int i = pairs.size(); i > 1; --i)
            std::swap(pairs[i - 1], pairs[int(rng() % quint64(i))]);
        pairs.resize(maxPairs);
        std::sort(pairs.begin(), pairs.end(), [](const auto &x, const auto &y) { return x.id < y.id; });
    }
    QHash<qint64, int> index;
    auto face = [&](qint64 image) {
        auto it = index.find(image);
        if (it != index.end())
            return *it;
        const QString path = store::FaceTable::alignedPath(st, image);
        cv::Mat img = cv::imread(path.toStdString(), cv::IMREAD_COLOR);
        if (img.empty())
            fail(QStringLiteral("reference project: cannot read the aligned face %1").arg(path));
        ref.faces.push_back(std::move(img));
        return *index.insert(image, int(ref.faces.size()) - 1);
    };
    for (const store::PairRecord &p : pairs) {
        ctx.checkCanceled();
        ref.pairs.push_back({face(p.a.id), face(p.b.id)});
        ref.same.push_back(*p.truth ? 1 : 0);
    }
    const auto same = std::count(ref.same.begin(), ref.same.end(), 1);
    if (same == 0 || same == qint64(ref.same.size()))
        fail(QStringLiteral("reference project %1 has no pairs of both kinds with truth and aligned faces (faces and "
                            "pairs must be made there first)").arg(folder));
    return ref;
}

std::vector<double> referenceScores(const ReferenceDomain &ref, const std::vector<std::vector<float>> &emb)
{
    std::vector<double> out;
    for (const auto &[a, b] : ref.pairs) {
        double dot = 0;
        for (size_t k = 0; k < emb[size_t(a)].size(); ++k)
            dot += double(emb[size_t(a)][k]) * double(emb[size_t(b)][k]);
        out.push_back(dot);
    }
    return out;
}

ForgettingFigures forgettingOn(const ReferenceDomain &ref)
{
    eval::EvalOptions o;
    o.folds = int(std::min<size_t>(10, ref.same.size()));
    const eval::EvalResult p = eval::evaluateScores(referenceScores(ref, ref.parent), ref.same, o, QStringLiteral("the parent"));
    const eval::EvalResult c = eval::evaluateScores(referenceScores(ref, ref.child), ref.same, o, QStringLiteral("the child"));
    ForgettingFigures f;
    f.project = ref.project;
    f.pairs = qint64(ref.same.size());
    f.parentAccuracy = p.kfold.accuracyMean;
    f.childAccuracy = c.kfold.accuracyMean;
    f.parentAuc = p.auc;
    f.childAuc = c.auc;
    f.parentAccuracyCi = wilsonInterval(std::round(f.parentAccuracy * double(f.pairs)), double(f.pairs));
    f.childAccuracyCi = wilsonInterval(std::round(f.childAccuracy * double(f.pairs)), double(f.pairs));
    return f;
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
                                const train::EpochStats &parentVal, const store::ModelVersionRecord &child,
                                const train::EpochStats &childVal, eval::TruthSource src, const FeedbackSnapshot &snap)
{
    VersionComparison c;
    const double parentThreshold = parentVal.valFarThreshold, childThreshold = childVal.valFarThreshold;
    QSet<qint64> testIds, testPeople;
    bool known = !snap.trainIdentities.isEmpty();
    for (const store::PairRecord &p : store::PairTable(store).all())
        if (p.split == QLatin1String("test")) {
            testIds.insert(p.id);
            for (qint64 id : {p.a.identityId, p.b.identityId})
                (id > 0 ? (void)testPeople.insert(id) : (void)(known = false));
        }
    const QSet<qint64> trained(snap.trainIdentities.begin(), snap.trainIdentities.end());
    c.testPeople = testPeople.size();
    c.testPeopleTrainedOn = QSet<qint64>(testPeople).intersect(trained).size();
    c.unseenPeople = known && c.testPeople > 0 && c.testPeopleTrainedOn == 0;
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
        // The pairs both versions scored, in id order.
        QHash<qint64, size_t> childRow;
        for (size_t i = 0; i < cp.size(); ++i)
            childRow.insert(cp.pairIds[int(i)], i);
        PairedScores ps;
        for (size_t i = 0; i < pp.size(); ++i) {
            const auto it = childRow.constFind(pp.pairIds[int(i)]);
            if (it == childRow.constEnd())
                continue;
            ps.parent.push_back(pp.scores[i]);
            ps.child.push_back(cp.scores[*it]);
            ps.same.push_back(pp.same[i]);
        }
        ps.parentThreshold = parentThreshold;
        ps.childThreshold = childThreshold;
        ps.parentBestAccThreshold = parentVal.valThreshold;
        ps.childBestAccThreshold = childVal.valThreshold;
        c.paired = comparePaired(ps);
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
                       {"freeze", QString::fromLatin1(train::freezePresetName(t.freeze))},
                       {"freeze_fraction", t.freezeFraction},
                       {"patience", t.patience},
                       {"seed", QString::number(t.seed)},
                       {"include_test_split", snapshot.includeTestSplit},
                       {"hold_out_fraction", snapshot.holdOutFraction},
                       {"truth", eval::truthSourceName(truth)},
                       {"make_current", makeCurrent},
                       {"loss", QString::fromLatin1(train::lossKindName(t.loss))},
                       {"distill", t.distillWeight},
                       {"distill_batch", t.distillBatch},
                       {"l2sp", t.l2spWeight},
                       {"warmup", t.warmupFraction},
                       {"cosine_decay", t.cosineDecay},
                       {"far", t.targetFar},
                       {"reference", referenceProject},
                       {"processes", parallel.size()},
                       {"checkpoint", QString::fromStdString(t.checkpointPath)},
                       {"checkpoint_every", t.checkpointEvery},
                       {"resume", t.resume}};
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
    if (!train::freezePresetFromName(o.value("freeze").toString().toStdString(), t.freeze))
        t.freeze = train::FreezePreset::Fraction;   // runs recorded before the presets
    t.patience = o.value("patience").toInt(t.patience);
    t.seed = o.value("seed").toString(QString::number(t.seed)).toULongLong();
    r.snapshot.seed = t.seed;
    r.snapshot.includeTestSplit = o.value("include_test_split").toBool(r.snapshot.includeTestSplit);
    r.snapshot.holdOutFraction = o.value("hold_out_fraction").toDouble(r.snapshot.holdOutFraction);
    if (auto s = eval::truthSourceFromName(o.value("truth").toString()))
        r.truth = *s;
    r.makeCurrent = o.value("make_current").toBool(r.makeCurrent);
    train::lossKindFromName(o.value("loss").toString().toStdString(), t.loss);
    t.distillWeight = o.value("distill").toDouble(t.distillWeight);
    t.distillBatch = o.value("distill_batch").toInt(t.distillBatch);
    t.l2spWeight = o.value("l2sp").toDouble(t.l2spWeight);
    t.warmupFraction = o.value("warmup").toDouble(t.warmupFraction);
    t.cosineDecay = o.value("cosine_decay").toBool(t.cosineDecay);
    t.targetFar = o.value("far").toDouble(t.targetFar);
    r.referenceProject = o.value("reference").toString(r.referenceProject);
    t.checkpointPath = o.value("checkpoint").toString().toStdString();
    t.checkpointEvery = o.value("checkpoint_every").toInt(t.checkpointEvery);
    t.resume = o.value("resume").toBool(t.resume);
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
    QJsonObject out{{"available", true},
                    {"parent", side(parent)},
                    {"child", side(child)},
                    {"delta", delta},
                    {"unseen_people", unseenPeople},
                    {"test_people", testPeople},
                    {"test_people_trained_on", testPeopleTrainedOn}};
    if (paired)
        out.insert("paired", paired->toJson());
    return out;
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
                       {"version_id", versionId},
                       {"parent", parent},
                       {"parent_id", parentId},
                       {"epochs_run", training.epochsRun},
                       {"best_epoch", training.bestEpoch},
                       {"cancelled", training.cancelled},
                       {"stopped_early", training.stoppedEarly},
                       {"train_pairs", snapshot.train.size()},
                       {"val_pairs", snapshot.validation.size()},
                       {"validation_source", snapshot.validationSource},
                       {"validation_identity_disjoint", snapshot.validationIdentityDisjoint},
                       {"cross_pairs_left_out", snapshot.crossPairsLeftOut},
                       {"anchors", qint64(snapshot.anchors.size())},
                       {"groups", training.groups},
                       {"negative_group_links", training.negativeLinks},
                       {"feedback_snapshot", snapshot.takenAt},
                       {"val_accuracy_before", numberOrNull(before)},
                       {"val_accuracy_after", numberOrNull(after)},
                       {"test", test.toJson()},
                       {"verdict", verdict.verdict.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(verdict.verdict)},
                       {"verdict_summary", verdict.summary},
                       {"verdict_reasons", QJsonArray::fromStringList(verdict.reasons)},
                       {"reference", forgetting ? QJsonValue(forgetting->toJson()) : QJsonValue(QJsonValue::Null)},
                       {"epochs", epochs},
                       {"trainable_parameters", qint64(training.trainableScalars)},
                       {"frozen_parameters", qint64(training.frozenScalars)},
                       {"blocks", training.blocks},
                       {"frozen_blocks", training.frozenBlocks},
                       {"last_frozen_block", QString::fromStdString(training.lastFrozenBlock)},
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
        std::optional<ReferenceDomain> reference;
        if (!req.referenceProject.isEmpty()) {
            say(QStringLiteral("Reference domain %1: the parent's embeddings").arg(req.referenceProject));
            reference = loadReference(req.referenceProject, req.referencePairs, req.training.seed, ctx);
            reference->parent = trainer.embedFaces(reference->faces);
        }
        if (!set.anchors.empty())
            say(QStringLiteral("%1 unlabelled faces hold the embedding near the parent's (distillation weight %2)")
                    .arg(set.anchors.size()).arg(req.training.distillWeight));
        train::TrainCallbacks cb;
        cb.cancelled = [&ctx] { return ctx.isCanceled(); };
        cb.onStep = [&](const train::StepStats &s) {
            ctx.setProgress(s.step, s.steps,
                            QStringLiteral("Epoch %1/%2, loss %3").arg(s.epoch).arg(req.training.epochs).arg(s.loss, 0, 'f', 4));
            if (observer.step)
                observer.step(s);
        };
        cb.onEpoch = [&](const train::EpochStats &e) {
            say(QStringLiteral("epoch %1: train loss %2, validation loss %3, accuracy %4 at %5, AUC %6, TAR %7 at FAR "
                               "%8 (threshold %9)%10")
                    .arg(e.epoch).arg(std::isfinite(e.trainLoss) ? QString::number(e.trainLoss, 'f', 4) : QStringLiteral("-"))
                    .arg(e.valLoss, 0, 'f', 4).arg(e.valAccuracy, 0, 'f', 4).arg(e.valThreshold, 0, 'f', 3)
                    .arg(e.valAuc, 0, 'f', 4).arg(e.valTar, 0, 'f', 3).arg(e.valFar, 0, 'f', 3).arg(e.valFarThreshold, 0, 'f', 3)
                    .arg(e.best ? QStringLiteral(" (best)") : QString()));
            if (observer.epoch)
                observer.epoch(e);
        };
        if (observer.started)
            observer.started(nn::cudaAvailable()        ? QStringLiteral("CUDA")
                             : req.parallel.workers > 1 ? QStringLiteral("CPU, %1 processes sharing %2 threads")
                                                              .arg(req.parallel.workers).arg(QThread::idealThreadCount())
                                                        : QStringLiteral("CPU, %1 threads").arg(QThread::idealThreadCount()),
                             snap);
        // Data parallel: the snapshot first (workers read it once the group has formed), then the
        // local children, then this process joins as rank 0. A worker that dies or hangs fails a
        // collective here within the timeout; the run then fails before anything is registered.
        std::unique_ptr<parallel::RankZero> group;
        const parallel::DataParallelOptions &dp = req.parallel;
        const QString snapPath = dp.snapshotPath.isEmpty() ? defaultSnapshotPath(store) : dp.snapshotPath;
        if (dp.enabled()) {
            QDir().mkpath(QFileInfo(snapPath).absolutePath());
            writeTrainingSnapshot(snapPath, TrainingSnapshotFile{req.toJson(), parent.name, set});
            try {
                group = std::make_unique<parallel::RankZero>(
                    dp, QStringList{QStringLiteral("finetune"), store.folder(), QStringLiteral("--snapshot"), snapPath}, snapPath);
            } catch (const std::exception &e) {
                fail(QString::fromUtf8(e.what()));
            }
            say(QStringLiteral("data-parallel training on %1 processes (rendezvous %2, snapshot %3), global batch %4 pairs")
                    .arg(group->world()).arg(group->master(), snapPath).arg(req.training.batchPairs));
            trainer.setCollective(group->collective());
        }
        try {
            rep.training = trainer.train(set, cb);
        } catch (const std::exception &e) {
            if (!group)
                throw;
            trainer.setCollective(nullptr);
            fail(group->failure(e));
        }
        if (group) {
            trainer.setCollective(nullptr);
            const QString problems = group->finish();
            group.reset();   // all cores again for what follows (embedding, evaluation)
            if (!problems.isEmpty())
                fail(QStringLiteral("data-parallel training failed after its last step: ") + problems);
        }
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
        // Its threshold: calibrated on the validation negatives for the target FAR.
        rep.versionId = models.addVersion(parent.modelId, rep.version, parent.id, rel, parent.preprocessingJson,
                                          best->valFarThreshold, rep.runId);
        metric(parent.id, QStringLiteral("val_accuracy"), rep.training.epochs.front().valAccuracy);
        metric(parent.id, QStringLiteral("val_auc"), rep.training.epochs.front().valAuc);
        metric(rep.versionId, QStringLiteral("val_accuracy"), best->valAccuracy);
        metric(rep.versionId, QStringLiteral("val_auc"), best->valAuc);
        say(QStringLiteral("new version %1 (epoch %2 of %3, validation AUC %4 -> %5, accuracy %6 -> %7), threshold %8 "
                           "(FAR %9 on validation; best-accuracy threshold %10)")
                .arg(rep.version).arg(rep.training.bestEpoch).arg(rep.training.epochsRun)
                .arg(rep.training.epochs.front().valAuc, 0, 'f', 4).arg(best->valAuc, 0, 'f', 4)
                .arg(rep.training.epochs.front().valAccuracy, 0, 'f', 4).arg(best->valAccuracy, 0, 'f', 4)
                .arg(best->valFarThreshold, 0, 'f', 3).arg(best->valFar, 0, 'f', 3).arg(best->valThreshold, 0, 'f', 3));
        if (best->valAuc <= rep.training.epochs.front().valAuc)
            rep.notes << QStringLiteral("no epoch beat the parent on validation: AUC %1 for the parent, %2 for the best "
                                        "epoch (%3)")
                             .arg(rep.training.epochs.front().valAuc, 0, 'f', 4).arg(best->valAuc, 0, 'f', 4)
                             .arg(rep.training.bestEpoch);
        if (reference) {
            reference->child = trainer.embedFaces(reference->faces);
            rep.forgetting = forgettingOn(*reference);
        }

        if (rep.training.cancelled) {
            rep.notes << QStringLiteral("cancelled during epoch %1: the best complete epoch (%2) was kept; the new "
                                        "version is not embedded or evaluated yet")
                             .arg(rep.training.epochsRun + 1).arg(rep.training.bestEpoch);
            say(rep.notes.last());
            rep.seconds = timer.nsecsElapsed() / 1e9;
            writeReportFile(store, rep);   // best effort: the version is registered either way
            return rep;   // returned after the cancel request: the run is recorded as cancelled
        }

        // Embed both (the parent is usually cached) and compare them on the held-out test split.
        embedding::embedProject(store, parent.id, ctx);
        embedding::embedProject(store, rep.versionId, ctx);
        const auto child = models.version(rep.versionId);
        rep.test = compareOnTest(store, parent, rep.training.epochs.front(), *child, *best, request.truth, snap);
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
        rep.verdict = judgeChild(rep.test.paired, rep.test.unseenPeople, rep.forgetting, req.limits);
        say(rep.verdict.summary);
        for (const QString &line : rep.verdict.reasons)
            say(QStringLiteral("  ") + line);
        if (request.makeCurrent) {
            if (rep.verdict.better())
                models.setCurrent(rep.versionId);
            else
                rep.notes << QStringLiteral("%1 was not made current: its verdict is \"%2\"").arg(rep.version, rep.verdict.verdict);
        }
        rep.seconds = timer.nsecsElapsed() / 1e9;
        // Kept beside the project so the Training view shows this result again after a restart.
        const QString unwritten = writeReportFile(store, rep);
        if (!unwritten.isEmpty())
            say(QStringLiteral("the report was not kept: ") + unwritten);
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

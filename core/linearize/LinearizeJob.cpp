#include "linearize/LinearizeJob.h"

#include "embedding/EmbeddingJob.h"
#include "embedding/VersionModel.h"
#include "eval/EvalPairs.h"
#include "linearize/LinearizeSnapshotFile.h"
#include "linearize/LinearizeWorker.h"
#include "linearize/SurrogateData.h"
#include "linearize/SurrogateVersions.h"
#include "linearizer/LinearizerTrainer.h"
#include "linearizer/SurrogateAnalysis.h"
#include "nn/Embedder.h"
#include "parallel/RankProgressText.h"
#include "store/EmbeddingTable.h"
#include "store/ModelTable.h"
#include "store/RunTable.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QVariantMap>

#include <cmath>
#include <stdexcept>

namespace facelab::linearize {

namespace {

QJsonValue num(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null); }

QVariantMap epochMap(const linearizer::LinearizerEpoch &e)
{
    return QVariantMap{{"epoch", e.epoch},           {"train_loss", e.trainLoss}, {"heldout_loss", e.heldOutLoss},
                       {"mse", e.heldOutMse},        {"cosine_mean", e.cosineMean}, {"cosine_min", e.cosineMin},
                       {"seconds", e.seconds},       {"best", e.best}};
}

// What the workers of a data-parallel run read: the request, the faces by name (never copied),
// the split and the teacher's cached targets.
LinearizeSnapshotFile snapshotFor(const store::ProjectStore &store, const LinearizeRequest &request, const QString &teacher,
                                  const SurrogateImages &images, const linearizer::LinearizerData &data)
{
    LinearizeSnapshotFile snap;
    LinearizeRequest shared = request;
    shared.teacher = teacher;
    snap.request = shared.toJson();
    snap.teacher = teacher;
    snap.pack = request.images;
    snap.maxImages = request.maxImages;
    snap.faces = data.count;
    if (request.images.isEmpty()) {
        for (const QString &p : images.paths)
            snap.crops << QDir(store.folder()).relativeFilePath(p);
        snap.targets = data.targets;
    }
    snap.train = data.train;
    snap.heldOut = data.heldOut;
    return snap;
}

} // namespace

QJsonObject LinearizeRequest::toJson() const
{
    const auto &c = config;
    const auto &t = training;
    QJsonArray encoderChannels;
    for (int ch : c.encoderChannels)
        encoderChannels.append(ch);
    return QJsonObject{{"teacher", teacher},
                       {"name", name},
                       {"latent", c.latent},
                       {"blocks", c.blocks},
                       {"hidden", c.hidden},
                       {"coupling_layers", c.couplingLayers},
                       {"rank", c.rank},
                       {"encoder_channels", encoderChannels},
                       {"scale_clamp", c.scaleClamp},
                       {"init_seed", QString::number(c.seed)},
                       {"epochs", t.epochs},
                       {"batch", t.batch},
                       {"learning_rate", t.learningRate},
                       {"mse_weight", t.mseWeight},
                       {"cosine_weight", t.cosineWeight},
                       {"flip", t.augment.flip},
                       {"shift", t.augment.maxShift},
                       {"colour_jitter", t.augment.colourJitter},
                       {"patience", t.patience},
                       {"seed", QString::number(t.seed)},
                       {"heldout_fraction", heldOutFraction},
                       {"heldout_by", heldOutByImage ? "image" : "identity"},
                       {"max_images", maxImages},
                       {"images", images},
                       {"resume", resume},
                       {"processes", parallel.size()}};
}

LinearizeRequest LinearizeRequest::fromJson(const QJsonObject &o)
{
    LinearizeRequest r;
    auto &c = r.config;
    auto &t = r.training;
    r.teacher = o.value("teacher").toString(r.teacher);
    r.name = o.value("name").toString(r.name);
    c.latent = o.value("latent").toInt(c.latent);
    c.blocks = o.value("blocks").toInt(c.blocks);
    c.hidden = o.value("hidden").toInt(c.hidden);
    c.couplingLayers = o.value("coupling_layers").toInt(c.couplingLayers);
    c.rank = o.value("rank").toInt(c.rank);
    if (o.value("encoder_channels").isArray()) {
        c.encoderChannels.clear();
        for (const QJsonValue &ch : o.value("encoder_channels").toArray())
            c.encoderChannels.push_back(ch.toInt());
    }
    c.scaleClamp = o.value("scale_clamp").toDouble(c.scaleClamp);
    if (o.contains("init_seed"))
        c.seed = o.value("init_seed").toString().toULongLong();
    t.epochs = o.value("epochs").toInt(t.epochs);
    t.batch = o.value("batch").toInt(t.batch);
    t.learningRate = o.value("learning_rate").toDouble(t.learningRate);
    t.mseWeight = o.value("mse_weight").toDouble(t.mseWeight);
    t.cosineWeight = o.value("cosine_weight").toDouble(t.cosineWeight);
    t.augment.flip = o.value("flip").toBool(t.augment.flip);
    t.augment.maxShift = o.value("shift").toInt(t.augment.maxShift);
    t.augment.colourJitter = o.value("colour_jitter").toDouble(t.augment.colourJitter);
    t.patience = o.value("patience").toInt(t.patience);
    if (o.contains("seed"))
        t.seed = o.value("seed").toString().toULongLong();
    r.heldOutFraction = o.value("heldout_fraction").toDouble(r.heldOutFraction);
    r.heldOutByImage = o.value("heldout_by").toString() == QLatin1String("image");
    r.maxImages = o.value("max_images").toInt(r.maxImages);
    r.images = o.value("images").toString(r.images);
    r.resume = o.value("resume").toBool(r.resume);
    return r;
}

QJsonObject LinearizeReport::toJson() const
{
    QJsonArray epochs;
    for (const auto &e : training.epochs)
        epochs.append(QJsonObject::fromVariantMap(epochMap(e)));
    return QJsonObject{{"linearizer", versionId ? QJsonValue(version) : QJsonValue(QJsonValue::Null)},
                       {"teacher", teacher},
                       {"epochs_run", training.epochsRun},
                       {"best_epoch", training.bestEpoch},
                       {"resumed_from", training.resumedFrom},
                       {"cancelled", training.cancelled},
                       {"stopped_early", training.stoppedEarly},
                       {"diverged_at", training.divergedAt},
                       {"train_images", trainImages},
                       {"heldout_images", heldOutImages},
                       {"train_identities", trainIdentities},
                       {"heldout_identities", QJsonArray::fromStringList(heldOutIdentities)},
                       {"split", split},
                       {"mse", num(mse)},
                       {"cosine_mean", num(cosineMean)},
                       {"cosine_min", num(cosineMin)},
                       {"auc_teacher", num(aucTeacher)},
                       {"auc_linearized", num(aucSurrogate)},
                       {"accuracy_teacher", num(accuracyTeacher)},
                       {"accuracy_linearized", num(accuracySurrogate)},
                       {"same_pairs", samePairs},
                       {"different_pairs", differentPairs},
                       {"parameters", qint64(training.parameters)},
                       {"teacher_forwards", qint64(training.teacherForwards)},
                       {"images_per_second", training.imagesPerSecond},
                       {"device", QString::fromStdString(training.device)},
                       {"epochs", epochs},
                       {"seconds", seconds},
                       {"notes", QJsonArray::fromStringList(notes)}};
}

QString resumeCheckpointPath(const store::ProjectStore &store, const QString &teacher)
{
    return QDir(store.folder()).filePath(QStringLiteral("linearizer/%1-training.ckpt").arg(teacher));
}

LinearizeReport trainLinearizer(const store::ProjectStore &store, const LinearizeRequest &request, jobs::JobContext &ctx)
{
    QElapsedTimer timer;
    timer.start();
    const store::ModelVersionRecord teacher = eval::versionForEval(store, request.teacher);
    if (teacher.family == QLatin1String("linearizer"))
        throw std::runtime_error(QStringLiteral("%1 is itself a Linearizer surrogate; train one of a face model instead")
                                     .arg(teacher.name).toStdString());
    LinearizeReport rep;
    rep.teacher = teacher.name;
    const store::RunTable runs(store);
    auto say = [&](const QString &line) { ctx.log(line); };

    // The teacher's embeddings are the targets. The project's faces: cached first (and the face
    // stage run if pending). A pack's faces (streamed, never copied in): the trainer computes them.
    const bool fromPack = !request.images.isEmpty();
    if (!fromPack) {
        say(QStringLiteral("Embedding the project with the teacher %1 (cached embeddings are reused)").arg(teacher.name));
        embedding::embedProject(store, teacher.id, ctx);
    }
    const SurrogateImages images = fromPack ? packImages(request.images, request.maxImages)
                                            : surrogateImages(store, request.maxImages);
    if (fromPack)
        say(QStringLiteral("Learning from %1: %2 aligned faces read from the pack as they are needed")
                .arg(request.images).arg(images.ids.size()));
    if (images.ids.size() < 10)
        throw std::runtime_error(QStringLiteral("a Linearizer needs at least 10 images with an aligned face; %1 has %2")
                                     .arg(fromPack ? request.images : QStringLiteral("the project"))
                                     .arg(images.ids.size()).toStdString());
    const HeldOutSplit split = splitHeldOut(images, request.heldOutFraction, request.training.seed, request.heldOutByImage);
    rep.trainImages = int(split.train.size());
    rep.heldOutImages = int(split.heldOut.size());
    rep.trainIdentities = split.trainIdentities;
    rep.heldOutIdentities = split.heldOutIdentities;
    rep.split = split.how;
    say(split.how + (split.heldOutIdentities.isEmpty() ? QString() : QStringLiteral(": ") + split.heldOutIdentities.join(", ")));

    QHash<qint64, std::vector<float>> cached;   // none for a pack's faces
    if (!fromPack)
        cached = store::EmbeddingTable(store).get(teacher.id, images.ids);
    linearizer::LinearizerData data;
    data.count = size_t(images.ids.size());
    data.load = [&images](size_t i) { return images.load(int(i)); };
    data.name = [&images](size_t i) { return images.name(int(i)).toStdString(); };
    data.train = split.train;
    data.heldOut = split.heldOut;
    data.targets.resize(data.count);
    for (size_t i = 0; i < data.count; ++i)
        data.targets[i] = cached.value(images.ids[int(i)]);

    nn::FaceModel teacherModel;
    try {
        teacherModel = embedding::openVersion(store, teacher);
    } catch (const std::exception &e) {
        throw std::runtime_error(QStringLiteral("cannot load the teacher %1: %2").arg(teacher.name, QString::fromUtf8(e.what())).toStdString());
    }
    linearizer::LinearizerTrainOptions options = request.training;
    const QString checkpoint = resumeCheckpointPath(store, teacher.name);
    QDir(store.folder()).mkpath(QStringLiteral("linearizer"));
    options.checkpointPath = checkpoint.toStdString();
    if (request.resume) {
        if (!QFile::exists(checkpoint))
            throw std::runtime_error(QStringLiteral("nothing to resume: no unfinished training of %1 (%2)")
                                         .arg(teacher.name, checkpoint).toStdString());
        options.resumeFrom = checkpoint.toStdString();
    }
    linearizer::LinearizerTrainer trainer(teacherModel, request.config, options);

    // Data parallel: the snapshot first (workers read it once the group has formed), then the
    // local children, then this process joins as rank 0. A worker that dies or hangs fails a
    // collective here within the timeout; the run then fails before anything is registered.
    std::unique_ptr<parallel::RankZero> group;
    const parallel::DataParallelOptions &dp = request.parallel;
    const QString snapPath = dp.snapshotPath.isEmpty() ? defaultLinearizeSnapshotPath(store) : dp.snapshotPath;
    if (dp.enabled()) {
        QDir().mkpath(QFileInfo(snapPath).absolutePath());
        writeLinearizeSnapshot(snapPath, snapshotFor(store, request, teacher.name, images, data));
        group = std::make_unique<parallel::RankZero>(
            dp, QStringList{QStringLiteral("linearize"), store.folder(), QStringLiteral("--snapshot"), snapPath}, snapPath);
        say(QStringLiteral("data-parallel training on %1 processes (rendezvous %2, snapshot %3), global batch %4 images")
                .arg(group->world()).arg(group->master(), snapPath).arg(options.batch));
        trainer.setCollective(group->collective());
    }

    QVariantList curve;
    QElapsedTimer training;
    training.start();
    linearizer::LinearizerCallbacks cb;
    cb.cancelled = [&ctx] { return ctx.isCanceled(); };
    cb.onStep = [&](const linearizer::LinearizerStep &s) {
        const QString ranks = parallel::rankSummary(s.ranks, QStringLiteral("img"));
        ctx.setProgress(s.step, s.steps, QStringLiteral("Epoch %1/%2, loss %3%4").arg(s.epoch).arg(options.epochs)
                                             .arg(s.loss, 0, 'f', 4).arg(ranks.isEmpty() ? QString() : QStringLiteral("; ") + ranks));
        ctx.publish(QVariantMap{{"teacher", teacher.name}, {"epochs", curve}, {"step", qint64(s.step)},
                                {"steps", qint64(s.steps)}, {"loss", s.loss}, {"elapsed", training.elapsed() / 1000.0},
                                {"ranks", parallel::rankProgressList(s.ranks)}});
    };
    cb.onEpoch = [&](const linearizer::LinearizerEpoch &e) {
        curve.append(epochMap(e));
        say(QStringLiteral("epoch %1: train loss %2, held-out loss %3, MSE %4, cosine mean %5 min %6%7")
                .arg(e.epoch).arg(std::isfinite(e.trainLoss) ? QString::number(e.trainLoss, 'f', 4) : QStringLiteral("-"))
                .arg(e.heldOutLoss, 0, 'f', 4).arg(e.heldOutMse, 0, 'g', 4).arg(e.cosineMean, 0, 'f', 4)
                .arg(e.cosineMin, 0, 'f', 4).arg(e.best ? QStringLiteral(" (best)") : QString()));
        ctx.publish(QVariantMap{{"teacher", teacher.name}, {"epochs", curve}});
    };
    try {
        rep.training = trainer.train(data, cb);
    } catch (const std::exception &e) {
        if (!group)
            throw std::runtime_error(e.what());
        trainer.setCollective(nullptr);
        throw std::runtime_error(group->failure(e).toStdString());
    }
    if (group) {
        trainer.setCollective(nullptr);
        const QString problems = group->finish();
        group.reset();   // all cores again for what follows (embedding, evaluation)
        if (!problems.isEmpty())
            throw std::runtime_error(("data-parallel training failed after its last step: " + problems).toStdString());
        say(QStringLiteral("%1 processes trained together").arg(rep.training.world));
    }
    say(QStringLiteral("device: %1; %2 images/s; %3 parameters")
            .arg(QString::fromStdString(rep.training.device)).arg(rep.training.imagesPerSecond, 0, 'f', 1)
            .arg(rep.training.parameters));
    if (rep.training.bestEpoch == 0 && rep.training.divergedAt > 0)
        throw std::runtime_error(QStringLiteral("training diverged: at epoch %1 the held-out loss exploded (g_y^-1 "
                                                "amplifies what it never saw); try a lower learning rate")
                                     .arg(rep.training.divergedAt).toStdString());
    if (rep.training.bestEpoch == 0)
        throw jobs::Cancelled();   // no epoch ended: nothing worth keeping
    if (rep.training.divergedAt > 0)
        rep.notes << QStringLiteral("stopped at epoch %1: the held-out loss exploded (g_y^-1 amplifies what it never "
                                    "saw); epoch %2 was kept. A lower learning rate trains further.")
                         .arg(rep.training.divergedAt).arg(rep.training.bestEpoch);

    const nn::FaceModel surrogate = trainer.surrogate();
    const SavedSurrogate saved = saveSurrogate(store, surrogate, teacher, request.name.isEmpty() ? surrogateName(store, teacher.name) : request.name,
                                               ctx.runId());
    rep.version = saved.name;
    rep.versionId = saved.versionId;
    for (const auto &e : rep.training.epochs)
        if (e.epoch == rep.training.bestEpoch && e.heldOutLoss >= rep.training.epochs.front().heldOutLoss)
            rep.notes << QStringLiteral("the kept epoch is no closer to the teacher on the held-out images than the "
                                        "untrained surrogate: it has not learnt anything that carries over to them");
    say(QStringLiteral("new version %1 (family linearizer, parent %2), best epoch %3 of %4")
            .arg(rep.version, teacher.name).arg(rep.training.bestEpoch).arg(rep.training.epochsRun));

    // Held-out figures of the kept weights, against the teacher on the same images and pairs.
    for (const auto &e : rep.training.epochs)
        if (e.epoch == rep.training.bestEpoch) {
            rep.mse = e.heldOutMse;
            rep.cosineMean = e.cosineMean;
            rep.cosineMin = e.cosineMin;
        }
    // At most kVerificationImages of them, whole people in their order (a pack's held-out fifth is
    // a million faces: decoding them all at once, and pairing them, would not fit).
    constexpr size_t kVerificationImages = 4000;
    std::vector<size_t> verified(split.heldOut.begin(),
                                 split.heldOut.begin() + long(std::min(split.heldOut.size(), kVerificationImages)));
    if (verified.size() < split.heldOut.size())
        rep.notes << QStringLiteral("verification figures on the first %1 of the %2 held-out images")
                         .arg(verified.size()).arg(split.heldOut.size());
    std::vector<cv::Mat> faces;
    for (size_t i : verified)
        faces.push_back(images.load(int(i)));
    const cv::Mat surrogateEmb = linearizer::sandwichStages(surrogate, faces).embedding;
    const int dim = surrogateEmb.cols;
    cv::Mat teacherEmb(int(verified.size()), dim, CV_32F, cv::Scalar(0));
    bool uncached = false;
    for (size_t k = 0; k < verified.size(); ++k) {
        const auto &t = data.targets[verified[k]];
        if (int(t.size()) == dim)
            std::copy(t.begin(), t.end(), teacherEmb.ptr<float>(int(k)));
        else
            uncached = true;
    }
    if (uncached)   // a pack's faces (or crops never embedded): the teacher's own view of them
        nn::Embedder(teacherModel).embed(faces).copyTo(teacherEmb);
    // Pairs as indices into the held-out list.
    SurrogateImages held;
    std::vector<size_t> local;
    for (size_t k = 0; k < verified.size(); ++k) {
        held.identity.push_back(images.identity[int(verified[k])]);
        local.push_back(k);
    }
    const IdentityPairs pairs = identityPairs(held, local);
    const Verification vt = verification(pairCosines(teacherEmb, pairs), pairs.same);
    const Verification vs = verification(pairCosines(surrogateEmb, pairs), pairs.same);
    rep.aucTeacher = vt.auc;
    rep.aucSurrogate = vs.auc;
    rep.accuracyTeacher = vt.bestAccuracy;
    rep.accuracySurrogate = vs.bestAccuracy;
    rep.samePairs = vt.same;
    rep.differentPairs = vt.different;
    if (!vt.same || !vt.different)
        rep.notes << QStringLiteral("no verification figures: the held-out images lack identity-labelled same and different pairs");
    say(QStringLiteral("held out (%1 images): MSE %2, cosine to the teacher mean %3 min %4; AUC teacher %5, surrogate %6 "
                       "(%7 same / %8 different pairs)")
            .arg(rep.heldOutImages).arg(rep.mse, 0, 'g', 4).arg(rep.cosineMean, 0, 'f', 4).arg(rep.cosineMin, 0, 'f', 4)
            .arg(rep.aucTeacher, 0, 'f', 4).arg(rep.aucSurrogate, 0, 'f', 4).arg(rep.samePairs).arg(rep.differentPairs));
    if (ctx.runId() > 0) {
        const std::pair<const char *, double> metrics[] = {
            {"heldout_mse", rep.mse},          {"heldout_cosine_mean", rep.cosineMean},
            {"heldout_cosine_min", rep.cosineMin}, {"heldout_auc", rep.aucSurrogate},
            {"heldout_accuracy", rep.accuracySurrogate}, {"images_per_second", rep.training.imagesPerSecond}};
        for (const auto &[name, value] : metrics)
            if (std::isfinite(value))
                runs.addMetric(ctx.runId(), rep.versionId, QString::fromLatin1(name), value);
        if (std::isfinite(rep.aucTeacher)) {
            runs.addMetric(ctx.runId(), teacher.id, QStringLiteral("heldout_auc"), rep.aucTeacher);
            runs.addMetric(ctx.runId(), teacher.id, QStringLiteral("heldout_accuracy"), rep.accuracyTeacher);
        }
    }

    if (rep.training.cancelled) {
        rep.notes << QStringLiteral("cancelled during epoch %1: the best complete epoch (%2) was kept; resume continues "
                                    "from epoch %3")
                         .arg(rep.training.epochsRun + 1).arg(rep.training.bestEpoch).arg(rep.training.epochsRun + 1);
    } else {
        QFile::remove(checkpoint);   // finished: nothing to resume
        // Embedded like any version, so Annotate, Evaluate and the queue can use it at once.
        embedding::embedProject(store, rep.versionId, ctx);
    }
    rep.seconds = timer.nsecsElapsed() / 1e9;
    return rep;
}

} // namespace facelab::linearize

#include "invert/InvertJob.h"

#include "DataPaths.h"
#include "data/face/FaceCrop.h"
#include "data/face/FaceErrors.h"
#include "data/face/FaceImage.h"
#include "embedding/VersionModel.h"
#include "eval/EvalPairs.h"
#include "invert/IdentityCentres.h"
#include "inversion/ModelInverter.h"
#include "linearize/SurrogateData.h"
#include "nn/Embedder.h"
#include "store/FaceTable.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "store/RunTable.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <QVariantMap>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace facelab::invert {

namespace {

using inversion::PriorKind;

QJsonValue num(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null); }

double meanOf(const QVector<double> &v)
{
    if (v.isEmpty())
        return std::numeric_limits<double>::quiet_NaN();
    double s = 0;
    for (double x : v)
        s += x;
    return s / v.size();
}

double meanRank(const QVector<int> &ranks)
{
    QVector<double> v;
    for (int r : ranks)
        if (r > 0)
            v << r;
    return meanOf(v);
}

PriorKind priorFromName(const QString &name)
{
    PriorKind kind = PriorKind::Auto;
    if (!name.isEmpty() && !inversion::priorKindFromName(name.toStdString(), kind))
        throw std::runtime_error("unknown prior '" + name.toStdString() + "' (auto, batchnorm, measured or none)");
    return kind;
}

// What the target is, resolved against the project.
struct ResolvedTarget
{
    QString kind, description;
    qint64 identityId = 0, imageId = 0;
    cv::Mat alignedFace;   // image targets
};

QString canonical(const QString &path)
{
    const QFileInfo fi(path);
    return fi.exists() ? fi.canonicalFilePath() : fi.absoluteFilePath();
}

ResolvedTarget resolveTarget(const store::ProjectStore &store, const InvertRequest &r)
{
    if (r.identity.isEmpty() == r.image.isEmpty())
        throw std::runtime_error("say what to invert: an identity (--identity NAME) or an image (--image PATH), one of them");
    ResolvedTarget t;
    const store::ImageTable images(store);
    if (!r.identity.isEmpty()) {
        t.kind = QStringLiteral("identity");
        t.description = QStringLiteral("identity '%1'").arg(r.identity);
        // Exact name first; else the same name up to case and '_' for ' ' (a folder name typed on a shell).
        auto loose = [](QString n) { return n.replace(QLatin1Char('_'), QLatin1Char(' ')).simplified().toCaseFolded(); };
        QStringList known;
        qint64 looseMatch = 0;
        for (const auto &img : images.all()) {
            if (img.identityId > 0 && !known.contains(img.identity))
                known << img.identity;
            if (img.identity == r.identity)
                t.identityId = img.identityId;
            else if (img.identityId > 0 && loose(img.identity) == loose(r.identity))
                looseMatch = img.identityId;
        }
        if (!t.identityId)
            t.identityId = looseMatch;
        if (!t.identityId) {
            known.sort();
            const QString some = known.mid(0, 8).join(QStringLiteral(", ")) + (known.size() > 8 ? QStringLiteral(", ...") : QString());
            throw std::runtime_error(QStringLiteral("no identity '%1' in the project%2")
                                         .arg(r.identity, known.isEmpty() ? QStringLiteral(" (it has no identities: import folders per person)")
                                                                          : QStringLiteral(" (it has %1)").arg(some))
                                         .toStdString());
        }
        return t;
    }
    t.kind = QStringLiteral("image");
    t.description = QStringLiteral("image %1").arg(QFileInfo(r.image).fileName());
    const QString want = canonical(r.image);
    for (const auto &img : images.all())
        if (canonical(img.absPath) == want) {
            t.imageId = img.id;
            t.identityId = img.identityId;
            const QString aligned = store::FaceTable::alignedPath(store, img.id);
            t.alignedFace = linearize::readAligned(aligned);
            if (t.alignedFace.empty())
                throw std::runtime_error(QStringLiteral("%1 is in the project but has no aligned face (%2): run the face stage "
                                                        "or choose its face in Faces")
                                             .arg(r.image, img.faceStatus)
                                             .toStdString());
            return t;
        }
    // A photo from outside the project: found and aligned the way an import would.
    const cv::Mat photo = face::loadFaceImage(r.image.toStdString()); // throws naming the file
    const face::FaceDetector detector(modelsDir());
    const face::FaceCrop crop = face::cropFace(photo, detector);
    if (crop.aligned.empty())
        throw std::runtime_error(QStringLiteral("%1: no face found in the image").arg(r.image).toStdString());
    t.alignedFace = crop.aligned;
    return t;
}

std::vector<float> unitRow(const cv::Mat &m, int row)
{
    std::vector<float> v(size_t(m.cols));
    for (int d = 0; d < m.cols; ++d)
        v[size_t(d)] = m.at<float>(row, d);
    return v;
}

cv::Mat meanFace(const linearize::SurrogateImages &images, int maxFaces)
{
    const int n = int(images.paths.size());
    if (n == 0)
        return {};
    const int take = std::min(n, std::max(1, maxFaces));
    cv::Mat sum;
    int used = 0;
    for (int k = 0; k < take; ++k) {
        const cv::Mat face = linearize::readAligned(images.paths[int(qint64(k) * n / take)]);
        if (face.empty())
            continue;
        if (sum.empty())
            sum = cv::Mat::zeros(face.size(), CV_64FC3);
        if (face.size() != sum.size())
            continue;
        cv::Mat f;
        face.convertTo(f, CV_64FC3);
        sum += f;
        ++used;
    }
    if (!used)
        return {};
    cv::Mat mean;
    sum.convertTo(mean, CV_8UC3, 1.0 / used);
    return mean;
}

QByteArray pngBytes(const cv::Mat &bgr)
{
    std::vector<uchar> buf;
    cv::imencode(".png", bgr, buf);
    return QByteArray(reinterpret_cast<const char *>(buf.data()), qsizetype(buf.size()));
}

void writeAtomically(const QString &path, const QByteArray &bytes)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
        throw std::runtime_error(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()).toStdString());
}

QString safeName(QString s)
{
    s.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
    return s.left(60);
}

QVariantList doubles(const std::vector<double> &v)
{
    QVariantList l;
    l.reserve(qsizetype(v.size()));
    for (double x : v)
        l << x;
    return l;
}

} // namespace

QJsonObject InvertRequest::toJson() const
{
    const auto &o = options;
    return QJsonObject{{"model", model},
                       {"identity", identity},
                       {"image", image},
                       {"judge", judge},
                       {"start", start},
                       {"steps", o.steps},
                       {"batch", o.batch},
                       {"learning_rate", o.learningRate},
                       {"arc_scale", o.arcScale},
                       {"arc_margin", o.arcMargin},
                       {"prior", QString::fromLatin1(inversion::priorKindName(o.prior))},
                       {"prior_weight", o.priorWeight},
                       {"prior_layers", o.priorLayers},
                       {"first_layer_weight", o.firstLayerWeight},
                       {"tv_weight", o.tvWeight},
                       {"l2_weight", o.l2Weight},
                       {"max_shift", o.maxShift},
                       {"flip", o.flip},
                       {"seed", QString::number(o.seed)},
                       {"preview_every", o.previewEvery},
                       {"measure_faces", measureFaces},
                       {"out", outDir}};
}

InvertRequest InvertRequest::fromJson(const QJsonObject &j)
{
    InvertRequest r;
    auto &o = r.options;
    r.model = j.value("model").toString(r.model);
    r.identity = j.value("identity").toString(r.identity);
    r.image = j.value("image").toString(r.image);
    r.judge = j.value("judge").toString(r.judge);
    r.start = j.value("start").toString(r.start);
    o.steps = j.value("steps").toInt(o.steps);
    o.batch = j.value("batch").toInt(o.batch);
    o.learningRate = j.value("learning_rate").toDouble(o.learningRate);
    o.arcScale = j.value("arc_scale").toDouble(o.arcScale);
    o.arcMargin = j.value("arc_margin").toDouble(o.arcMargin);
    if (j.contains("prior"))
        o.prior = priorFromName(j.value("prior").toString());
    o.priorWeight = j.value("prior_weight").toDouble(o.priorWeight);
    o.priorLayers = j.value("prior_layers").toInt(o.priorLayers);
    o.firstLayerWeight = j.value("first_layer_weight").toDouble(o.firstLayerWeight);
    o.tvWeight = j.value("tv_weight").toDouble(o.tvWeight);
    o.l2Weight = j.value("l2_weight").toDouble(o.l2Weight);
    o.maxShift = j.value("max_shift").toInt(o.maxShift);
    o.flip = j.value("flip").toBool(o.flip);
    if (j.contains("seed"))
        o.seed = j.value("seed").toString().toULongLong();
    o.previewEvery = j.value("preview_every").toInt(o.previewEvery);
    r.measureFaces = j.value("measure_faces").toInt(r.measureFaces);
    r.outDir = j.value("out").toString(r.outDir);
    return r;
}

double InvertReport::targetCosineMean() const { return meanOf(targetCosine); }
double InvertReport::identityRankMean() const { return meanRank(identityRank); }
double InvertReport::judgeRankMean() const { return meanRank(judgeRank); }

QJsonObject InvertReport::toJson() const
{
    QJsonArray cos, ranks, jcos, jranks;
    for (double c : targetCosine)
        cos.append(num(c));
    for (int r : identityRank)
        ranks.append(r > 0 ? QJsonValue(r) : QJsonValue(QJsonValue::Null));
    for (double c : judgeCosine)
        jcos.append(num(c));
    for (int r : judgeRank)
        jranks.append(r > 0 ? QJsonValue(r) : QJsonValue(QJsonValue::Null));
    return QJsonObject{{"run_id", runId},
                       {"model", model},
                       {"judge", judge.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(judge)},
                       {"target", target},
                       {"target_kind", targetKind},
                       {"images", QJsonArray::fromStringList(images)},
                       {"copies", QJsonArray::fromStringList(copies)},
                       {"target_cosine", cos},
                       {"target_cosine_mean", num(targetCosineMean())},
                       {"start_cosine", num(startCosine)},
                       {"identity_rank", ranks},
                       {"identity_rank_mean", num(identityRankMean())},
                       {"identities", identities},
                       {"judge_cosine", jcos},
                       {"judge_cosine_mean", num(meanOf(judgeCosine))},
                       {"judge_rank", jranks},
                       {"judge_rank_mean", num(judgeRankMean())},
                       {"prior", prior},
                       {"prior_layers", QJsonArray::fromStringList(priorLayers)},
                       {"prior_faces", priorFaces},
                       {"steps", steps},
                       {"steps_run", stepsRun},
                       {"cancelled", cancelled},
                       {"device", device},
                       {"steps_per_second", stepsPerSecond},
                       {"seconds", seconds},
                       {"notes", QJsonArray::fromStringList(notes)}};
}

InvertReport invertModel(const store::ProjectStore &store, const InvertRequest &request, jobs::JobContext &ctx)
{
    QElapsedTimer timer;
    timer.start();
    const store::ModelVersionRecord version = eval::versionForEval(store, request.model);
    if (version.family == QLatin1String("linearizer"))
        ctx.log(QStringLiteral("%1 is a Linearizer surrogate: its images show what the surrogate learned, not its teacher").arg(version.name));
    const ResolvedTarget target = resolveTarget(store, request);
    if (!request.judge.isEmpty() && request.judge == version.name)
        throw std::runtime_error("the judge must be another version than the model inverted (" + version.name.toStdString() + ")");
    if (!request.judge.isEmpty())
        eval::versionForEval(store, request.judge); // an unknown judge fails now, not after the work

    InvertReport rep;
    rep.model = version.name;
    rep.target = target.description;
    rep.targetKind = target.kind;
    rep.steps = request.options.steps;

    ctx.setProgress(0, 0, QStringLiteral("Class centres under %1").arg(version.name));
    const IdentityCentres centres = identityCentres(store, version.id, ctx);
    ctx.checkCanceled();
    rep.identities = centres.count();
    const int targetRow = target.identityId ? centres.indexOf(target.identityId) : -1;
    if (target.kind == QLatin1String("identity")) {
        if (targetRow < 0)
            throw std::runtime_error(QStringLiteral("%1 has no face with an embedding under %2: nothing to aim at")
                                         .arg(target.description, version.name)
                                         .toStdString());
        if (centres.count() < 2)
            throw std::runtime_error("inverting an identity needs at least two identities with faces (the margin loss "
                                     "pulls towards one and away from the others); the project has " +
                                     std::to_string(centres.count()));
    }

    const nn::FaceModel model = embedding::openVersion(store, version);
    inversion::InversionTarget t;
    t.description = target.description.toStdString();
    t.centres = centres.rows;
    t.classes = centres.count();
    t.dim = centres.dim;
    t.targetClass = targetRow;
    if (!target.alignedFace.empty()) {
        nn::Embedder embedder(model, nn::EmbedBackend::LibTorch);
        t.embedding = unitRow(embedder.embed({target.alignedFace}), 0);
    }

    // The prior: BatchNorm statistics when the model has them; else measured on the project's faces.
    inversion::InversionOptions options = request.options;
    const linearize::SurrogateImages faces = linearize::surrogateImages(store);
    std::vector<inversion::LayerStatistics> measured;
    const std::vector<std::string> bnLayers = inversion::batchNormPriorLayers(model);
    const bool wantMeasured = options.prior == PriorKind::Measured || (options.prior == PriorKind::Auto && bnLayers.empty());
    if (wantMeasured) {
        if (faces.paths.isEmpty())
            throw std::runtime_error("the measured prior needs the project's aligned faces, and it has none: import faces "
                                     "or choose --prior none");
        const int n = int(faces.paths.size());
        const int take = std::min(n, std::max(1, request.measureFaces));
        ctx.setProgress(0, 0, QStringLiteral("Measuring layer statistics on %1 faces").arg(take));
        measured = inversion::measureConvolutionStatistics(
            model, size_t(take), [&](size_t i) { return linearize::readAligned(faces.paths[int(qint64(i) * n / take)]); }, 32,
            [&ctx] { return ctx.isCanceled(); });
        ctx.checkCanceled();
        rep.priorFaces = take;
        if (measured.empty()) {
            if (options.prior == PriorKind::Measured)
                throw std::runtime_error(version.name.toStdString() + " (" + version.family.toStdString() +
                                         ") offers no convolution outputs to measure: choose --prior none");
            options.prior = PriorKind::None;
            rep.notes << QStringLiteral("%1 has neither BatchNorm statistics nor convolutions to measure: image priors only").arg(version.name);
        } else {
            rep.notes << QStringLiteral("%1 has no BatchNorm statistics (folded into its convolutions): the prior is the "
                                        "statistics of its %2 convolution outputs measured on %3 of the project's faces")
                             .arg(version.name)
                             .arg(measured.size())
                             .arg(take);
        }
    }
    if (request.start == QLatin1String("mean")) {
        options.startFace = meanFace(faces, 256);
        if (options.startFace.empty())
            throw std::runtime_error("the mean face needs the project's aligned faces, and it has none: start from noise");
    } else if (request.start != QLatin1String("noise")) {
        throw std::runtime_error("unknown start '" + request.start.toStdString() + "' (noise or mean)");
    }

    // Live: loss terms every few steps, the newest preview with them (latest wins).
    std::vector<double> steps, total, targetTerm, priorTerm, tvTerm, l2Term, cosine;
    QVariantList preview;
    int previewStep = 0;
    auto publish = [&]() {
        ctx.publish(QVariantMap{{"model", version.name},
                                {"target", target.description},
                                {"steps", options.steps},
                                {"step", steps.empty() ? 0.0 : steps.back()},
                                {"x", doubles(steps)},
                                {"total", doubles(total)},
                                {"target_term", doubles(targetTerm)},
                                {"prior_term", doubles(priorTerm)},
                                {"tv_term", doubles(tvTerm)},
                                {"l2_term", doubles(l2Term)},
                                {"cosine", doubles(cosine)},
                                {"preview", preview},
                                {"preview_step", previewStep}});
    };
    inversion::InversionCallbacks cb;
    cb.cancelled = [&ctx] { return ctx.isCanceled(); };
    cb.onStep = [&](const inversion::InversionStep &s) {
        steps.push_back(s.step);
        total.push_back(s.total);
        targetTerm.push_back(s.target);
        priorTerm.push_back(s.prior);
        tvTerm.push_back(s.tv);
        l2Term.push_back(s.l2);
        cosine.push_back(s.targetCosine);
        ctx.setProgress(s.step, options.steps, QStringLiteral("Step %1 of %2, cosine %3").arg(s.step).arg(options.steps).arg(s.targetCosine, 0, 'f', 3));
        if (s.step % 5 == 0)
            publish();
    };
    cb.onPreview = [&](int step, const std::vector<cv::Mat> &images) {
        preview.clear();
        for (const auto &img : images)
            preview << pngBytes(img);
        previewStep = step;
        publish();
    };
    ctx.log(QStringLiteral("Inverting %1 into %2 (%3 steps, batch %4, seed %5)")
                .arg(version.name, target.description)
                .arg(options.steps)
                .arg(options.batch)
                .arg(options.seed));
    inversion::InversionResult res;
    try {
        res = inversion::invertModel(model, t, options, measured, cb);
    } catch (const inversion::InversionError &e) {
        throw std::runtime_error(QStringLiteral("inverting %1: %2").arg(version.name, QString::fromStdString(e.what())).toStdString());
    }
    if (res.stepsRun == 0)
        throw jobs::Cancelled();
    rep.cancelled = res.cancelled;
    rep.stepsRun = res.stepsRun;
    rep.device = QString::fromStdString(res.device);
    rep.stepsPerSecond = res.stepsPerSecond;
    rep.prior = QString::fromLatin1(inversion::priorKindName(res.prior));
    for (const auto &l : res.priorLayers)
        rep.priorLayers << QString::fromStdString(l);
    rep.startCosine = res.history.front().targetCosine;
    if (res.cancelled)
        rep.notes << QStringLiteral("cancelled after %1 of %2 steps: the images of the last step are kept").arg(res.stepsRun).arg(options.steps);

    // Files first (each atomically), then every row in one transaction: a killed process leaves at
    // most unreferenced files, never rows without images.
    const QString runTag = ctx.runId() > 0 ? QStringLiteral("run%1").arg(ctx.runId())
                                           : QStringLiteral("at%1").arg(QDateTime::currentMSecsSinceEpoch());
    const QString relDir = QStringLiteral("inversions/%1").arg(runTag);
    QDir projectDir(store.folder());
    if (!projectDir.mkpath(relDir))
        throw std::runtime_error(QStringLiteral("cannot create %1").arg(projectDir.filePath(relDir)).toStdString());
    const QString stem = safeName(version.name + QLatin1Char('-') +
                                  (target.kind == QLatin1String("identity") ? request.identity : QFileInfo(request.image).completeBaseName()));
    // The request and what it came to (the prior actually used, where it acted): each row says how it was made.
    QJsonObject made = request.toJson();
    made.insert(QStringLiteral("outcome"), QJsonObject{{"prior", rep.prior},
                                                       {"prior_layers", QJsonArray::fromStringList(rep.priorLayers)},
                                                       {"prior_faces", rep.priorFaces},
                                                       {"identities", rep.identities},
                                                       {"device", rep.device}});
    const QString params = QString::fromUtf8(QJsonDocument(made).toJson(QJsonDocument::Compact));
    QVector<store::InversionRecord> records;
    QVector<store::InversionScore> own;
    QList<QByteArray> pngs;   // encoded once: the project's files and any --out copies
    for (size_t i = 0; i < res.images.size(); ++i) {
        const QString rel = QStringLiteral("%1/%2-%3.png").arg(relDir, stem).arg(i);
        pngs << pngBytes(res.images[i]);
        writeAtomically(projectDir.filePath(rel), pngs.back());
        store::InversionRecord r;
        r.runId = ctx.runId();
        r.versionId = version.id;
        r.targetKind = target.kind;
        r.identityId = target.identityId;
        r.targetImageId = target.imageId;
        r.index = int(i);
        r.file = rel;
        r.paramsJson = params;
        r.stepsRun = res.stepsRun;
        records << r;
        store::InversionScore s;
        s.targetCosine = res.targetCosine[i];
        s.identityRank = i < res.targetRank.size() ? res.targetRank[i] : 0;
        own << s;
        rep.images << projectDir.absoluteFilePath(rel);
        rep.targetCosine << s.targetCosine;
        rep.identityRank << s.identityRank;
    }
    if (ctx.runId() > 0)
        store::InversionTable(store).add(records, own);

    if (!request.judge.isEmpty()) {
        // The judge's figures come from its own view of the project; the model's images are as written.
        jobs::PlainJobContext quiet;
        const auto scores = judgeInversions(store, records, request.judge, ctx.runId() > 0 ? ctx : quiet);
        rep.judge = request.judge;
        for (const auto &s : scores) {
            rep.judgeCosine << s.targetCosine;
            rep.judgeRank << s.identityRank;
        }
    }
    if (!request.outDir.isEmpty()) {
        QDir out(request.outDir);
        if (!out.mkpath(QStringLiteral(".")))
            throw std::runtime_error(QStringLiteral("cannot create %1").arg(request.outDir).toStdString());
        for (int i = 0; i < rep.images.size(); ++i) {
            const QString dst = out.absoluteFilePath(QFileInfo(rep.images[i]).fileName());
            writeAtomically(dst, pngs[i]);
            rep.copies << dst;
        }
    }
    if (ctx.runId() > 0) {
        const store::RunTable runs(store);
        runs.addMetric(ctx.runId(), version.id, QStringLiteral("inversion_target_cosine"), rep.targetCosineMean());
        if (std::isfinite(rep.identityRankMean()))
            runs.addMetric(ctx.runId(), version.id, QStringLiteral("inversion_identity_rank"), rep.identityRankMean());
    }
    rep.runId = ctx.runId();
    rep.seconds = timer.elapsed() / 1000.0;
    ctx.log(QStringLiteral("Target cosine %1 (from %2), identity rank %3 of %4, %5 steps/s on %6")
                .arg(rep.targetCosineMean(), 0, 'f', 3)
                .arg(rep.startCosine, 0, 'f', 3)
                .arg(rep.identityRankMean(), 0, 'f', 1)
                .arg(rep.identities)
                .arg(rep.stepsPerSecond, 0, 'f', 2)
                .arg(rep.device));
    return rep;
}

QVector<store::InversionScore> judgeInversions(const store::ProjectStore &store, const QVector<store::InversionRecord> &records,
                                               const QString &judge, jobs::JobContext &ctx)
{
    QVector<store::InversionScore> out;
    if (records.isEmpty())
        return out;
    const store::ModelVersionRecord version = eval::versionForEval(store, judge);
    ctx.setProgress(0, 0, QStringLiteral("Class centres under %1").arg(version.name));
    const IdentityCentres centres = identityCentres(store, version.id, ctx);
    nn::Embedder embedder(embedding::openVersion(store, version), nn::EmbedBackend::LibTorch);
    const QDir projectDir(store.folder());

    std::vector<cv::Mat> faces;
    for (const auto &r : records) {
        const QString path = projectDir.absoluteFilePath(r.file);
        cv::Mat img = cv::imread(path.toStdString(), cv::IMREAD_COLOR);
        if (img.empty())
            throw std::runtime_error(QStringLiteral("cannot read the inversion image %1").arg(path).toStdString());
        faces.push_back(img);
    }
    const cv::Mat emb = embedder.embed(faces);
    // An image target is seen through the judge's own embedding of that image.
    QHash<qint64, std::vector<float>> imageTargets;
    for (const auto &r : records)
        if (r.targetImageId > 0 && !imageTargets.contains(r.targetImageId)) {
            const cv::Mat face = linearize::readAligned(store::FaceTable::alignedPath(store, r.targetImageId));
            if (!face.empty())
                imageTargets.insert(r.targetImageId, unitRow(embedder.embed({face}), 0));
        }
    for (int i = 0; i < records.size(); ++i) {
        const auto &r = records[i];
        const float *row = emb.ptr<float>(i);
        const std::vector<double> cos = centreCosines(centres, row);
        const int target = r.identityId > 0 ? centres.indexOf(r.identityId) : -1;
        store::InversionScore s;
        s.inversionId = r.id;
        s.versionId = version.id;
        s.identityRank = rankOf(cos, target);
        if (r.targetKind == QLatin1String("image") && imageTargets.contains(r.targetImageId)) {
            const auto &t = imageTargets[r.targetImageId];
            double dot = 0;
            for (int d = 0; d < emb.cols; ++d)
                dot += double(row[d]) * double(t[size_t(d)]);
            s.targetCosine = dot;
        } else {
            s.targetCosine = target >= 0 ? cos[size_t(target)] : std::numeric_limits<double>::quiet_NaN();
        }
        out << s;
    }
    QVector<store::InversionScore> stored;
    for (const auto &s : out)
        if (s.inversionId > 0 && std::isfinite(s.targetCosine))
            stored << s;
    if (!stored.isEmpty())
        store::InversionTable(store).putScores(stored);
    return out;
}

} // namespace facelab::invert

#include "ModelImport.h"

#include "DataPaths.h"
#include "ModelExport.h"
#include "nn/ModelError.h"
#include "nn/ModelFamily.h"
#include "nn/Preprocessing.h"
#include "store/RunTable.h"
#include "store/StoreError.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <cmath>

namespace facelab::embedding {
namespace {

// Content hashes of models whose input convention is known (REFERENCE.md).
const char *const kFrFeatureSha256 = "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581";

QString sha256Of(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return QString::fromLatin1(h.result().toHex());
}

// A version name names a file in the project's models/ folder: never a path.
bool nameChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('_') || c == QLatin1Char('.') ||
           c == QLatin1Char('+') || c == QLatin1Char('@');
}

QString uniqueName(const store::ModelTable &models, QString base)
{
    for (QChar &c : base)
        if (!nameChar(c))
            c = QLatin1Char('_');
    while (base.startsWith(QLatin1Char('.')))
        base.remove(0, 1);
    base = base.left(100).trimmed();
    if (base.isEmpty())
        base = QStringLiteral("model");
    QString name = base;
    for (int i = 2; models.nameTaken(name); ++i)
        name = QStringLiteral("%1-%2").arg(base).arg(i);
    return name;
}

} // namespace

QString preprocessingFor(const QString &modelPath, const QString &spec)
{
    const QString s = spec.trimmed().toLower();
    if (s == QLatin1String("frfeature") || s == QLatin1String("mobilefacenet"))
        return QString::fromStdString(nn::Preprocessing::frFeature().toJson());
    if (s == QLatin1String("arcface") || s == QLatin1String("insightface"))
        return QString::fromStdString(nn::Preprocessing::insightFaceArcFace().toJson());
    if (s == QLatin1String("magface"))
        return QString::fromStdString(nn::Preprocessing::magFace().toJson());
    if (s.startsWith(QLatin1Char('{'))) {
        // Validates the keys; throws std::invalid_argument naming the bad one.
        return QString::fromStdString(nn::Preprocessing::fromJson(spec.toStdString()).toJson());
    }
    if (!s.isEmpty())
        throw std::runtime_error(QStringLiteral("unknown preprocessing '%1' (use frfeature, arcface, magface or a JSON "
                                                "spec)").arg(spec).toStdString());
    if (sha256Of(modelPath) == QLatin1String(kFrFeatureSha256))
        return QString::fromStdString(nn::Preprocessing::frFeature().toJson());
    return {};
}

QString versionFilePath(const store::ProjectStore &store, const store::ModelVersionRecord &v)
{
    return QDir(store.folder()).filePath(v.file);
}

namespace {

QJsonArray stringArray(const std::vector<std::string> &v)
{
    QJsonArray a;
    for (const auto &x : v)
        a.append(QString::fromStdString(x));
    return a;
}

QJsonValue number(double v)
{
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue();
}

// The family, given or detected by content. Throws naming the file and what FaceLab reads.
const nn::ModelFamily &familyFor(const QString &file, const QString &familyArg)
{
    if (!familyArg.isEmpty()) {
        if (const nn::ModelFamily *f = nn::modelFamily(familyArg.toStdString()))
            return *f;
        QStringList ids;
        for (const auto *f : nn::modelFamilies())
            ids << QString::fromStdString(f->id());
        throw std::runtime_error(QStringLiteral("unknown model family '%1' (known: %2)").arg(familyArg, ids.join(", ")).toStdString());
    }
    if (const nn::ModelFamily *f = nn::detectModelFamily(file.toStdString()))
        return *f;
    QStringList names;
    for (const auto *f : nn::modelFamilies())
        names << QString::fromStdString(f->displayName());
    throw std::runtime_error(QStringLiteral("%1: not a model file FaceLab can read (it reads %2); if it is one of "
                                            "these, say which with --family")
                                 .arg(file, names.join(", ")).toStdString());
}

// What a FaceLab export wrote into an .onnx file's metadata (ModelExport.h): empty for any other file.
nn::OnnxMetadata facelabMetadata(const QString &file)
{
    if (!file.endsWith(QLatin1String(".onnx"), Qt::CaseInsensitive))
        return {};
    try {
        nn::OnnxMetadata m = nn::readOnnxMetadata(file.toStdString());
        for (auto it = m.begin(); it != m.end();)
            it = it->first.rfind("facelab.", 0) == 0 ? std::next(it) : m.erase(it);
        return m;
    } catch (const std::exception &) {
        return {};   // the family's inspection reports what is wrong with the file
    }
}

} // namespace

QJsonObject loadReportJson(const nn::LoadReport &r)
{
    QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(r.detailsJson.empty() ? "{}" : r.detailsJson)).object();
    o.insert("file", QString::fromStdString(r.path));
    o.insert("family", QString::fromStdString(r.family));
    o.insert("architecture", QString::fromStdString(r.architecture));
    o.insert("tensors_loaded", qint64(r.tensorsLoaded));
    o.insert("tensors_expected", qint64(r.tensorsExpected));
    o.insert("tensors", QString::fromStdString(r.countsText()));
    o.insert("missing", stringArray(r.missing));
    o.insert("unexpected", stringArray(r.unexpected));
    o.insert("mismatched", stringArray(r.mismatched));
    o.insert("dropped", stringArray(r.dropped));
    o.insert("complete", r.complete());
    if (!o.contains("parameters"))
        o.insert("parameters", qint64(r.parameterCount));
    o.insert("embedding_dim", r.embeddingDim);
    o.insert("input", QJsonArray{r.inputWidth, r.inputHeight});
    o.insert("cross_check", QJsonObject{{"applicable", r.crossCheck.applicable},
                                        {"runtime", QString::fromStdString(r.crossCheck.runtime)},
                                        {"max_abs_diff", number(r.crossCheck.maxAbsDiff)},
                                        {"tolerance", r.crossCheck.tolerance},
                                        {"agrees", r.crossCheck.agrees()},
                                        {"note", QString::fromStdString(r.crossCheck.note)}});
    o.insert("fused_max_abs_diff", number(r.fusedMaxAbsDiff));
    o.insert("notes", stringArray(r.notes));
    o.insert("refusal", QString::fromStdString(r.refusal));
    return o;
}

QJsonObject inspectModelFile(const QString &file, const QString &familyArg)
{
    const QFileInfo fi(file);
    if (!fi.isFile() || fi.size() == 0)
        throw std::runtime_error(QStringLiteral("%1: %2").arg(file, !fi.exists() ? QStringLiteral("no such file")
                                                                   : fi.isFile() ? QStringLiteral("the file is empty")
                                                                                 : QStringLiteral("not a file")).toStdString());
    const nn::ModelFamily &family = familyFor(fi.absoluteFilePath(), familyArg);
    const nn::LoadReport rep = family.inspect(fi.absoluteFilePath().toStdString());
    QJsonObject o = loadReportJson(rep);
    o.insert("family_name", QString::fromStdString(family.displayName()));
    QString prep = preprocessingFor(fi.absoluteFilePath(), QString());
    if (prep.isEmpty() && rep.preprocessing)
        prep = QString::fromStdString(rep.preprocessing->toJson());
    if (!prep.isEmpty())
        o.insert("preprocessing", QJsonDocument::fromJson(prep.toUtf8()).object());
    return o;
}

ModelImportResult importModel(const store::ProjectStore &store, const QString &file, const QString &nameArg,
                              const QString &preprocessingSpec, jobs::JobContext &ctx, const QString &familyArg,
                              bool allowPartial)
{
    const QFileInfo fi(file);
    if (!fi.exists())
        throw std::runtime_error(QStringLiteral("%1: no such file").arg(file).toStdString());
    if (!fi.isFile() || fi.size() == 0)
        throw std::runtime_error(QStringLiteral("%1: %2").arg(file, fi.isFile() ? QStringLiteral("the file is empty")
                                                                                : QStringLiteral("not a file")).toStdString());
    const nn::ModelFamily &family = familyFor(fi.absoluteFilePath(), familyArg);

    // What would load, before anything is registered: a file that cannot run is refused first,
    // before FaceLab asks how it wants its input.
    ctx.setProgress(0, 2, QStringLiteral("Checking the model"));
    const nn::LoadReport rep = family.inspect(fi.absoluteFilePath().toStdString());
    if (!rep.refusal.empty())
        throw std::runtime_error(QStringLiteral("%1: %2").arg(file, QString::fromStdString(rep.refusal)).toStdString());
    if (!rep.complete() && !allowPartial)
        throw std::runtime_error(QStringLiteral("%1: as %2 it loads %3; refused, because the missing weights would stay "
                                                "random (use --allow-partial to import it anyway, marked partial)")
                                     .arg(file, QString::fromStdString(rep.architecture.empty() ? family.displayName() : rep.architecture),
                                          QString::fromStdString(rep.countsText()))
                                     .toStdString());

    // A file FaceLab exported says how it wants its input, its threshold and where it came from.
    const nn::OnnxMetadata meta = facelabMetadata(fi.absoluteFilePath());
    auto metaValue = [&](const char *key) {
        const auto it = meta.find(key);
        return it == meta.end() ? QString() : QString::fromStdString(it->second);
    };
    QString prep = preprocessingFor(fi.absoluteFilePath(), preprocessingSpec);
    if (prep.isEmpty() && !metaValue(kMetaPreprocessing).isEmpty()) {
        try {
            prep = QString::fromStdString(nn::Preprocessing::fromJson(metaValue(kMetaPreprocessing).toStdString()).toJson());
        } catch (const std::exception &e) {
            ctx.log(QStringLiteral("warning: %1: its facelab.preprocessing is not usable (%2)").arg(file, QString::fromUtf8(e.what())));
        }
    }
    if (prep.isEmpty() && rep.preprocessing)
        prep = QString::fromStdString(rep.preprocessing->toJson());
    std::optional<double> threshold;
    if (!metaValue(kMetaThreshold).isEmpty()) {
        bool ok = false;
        const double t = metaValue(kMetaThreshold).toDouble(&ok);
        if (ok && std::isfinite(t) && t >= -1 && t <= 1)
            threshold = t;
        else
            ctx.log(QStringLiteral("warning: %1: its facelab.threshold '%2' is not a cosine threshold; not restored")
                        .arg(file, metaValue(kMetaThreshold)));
    }
    if (prep.isEmpty())
        throw std::runtime_error(QStringLiteral("%1 is not a model FaceLab recognises, so it cannot know how the model "
                                                "wants its input; say it with --preprocessing arcface|frfeature|magface "
                                                "or a JSON spec").arg(file).toStdString());
    // The input size comes from the network itself, never from the caller's spec.
    nn::Preprocessing spec = nn::Preprocessing::fromJson(prep.toStdString());
    spec.width = rep.inputWidth;
    spec.height = rep.inputHeight;
    prep = QString::fromStdString(spec.toJson());

    QJsonObject report = loadReportJson(rep);
    report.insert("partial", !rep.complete());
    report.insert("preprocessing", QJsonDocument::fromJson(prep.toUtf8()).object());
    report.insert("threshold", threshold ? QJsonValue(*threshold) : QJsonValue());
    if (!meta.empty())   // exported by FaceLab: the version it was, and its parent there
        report.insert("lineage", QJsonObject{{"version", metaValue(kMetaVersion)},
                                             {"parent", metaValue(kMetaParent).isEmpty() ? QJsonValue() : QJsonValue(metaValue(kMetaParent))}});
    if (rep.crossCheck.ran() && !rep.crossCheck.agrees())
        ctx.log(QStringLiteral("warning: %1: FaceLab and %2 disagree by %3 (above %4); the model is flagged")
                    .arg(file, QString::fromStdString(rep.crossCheck.runtime)).arg(rep.crossCheck.maxAbsDiff)
                    .arg(rep.crossCheck.tolerance));
    if (!rep.complete())
        ctx.log(QStringLiteral("warning: %1: partial load (%2), imported because it was asked for; the version is "
                               "marked partial").arg(file, QString::fromStdString(rep.countsText())));

    // The run this import is recorded as (by the caller) keeps the load report as its params and
    // the report's figures as metrics of the new version, which it created.
    const store::RunTable runs(store);
    const qint64 run = ctx.runId();
    if (run > 0)
        runs.setParams(run, QString::fromUtf8(QJsonDocument(report).toJson(QJsonDocument::Compact)));

    store::ModelTable models(store);
    if (!nameArg.isEmpty()) {
        const bool ok = nameArg.size() <= 100 && !nameArg.startsWith(QLatin1Char('.')) &&
                        std::all_of(nameArg.begin(), nameArg.end(), nameChar);
        if (!ok)
            throw std::runtime_error(QStringLiteral("'%1' is not a version name: use up to 100 letters, digits and - _ . + @ "
                                                    "(not starting with a dot); a name is never a path")
                                         .arg(nameArg).toStdString());
    }
    const QString name = nameArg.isEmpty() ? uniqueName(models, fi.completeBaseName()) : nameArg;
    if (models.nameTaken(name))
        throw std::runtime_error(QStringLiteral("a model or version named '%1' exists in this project; choose another "
                                                "--name").arg(name).toStdString());

    // Copy into the project (atomically: a half-copied model must never be registered). The
    // original bytes are kept; the family opens them as it did here.
    ctx.setProgress(1, 2, QStringLiteral("Copying the model into the project"));
    const QString suffix = fi.suffix().isEmpty() ? QString::fromStdString(family.fileSuffix()) : QStringLiteral(".") + fi.suffix().toLower();
    const QString rel = QStringLiteral("models/%1%2").arg(name, suffix);
    const QString dest = QDir(store.folder()).filePath(rel);
    QDir().mkpath(QFileInfo(dest).absolutePath());
    const QString part = dest + QStringLiteral(".part");
    QFile::remove(part);
    if (!QFile::copy(fi.absoluteFilePath(), part) || !QFile::rename(part, dest)) {
        QFile::remove(part);
        throw std::runtime_error(QStringLiteral("cannot copy %1 into %2 (disk full or read-only?)").arg(file, dest).toStdString());
    }

    qint64 versionId = 0;
    try {
        store::Transaction tx(store.db());
        const qint64 modelId = models.addModel(name, QString::fromStdString(family.id()), fi.absoluteFilePath());
        versionId = models.addVersion(modelId, name, 0, rel, prep, threshold, run);
        if (run > 0) {
            if (rep.crossCheck.ran())
                runs.addMetric(run, versionId, QStringLiteral("cross_check_max_abs_diff"), rep.crossCheck.maxAbsDiff);
            if (std::isfinite(rep.fusedMaxAbsDiff))
                runs.addMetric(run, versionId, QStringLiteral("fused_max_abs_diff"), rep.fusedMaxAbsDiff);
            runs.addMetric(run, versionId, QStringLiteral("parameters"), double(rep.parameterCount));
            runs.addMetric(run, versionId, QStringLiteral("tensors_loaded"), double(rep.tensorsLoaded));
            runs.addMetric(run, versionId, QStringLiteral("tensors_expected"), double(rep.tensorsExpected));
        }
        tx.commit();
    } catch (...) {
        QFile::remove(dest);
        throw;
    }
    if (!models.current() || models.versions().size() == 1)
        models.setCurrent(versionId);
    ctx.setProgress(2, 2, QStringLiteral("Model imported"));
    return {versionId, name, report};
}

qint64 ensureDefaultModel(const store::ProjectStore &store, jobs::JobContext &ctx)
{
    store::ModelTable models(store);
    if (auto v = models.versionByName(QStringLiteral("fr_feature")))
        return v->id;
    const QString path = QDir(QString::fromStdString(facelab::modelsDir())).filePath(QStringLiteral("fr_feature.onnx"));
    if (!QFileInfo::exists(path))
        throw std::runtime_error(QStringLiteral("the default model %1 is missing: run packaging/fetch-models.sh").arg(path).toStdString());
    return importModel(store, path, QStringLiteral("fr_feature"), QString(), ctx).versionId;
}

} // namespace facelab::embedding

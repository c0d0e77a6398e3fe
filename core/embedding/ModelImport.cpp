#include "ModelImport.h"

#include "DataPaths.h"
#include "nn/ModelError.h"
#include "nn/OnnxImportReport.h"
#include "nn/Preprocessing.h"
#include "store/RunTable.h"
#include "store/StoreError.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
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

QJsonArray valueInfos(const std::vector<nn::OnnxValueInfo> &v)
{
    QJsonArray a;
    for (const auto &i : v) {
        QJsonArray shape;
        for (int64_t d : i.shape)
            shape.append(qint64(d));
        a.append(QJsonObject{{"name", QString::fromStdString(i.name)}, {"shape", shape}});
    }
    return a;
}

QString uniqueName(const store::ModelTable &models, QString base)
{
    base = base.trimmed();
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

ModelImportResult importModel(const store::ProjectStore &store, const QString &file, const QString &nameArg,
                              const QString &preprocessingSpec, jobs::JobContext &ctx)
{
    const QFileInfo fi(file);
    if (!fi.exists())
        throw std::runtime_error(QStringLiteral("%1: no such file").arg(file).toStdString());
    if (fi.suffix().toLower() != QLatin1String("onnx"))
        throw std::runtime_error(QStringLiteral("%1: FaceLab reads ONNX models (.onnx) here").arg(file).toStdString());
    QString prep = preprocessingFor(fi.absoluteFilePath(), preprocessingSpec);
    if (prep.isEmpty())
        throw std::runtime_error(QStringLiteral("%1 is not a model FaceLab recognises, so it cannot know how the model "
                                                "wants its input; say it with --preprocessing arcface|frfeature|magface "
                                                "or a JSON spec").arg(file).toStdString());

    ctx.setProgress(0, 2, QStringLiteral("Checking the model"));
    // Reads, validates, builds the LibTorch module and compares it with OpenCV dnn.
    const nn::OnnxImportReport rep = nn::inspectOnnxModel(fi.absoluteFilePath().toStdString());
    if (!rep.loadable()) {
        QStringList ops;
        for (const auto &o : rep.unsupportedOps)
            ops << QString::fromStdString(o);
        throw std::runtime_error(QStringLiteral("%1: unsupported ONNX operators: %2").arg(file, ops.join(", ")).toStdString());
    }
    if (rep.inputs.size() != 1 || rep.inputs[0].shape.size() != 4 || rep.inputs[0].shape[1] != 3)
        throw std::runtime_error(QStringLiteral("%1: expected one image input of shape [N,3,H,W], the model has %2")
                                     .arg(file, QString::fromStdString(rep.inputs.empty() ? std::string("none")
                                                                          : nn::shapeToString(rep.inputs[0].shape)))
                                     .toStdString());
    // The input size comes from the graph itself, never from the caller's spec.
    nn::Preprocessing spec = nn::Preprocessing::fromJson(prep.toStdString());
    if (rep.inputs[0].shape[2] > 0 && rep.inputs[0].shape[3] > 0) {
        spec.height = int(rep.inputs[0].shape[2]);
        spec.width = int(rep.inputs[0].shape[3]);
    }
    prep = QString::fromStdString(spec.toJson());

    QJsonObject ops;
    for (const auto &[op, n] : rep.opHistogram)
        ops.insert(QString::fromStdString(op), n);
    const bool compared = !std::isnan(rep.maxAbsDiffVsOpenCV);
    QJsonObject report{{"file", fi.absoluteFilePath()},
                       {"parameters", qint64(rep.parameterCount)},
                       {"parameter_tensors", qint64(rep.parameterTensors)},
                       {"buffer_tensors", qint64(rep.bufferTensors)},
                       {"opset", qint64(rep.opset)},
                       {"inputs", valueInfos(rep.inputs)},
                       {"outputs", valueInfos(rep.outputs)},
                       {"ops", ops},
                       {"max_abs_diff_vs_opencv", compared ? QJsonValue(rep.maxAbsDiffVsOpenCV) : QJsonValue()},
                       {"opencv_note", QString::fromStdString(rep.openCvNote)},
                       {"agrees_with_opencv", rep.agreesWithOpenCV()},
                       {"preprocessing", QJsonDocument::fromJson(prep.toUtf8()).object()}};
    if (compared && !rep.agreesWithOpenCV())
        ctx.log(QStringLiteral("warning: %1: LibTorch and OpenCV dnn disagree by %2 (above 1e-4); the model is flagged")
                    .arg(file).arg(rep.maxAbsDiffVsOpenCV));

    store::ModelTable models(store);
    const QString name = nameArg.isEmpty() ? uniqueName(models, fi.completeBaseName()) : nameArg;
    if (models.nameTaken(name))
        throw std::runtime_error(QStringLiteral("a model or version named '%1' exists in this project; choose another "
                                                "--name").arg(name).toStdString());

    // Copy into the project (atomically: a half-copied model must never be registered).
    ctx.setProgress(1, 2, QStringLiteral("Copying the model into the project"));
    const QString rel = QStringLiteral("models/%1.onnx").arg(name);
    const QString dest = QDir(store.folder()).filePath(rel);
    QDir().mkpath(QFileInfo(dest).absolutePath());
    const QString part = dest + QStringLiteral(".part");
    QFile::remove(part);
    if (!QFile::copy(fi.absoluteFilePath(), part) || !QFile::rename(part, dest)) {
        QFile::remove(part);
        throw std::runtime_error(QStringLiteral("cannot copy %1 into %2 (disk full or read-only?)").arg(file, dest).toStdString());
    }

    store::RunTable runs(store);
    const qint64 run = runs.start(QStringLiteral("model-import"),
                                  QString::fromUtf8(QJsonDocument(report).toJson(QJsonDocument::Compact)));
    qint64 versionId = 0;
    try {
        store::Transaction tx(store.db());
        const qint64 modelId = models.addModel(name, QStringLiteral("onnx"), fi.absoluteFilePath());
        versionId = models.addVersion(modelId, name, 0, rel, prep, std::nullopt, run);
        if (compared)
            runs.addMetric(run, versionId, QStringLiteral("max_abs_diff_vs_opencv"), rep.maxAbsDiffVsOpenCV);
        runs.addMetric(run, versionId, QStringLiteral("parameters"), double(rep.parameterCount));
        tx.commit();
    } catch (...) {
        QFile::remove(dest);
        runs.setStatus(run, store::RunStatus::Failed);
        throw;
    }
    runs.setStatus(run, store::RunStatus::Done);
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

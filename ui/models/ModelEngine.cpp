#include "ui/models/ModelEngine.h"

#include "DataPaths.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <limits>

#ifdef FACELAB_HAVE_MODEL_ENGINE
#include "embedding/ModelExport.h"
#endif

namespace facelab::ui::engine {

namespace {
#ifndef FACELAB_HAVE_MODEL_ENGINE
[[noreturn]] void noEngine()
{
    throw std::runtime_error(unavailableText().toStdString());
}
#endif
} // namespace

bool available()
{
#ifdef FACELAB_HAVE_MODEL_ENGINE
    return true;
#else
    return false;
#endif
}

QString unavailableText()
{
    return QObject::tr("This build has no model engine (FaceLab was built without LibTorch). Labelling works; "
                       "model scores need a build with FACELAB_WITH_TORCH=ON.");
}

QString defaultModelPath()
{
    return QDir(QString::fromStdString(facelab::modelsDir())).filePath(QStringLiteral("fr_feature.onnx"));
}

bool defaultModelPresent()
{
    return QFileInfo::exists(defaultModelPath());
}

#ifdef FACELAB_HAVE_MODEL_ENGINE

QString preprocessingFor(const QString &modelPath, const QString &spec)
{
    return embedding::preprocessingFor(modelPath, spec);
}

QJsonObject inspectModel(const QString &file, const QString &family)
{
    return embedding::inspectModelFile(file, family);
}

embedding::ModelImportResult importModel(const store::ProjectStore &store, const QString &file,
                                         const QString &preprocessingSpec, jobs::JobContext &ctx, bool allowPartial,
                                         const QString &family)
{
    return embedding::importModel(store, file, QString(), preprocessingSpec, ctx, family, allowPartial);
}

QList<QPair<QString, QString>> modelFamilies()
{
    QList<QPair<QString, QString>> out;
    for (const auto *f : nn::modelFamilies())
        out.push_back({QString::fromStdString(f->id()), QString::fromStdString(f->displayName())});
    return out;
}

qint64 ensureDefaultModel(const store::ProjectStore &store, jobs::JobContext &ctx)
{
    return embedding::ensureDefaultModel(store, ctx);
}

embedding::EmbedReport embedProject(const store::ProjectStore &store, qint64 versionId, jobs::JobContext &ctx)
{
    return embedding::embedProject(store, versionId, ctx);
}

double exportVersion(const store::ProjectStore &store, const store::ModelVersionRecord &v, const QString &outPath)
{
    const nn::CrossCheck c = embedding::exportVersion(store, v, outPath);
    return c.ran() ? c.maxAbsDiff : std::numeric_limits<double>::quiet_NaN();
}

#else

QString preprocessingFor(const QString &, const QString &) { noEngine(); }
QJsonObject inspectModel(const QString &, const QString &) { noEngine(); }
embedding::ModelImportResult importModel(const store::ProjectStore &, const QString &, const QString &, jobs::JobContext &,
                                         bool, const QString &)
{
    noEngine();
}
QList<QPair<QString, QString>> modelFamilies() { return {}; }
qint64 ensureDefaultModel(const store::ProjectStore &, jobs::JobContext &) { noEngine(); }
embedding::EmbedReport embedProject(const store::ProjectStore &, qint64, jobs::JobContext &) { noEngine(); }
double exportVersion(const store::ProjectStore &, const store::ModelVersionRecord &, const QString &) { noEngine(); }

#endif

} // namespace facelab::ui::engine

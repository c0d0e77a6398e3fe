#include "ui/models/ModelEngine.h"

#include "DataPaths.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>

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

embedding::ModelImportResult importModel(const store::ProjectStore &store, const QString &file,
                                         const QString &preprocessingSpec, jobs::JobContext &ctx)
{
    return embedding::importModel(store, file, QString(), preprocessingSpec, ctx);
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
    return embedding::exportVersion(store, v, outPath);
}

#else

QString preprocessingFor(const QString &, const QString &) { noEngine(); }
embedding::ModelImportResult importModel(const store::ProjectStore &, const QString &, const QString &, jobs::JobContext &)
{
    noEngine();
}
qint64 ensureDefaultModel(const store::ProjectStore &, jobs::JobContext &) { noEngine(); }
embedding::EmbedReport embedProject(const store::ProjectStore &, qint64, jobs::JobContext &) { noEngine(); }
double exportVersion(const store::ProjectStore &, const store::ModelVersionRecord &, const QString &) { noEngine(); }

#endif

} // namespace facelab::ui::engine

#include "linearize/SurrogateVersions.h"

#include "embedding/VersionModel.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>

#include <stdexcept>

namespace facelab::linearize {

QString surrogateName(const store::ProjectStore &store, const QString &base)
{
    static const QRegularExpression linSuffix(QStringLiteral("-lin\\d+$"));
    QString stem = base;
    stem.remove(linSuffix);
    const store::ModelTable models(store);
    for (int i = 1;; ++i) {
        const QString name = QStringLiteral("%1-lin%2").arg(stem).arg(i);
        if (!models.nameTaken(name))
            return name;
    }
}

SavedSurrogate saveSurrogate(const store::ProjectStore &store, const nn::FaceModel &surrogate,
                             const store::ModelVersionRecord &parent, const QString &name, qint64 runId,
                             const QJsonObject &note)
{
    const store::ModelTable models(store);
    if (models.nameTaken(name))
        throw std::runtime_error(QStringLiteral("the name %1 is already taken in this project").arg(name).toStdString());
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9._+-]+$"));
    if (!safe.match(name).hasMatch())
        throw std::runtime_error(QStringLiteral("a version name may hold letters, digits and . _ + - only: %1").arg(name).toStdString());
    const QDir dir(store.folder());
    dir.mkpath(QStringLiteral("models"));
    const QString rel = QStringLiteral("models/%1.pth").arg(name);
    try {
        surrogate.save(dir.filePath(rel).toStdString());
    } catch (const std::exception &e) {
        throw std::runtime_error(QStringLiteral("cannot write %1: %2").arg(dir.filePath(rel), QString::fromUtf8(e.what())).toStdString());
    }
    QJsonObject params = note;
    params.insert("family", "linearizer");
    params.insert("parent", parent.name);
    params.insert("run", runId);
    QSaveFile json(dir.filePath(QStringLiteral("models/%1.json").arg(name)));
    if (json.open(QIODevice::WriteOnly)) {
        json.write(QJsonDocument(params).toJson());
        json.commit();
    }
    SavedSurrogate s;
    s.name = name;
    const qint64 modelId = models.addModel(name, QStringLiteral("linearizer"), rel);
    s.versionId = models.addVersion(modelId, name, parent.id, rel, parent.preprocessingJson, std::nullopt, runId);
    return s;
}

OpenedSurrogate openSurrogate(const store::ProjectStore &store, const QString &name)
{
    const store::ModelTable models(store);
    OpenedSurrogate o;
    if (name.isEmpty()) {
        const auto all = models.versions();
        for (auto it = all.rbegin(); it != all.rend(); ++it)
            if (it->family == QLatin1String("linearizer")) {
                o.version = *it;
                break;
            }
        if (!o.version.id)
            throw std::runtime_error("this project has no Linearizer surrogate yet: train one first (facelab linearize PROJECT)");
    } else {
        const auto v = models.versionByName(name);
        if (!v)
            throw std::runtime_error(QStringLiteral("no model version named %1").arg(name).toStdString());
        if (v->family != QLatin1String("linearizer"))
            throw std::runtime_error(QStringLiteral("%1 is not a Linearizer surrogate (family %2)").arg(name, v->family).toStdString());
        o.version = *v;
    }
    store::ModelVersionRecord t = o.version;
    for (int guard = 0; t.family == QLatin1String("linearizer") && t.parentId && guard < 1000; ++guard) {
        const auto p = models.version(t.parentId);
        if (!p)
            break;
        t = *p;
    }
    o.teacher = t;
    o.model = embedding::openVersion(store, o.version);
    return o;
}

} // namespace facelab::linearize

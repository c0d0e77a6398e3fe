#include "VersionModel.h"

#include "ModelImport.h"
#include "nn/ModelFamily.h"

#include <QFileInfo>

namespace facelab::embedding {

nn::FaceModel openVersion(const store::ProjectStore &store, const store::ModelVersionRecord &version)
{
    const QString path = versionFilePath(store, version);
    if (!QFileInfo::exists(path))
        throw std::runtime_error(
            QStringLiteral("the file of model version %1 is missing: %2").arg(version.name, path).toStdString());
    nn::OpenOptions options;
    options.allowPartial = true;
    options.preprocessing = nn::Preprocessing::fromJson(version.preprocessingJson.toStdString());
    const QString family = version.family.isEmpty() ? QStringLiteral("onnx") : version.family;
    return nn::openModel(family.toStdString(), path.toStdString(), options);
}

} // namespace facelab::embedding

#include "ModelExport.h"

#include "ModelImport.h"
#include "VersionModel.h"
#include "nn/ModelFamily.h"

#include <QFileInfo>

namespace facelab::embedding {

nn::CrossCheck exportVersion(const store::ProjectStore &store, const store::ModelVersionRecord &version,
                             const QString &outPath)
{
    const QString src = versionFilePath(store, version);
    if (QFileInfo(outPath).absoluteFilePath() == QFileInfo(src).absoluteFilePath())
        throw std::runtime_error(QStringLiteral("%1 is the version's own file; export somewhere else").arg(outPath).toStdString());
    const nn::FaceModel model = openVersion(store, version);
    return nn::exportModel(model, QFileInfo(outPath).absoluteFilePath().toStdString());
}

} // namespace facelab::embedding

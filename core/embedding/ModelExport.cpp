#include "ModelExport.h"

#include "ModelImport.h"
#include "nn/OnnxReexport.h"

#include <QFileInfo>

namespace facelab::embedding {

double exportVersion(const store::ProjectStore &store, const store::ModelVersionRecord &version, const QString &outPath)
{
    const QString src = versionFilePath(store, version);
    if (!QFileInfo::exists(src))
        throw std::runtime_error(QStringLiteral("the file of model version %1 is missing: %2").arg(version.name, src).toStdString());
    if (QFileInfo(outPath).absoluteFilePath() == QFileInfo(src).absoluteFilePath())
        throw std::runtime_error(QStringLiteral("%1 is the version's own file; export somewhere else").arg(outPath).toStdString());
    return nn::reexportOnnx(src.toStdString(), QFileInfo(outPath).absoluteFilePath().toStdString());
}

} // namespace facelab::embedding

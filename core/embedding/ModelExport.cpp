#include "ModelExport.h"

#include "ModelImport.h"
#include "VersionModel.h"
#include "nn/ModelFamily.h"
#include "nn/OnnxMetadata.h"

#include <QFileInfo>

namespace facelab::embedding {

nn::OnnxMetadata onnxMetadataOf(const store::ModelVersionRecord &version)
{
    nn::OnnxMetadata m{{kMetaVersion, version.name.toStdString()},
                       {kMetaParent, version.parentName.toStdString()},
                       {kMetaPreprocessing, version.preprocessingJson.toStdString()}};
    if (version.threshold)
        m[kMetaThreshold] = QString::number(*version.threshold, 'g', 17).toStdString();
    return m;
}

nn::CrossCheck exportVersion(const store::ProjectStore &store, const store::ModelVersionRecord &version,
                             const QString &outPath)
{
    const QString src = versionFilePath(store, version);
    if (QFileInfo(outPath).absoluteFilePath() == QFileInfo(src).absoluteFilePath())
        throw std::runtime_error(QStringLiteral("%1 is the version's own file; export somewhere else").arg(outPath).toStdString());
    const nn::FaceModel model = openVersion(store, version);
    const std::string out = QFileInfo(outPath).absoluteFilePath().toStdString();
    const nn::CrossCheck check = nn::exportModel(model, out);
    // What FaceLab learnt about the version travels with it (importModel reads it back). An
    // untouched imported version without a threshold stays byte for byte the original file.
    if (outPath.endsWith(QLatin1String(".onnx"), Qt::CaseInsensitive) && (version.parentId != 0 || version.threshold))
        nn::writeOnnxMetadata(out, onnxMetadataOf(version));
    return check;
}

} // namespace facelab::embedding

#pragma once
// Bringing a model file into a project: the file is checked (every operator supported, input a
// 3-channel image, LibTorch agrees with OpenCV dnn), copied into the project's models/ folder, and
// registered as a model with its first version, its preprocessing and the import report.
#include "jobs/JobContext.h"
#include "store/ModelTable.h"

#include <QJsonObject>

namespace facelab::embedding {

struct ModelImportResult
{
    qint64 versionId = 0;
    QString name;
    QJsonObject report;   // parameters, inputs, outputs, ops, max_abs_diff_vs_opencv, agrees, ...
};

// How a model wants its input. Known models are recognised by content (sha256), never by file
// name; any other needs an explicit spec: a preset ("frfeature", "arcface", "magface") or JSON.
// Returns an empty string when the file is unknown and no spec was given.
QString preprocessingFor(const QString &modelPath, const QString &spec);

// Throws std::runtime_error naming the file and the problem (unsupported operators listed,
// wrong input, unknown preprocessing, name taken, copy failed). Nothing is registered on failure.
ModelImportResult importModel(const store::ProjectStore &store, const QString &file, const QString &name,
                              const QString &preprocessingSpec, jobs::JobContext &ctx);

// The default model fetched by packaging/fetch-models.sh (fr_feature.onnx), imported into the
// project under the name "fr_feature" unless a version of that name exists; returns its version id.
qint64 ensureDefaultModel(const store::ProjectStore &store, jobs::JobContext &ctx);

// The absolute path of a version's file.
QString versionFilePath(const store::ProjectStore &store, const store::ModelVersionRecord &v);

} // namespace facelab::embedding

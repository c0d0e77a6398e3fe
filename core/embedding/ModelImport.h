#pragma once
// Bringing a model file of any family into a project: the family is detected by content (or
// given), the file inspected (a load report: tensors loaded / expected / missing / unexpected /
// mismatched, and a cross-check with a second runtime where one exists), copied into the project's
// models/ folder, and registered as a model with its family, first version, preprocessing and report.
#include "jobs/JobContext.h"
#include "nn/ModelFamily.h"
#include "store/ModelTable.h"

#include <QJsonObject>

namespace facelab::embedding {

struct ModelImportResult
{
    qint64 versionId = 0;
    QString name;
    QJsonObject report;   // loadReportJson() plus partial and preprocessing
};

// How a model wants its input. Known models are recognised by content (sha256), never by file
// name; any other needs an explicit spec: a preset ("frfeature", "arcface", "magface") or JSON.
// Returns an empty string when the file is unknown and no spec was given.
QString preprocessingFor(const QString &modelPath, const QString &spec);

// The load report as JSON: family, architecture, tensors_loaded, tensors_expected, missing,
// unexpected, mismatched, dropped, complete, cross_check {applicable, runtime, max_abs_diff,
// agrees, note}, fused_max_abs_diff, notes, and the family's own facts (ONNX: opset, inputs,
// outputs, ops, max_abs_diff_vs_opencv).
QJsonObject loadReportJson(const nn::LoadReport &report);

// What importing `file` would load, before anything is registered (the GUI shows it first):
// loadReportJson() plus "preprocessing" (the spec FaceLab knows for it, from its content or its
// family's convention; absent when it must be asked for) and "refusal" (non-empty: it cannot be
// used at all). `family` empty: detected by content. Throws std::runtime_error naming the file.
QJsonObject inspectModelFile(const QString &file, const QString &family = {});

// `family` empty: detected by content. A load below complete is refused unless allowPartial.
// Throws std::runtime_error naming the file and the problem (not a model, unsupported operators
// listed, partial load with its counts, unknown preprocessing, name taken, copy failed). Nothing
// is registered on failure. The caller records the run (kind "model-import"): this work sets the
// run's params to the import report, adds the report's metrics and links the version to
// ctx.runId() (none of that when it is 0).
ModelImportResult importModel(const store::ProjectStore &store, const QString &file, const QString &name,
                              const QString &preprocessingSpec, jobs::JobContext &ctx, const QString &family = {},
                              bool allowPartial = false);

// The default model fetched by packaging/fetch-models.sh (fr_feature.onnx), imported into the
// project under the name "fr_feature" unless a version of that name exists; returns its version id.
qint64 ensureDefaultModel(const store::ProjectStore &store, jobs::JobContext &ctx);

// The absolute path of a version's file.
QString versionFilePath(const store::ProjectStore &store, const store::ModelVersionRecord &v);

} // namespace facelab::embedding

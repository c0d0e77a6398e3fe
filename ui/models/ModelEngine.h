#pragma once
// The model engine as the widgets see it: the core/embedding calls (import, default model,
// embedding, export) behind one torch-free door. A build without LibTorch (FACELAB_WITH_TORCH=OFF)
// still compiles and links this file: available() is false and every call throws a
// std::runtime_error that says so, so the views can show "this build has no model engine".
//
// Everything here except available() and the default-model helpers does long work: call it
// from a job (JobQueue), never on the GUI thread.
#include "embedding/EmbeddingJob.h"
#include "embedding/ModelImport.h"
#include "store/ModelTable.h"

namespace facelab::ui::engine {

bool available();
// One sentence for the user when available() is false.
QString unavailableText();

// Where packaging/fetch-models.sh puts the default model, and whether it is there.
QString defaultModelPath();
bool defaultModelPresent();
constexpr const char *kDefaultModelName = "fr_feature";

QString preprocessingFor(const QString &modelPath, const QString &spec);
// The load report of a model file before anything is registered (embedding::inspectModelFile);
// family "" = detected from the content.
QJsonObject inspectModel(const QString &file, const QString &family = {});
embedding::ModelImportResult importModel(const store::ProjectStore &store, const QString &file,
                                         const QString &preprocessingSpec, jobs::JobContext &ctx,
                                         bool allowPartial = false, const QString &family = {});
// Family id -> name shown to the user, in detection order (empty without a model engine).
QList<QPair<QString, QString>> modelFamilies();
qint64 ensureDefaultModel(const store::ProjectStore &store, jobs::JobContext &ctx);
embedding::EmbedReport embedProject(const store::ProjectStore &store, qint64 versionId, jobs::JobContext &ctx);
double exportVersion(const store::ProjectStore &store, const store::ModelVersionRecord &v, const QString &outPath);

} // namespace facelab::ui::engine

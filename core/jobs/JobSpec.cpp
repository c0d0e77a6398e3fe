#include "JobSpec.h"

#include <utility>

namespace facelab::jobs {
namespace {

constexpr std::pair<JobKind, const char *> kKindIds[] = {
    {JobKind::Import, "import"},
    {JobKind::ImportIdentities, "import-identities"},
    {JobKind::ImportPairs, "import-pairs"},
    {JobKind::GeneratePairs, "generate-pairs"},
    {JobKind::MinePairs, "mine-pairs"},
    {JobKind::Faces, "faces"},
    {JobKind::FindFaces, "find-faces"},
    {JobKind::ChooseFace, "choose-face"},
    {JobKind::CheckModel, "check-model"},
    {JobKind::ModelImport, "model-import"},
    {JobKind::Embed, "embed"},
    {JobKind::ExportModel, "export-model"},
    {JobKind::Eval, "eval"},
    {JobKind::ErrorExport, "errors"},
    {JobKind::FineTune, "finetune"},
    {JobKind::TrainLinearizer, "linearize"},
    {JobKind::LinearizerRankSweep, "linearize-rank"},
    {JobKind::LinearizerUnlearn, "linearize-unlearn"},
    {JobKind::Invert, "invert"},
    {JobKind::JudgeInversions, "judge-inversions"},
    {JobKind::BuildDemo, "build-demo"},
};

} // namespace

QString kindId(JobKind kind)
{
    for (const auto &[k, id] : kKindIds)
        if (k == kind)
            return QString::fromLatin1(id);
    return {};
}

std::optional<JobKind> kindFromId(const QString &id)
{
    for (const auto &[k, name] : kKindIds)
        if (id == QLatin1String(name))
            return k;
    return std::nullopt;
}

QString statusName(JobStatus status)
{
    switch (status) {
    case JobStatus::Queued: return QStringLiteral("queued");
    case JobStatus::Waiting: return QStringLiteral("waiting");
    case JobStatus::Running: return QStringLiteral("running");
    case JobStatus::Done: return QStringLiteral("done");
    case JobStatus::Failed: return QStringLiteral("failed");
    case JobStatus::Cancelled: return QStringLiteral("cancelled");
    }
    return {};
}

} // namespace facelab::jobs

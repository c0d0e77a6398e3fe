#pragma once
// What a job is before it runs: its kind (the runs table's kind string), the title the user reads,
// its parameters (the run's params), the exclusive group it belongs to and the project it records
// into. A job's status is one of JobStatus; the runs table keeps its own, wider store::RunStatus.
#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <optional>

namespace facelab::jobs {

enum class JobKind {
    Import,              // "import": the command line's import (identities or a pairs file)
    ImportIdentities,    // "import-identities"
    ImportPairs,         // "import-pairs"
    GeneratePairs,       // "generate-pairs"
    MinePairs,           // "mine-pairs"
    Faces,               // "faces": the command line's face stage
    FindFaces,           // "find-faces"
    ChooseFace,          // "choose-face"
    CheckModel,          // "check-model": reads a model file before it is added (not recorded)
    ModelImport,         // "model-import"
    Embed,               // "embed"
    ExportModel,         // "export-model"
    Eval,                // "eval"
    ErrorExport,         // "errors"
    FineTune,            // "finetune"
    TrainLinearizer,     // "linearize"
    LinearizerRankSweep, // "linearize-rank"
    LinearizerUnlearn,   // "linearize-unlearn"
    Invert,              // "invert"
    JudgeInversions,     // "judge-inversions": stored inversion images scored by another version
    BuildDemo,           // "build-demo" (not recorded)
};

// The stored kind string ("finetune", "eval", ...); never changes for an existing kind, because
// the runs table of every project holds it.
QString kindId(JobKind kind);
std::optional<JobKind> kindFromId(const QString &id);

enum class JobStatus {
    Queued,      // ready; waits for a thread of the pool
    Waiting,     // waits for the jobs it runs after, or for its exclusive group to be free
    Running,
    Done,
    Failed,
    Cancelled,
};

QString statusName(JobStatus status);   // "queued", "waiting", "running", "done", "failed", "cancelled"
inline bool isFinal(JobStatus s) { return s == JobStatus::Done || s == JobStatus::Failed || s == JobStatus::Cancelled; }

// The exclusive group of work that runs LibTorch: one such job at a time, so two trainings do not
// fight over the cores (or the GPU) and a model file is never read while another job writes it.
inline const QString kTorchGroup = QStringLiteral("torch");

struct JobSpec
{
    JobKind kind = JobKind::Import;
    QString title;            // what the user reads: "Fine-tuning fr_feature"
    QJsonObject params;       // the run's params_json
    QString exclusiveGroup;   // "" = none; at most one job of a group runs at a time, the others wait
    QString projectFolder;    // the project the job belongs to and is recorded in; "" = not recorded
};

} // namespace facelab::jobs

Q_DECLARE_METATYPE(facelab::jobs::JobStatus)

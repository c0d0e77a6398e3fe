#pragma once
// A fine-tuning run of a project's model version on the user's verdicts, end to end: snapshot of
// the feedback, contrastive training (core/train), the best epoch written atomically as a new
// version (parent = the version it started from), embeddings for it, and the test split evaluated
// for parent and child: the work of a run of kind "finetune", which the caller records (the
// JobQueue, or jobs::runRecorded with fineTuneRunParams). Qt at the edge; no torch include.
#include "ChildVerdict.h"
#include "parallel/DataParallel.h"
#include "FeedbackSnapshot.h"
#include "eval/Evaluation.h"
#include "eval/TruthSource.h"
#include "jobs/JobContext.h"
#include "train/TrainingTypes.h"

#include <QJsonObject>
#include <functional>

namespace facelab::finetune {

struct FineTuneRequest
{
    QString model;                        // version name; empty = the project's current version
    train::ContrastiveOptions training;
    SnapshotOptions snapshot;
    eval::TruthSource truth = eval::TruthSource::Verdicts;   // for the test comparison
    bool makeCurrent = false;             // make the new version current, only when its verdict is "better"
    // A project of the parent's own domain (e.g. clean faces) with truth on its pairs: parent and
    // child are both scored on it to measure forgetting. Empty: forgetting is not measured.
    QString referenceProject;
    int referencePairs = 3000;            // at most this many of its pairs (seeded sample)
    VerdictLimits limits;
    parallel::DataParallelOptions parallel;   // more than one process: data-parallel training (core/parallel)
    QJsonObject toJson() const;           // the run's parameters
    static FineTuneRequest fromJson(const QJsonObject &o);   // missing keys keep their defaults
};

// Live figures for a training panel; called on the job's thread.
struct FineTuneObserver
{
    std::function<void(const QString &device, const FeedbackSnapshot &)> started;
    std::function<void(const train::StepStats &)> step;
    std::function<void(const train::EpochStats &)> epoch;
};

struct VersionComparison
{
    bool available = false;               // false: no test-split pairs with truth (see note)
    QString note;
    eval::EvalResult parent, child;
    std::optional<PairedComparison> paired;   // the same pairs scored by both, with 95% intervals
    bool unseenPeople = false;            // no test person appears in a training pair (identities known)
    qint64 testPeople = 0, testPeopleTrainedOn = 0;
    QJsonObject toJson() const;           // {"parent":{...},"child":{...},"delta":{...},"paired":{...},"unseen_people":..}
};

struct FineTuneReport
{
    qint64 runId = 0;
    qint64 versionId = 0;                 // 0 when no epoch completed (cancelled early)
    QString version, parent;
    qint64 parentId = 0;
    FeedbackSnapshot snapshot;
    train::TrainResult training;
    VersionComparison test;
    std::optional<ForgettingFigures> forgetting;   // on the reference project, when one was given
    ChildVerdict verdict;                 // empty verdict when the run ended before judging (cancelled)
    double seconds = 0;
    QStringList notes;
    QJsonObject toJson() const;           // the CLI's --json document
};

// Throws std::runtime_error with a message for the user (unknown version, a model that cannot be
// trained, no usable feedback, one class only, missing aligned faces, diverged loss); the run is
// then recorded as failed. A cancel during training keeps the best epoch so far as the new
// version and returns (training.cancelled; the run is recorded as cancelled, since the cancel
// came before the return); a cancel before the first epoch ends throws jobs::Cancelled and
// registers nothing. Metrics and the new version's created_by_run go to ctx.runId().
FineTuneReport fineTune(const store::ProjectStore &store, const FineTuneRequest &request, jobs::JobContext &ctx,
                        const FineTuneObserver &observer = {});

// The run's params: request.toJson() with "model" the version it starts from (the current one
// when the request names none). Throws when the project has no such version.
QJsonObject fineTuneRunParams(const store::ProjectStore &store, const FineTuneRequest &request);

// "fr_feature-ft1", "fr_feature-ft2", ...: the first name not taken in the project.
QString childVersionName(const store::ProjectStore &store, const QString &parentName);

} // namespace facelab::finetune

#pragma once
// Training a Linearizer surrogate of a project's model version, end to end: the teacher's
// embeddings cached first (they are the targets), people held out by identity, training streamed
// from the aligned crops (core/linearizer), the best epoch registered as a version of family
// "linearizer" whose parent is the teacher, embedded, and measured on the held-out people:
// reconstruction MSE and cosine to the teacher, and verification AUC of surrogate and teacher on
// the same pairs. Live figures go out through JobContext::publish. Qt at the edge; no torch.
#include "jobs/JobContext.h"
#include "linearizer/LinearizerTraining.h"
#include "parallel/DataParallel.h"
#include "store/ProjectStore.h"

#include <QJsonObject>
#include <QStringList>

namespace facelab::linearize {

struct LinearizeRequest
{
    QString teacher;                           // version name; "" = the project's current version
    QString name;                              // "" = "<teacher>-lin<N>"
    linearizer::LinearizerConfig config;       // embedding width / input size come from the teacher
    linearizer::LinearizerTrainOptions training;
    double heldOutFraction = 0.2;              // of the identities (of the images without identities)
    bool heldOutByImage = false;               // hold out images of the training people instead of people
    int maxImages = 0;                         // 0 = every image with an aligned face
    QString images;                            // an InsightFace .rec pack to learn from ("" = the project's faces)
    bool resume = false;                       // continue the teacher's last unfinished training
    // More than one process: data-parallel training (core/parallel); the workers read the snapshot
    // rank 0 writes (LinearizeSnapshotFile, default <project>/linearizer/training-snapshot.bin).
    parallel::DataParallelOptions parallel;
    QJsonObject toJson() const;
    static LinearizeRequest fromJson(const QJsonObject &o);   // missing keys keep their defaults
};

struct LinearizeReport
{
    qint64 versionId = 0;                      // 0 when nothing was kept
    QString version, teacher;
    linearizer::LinearizerTrainResult training;
    int trainImages = 0, heldOutImages = 0, trainIdentities = 0;
    QStringList heldOutIdentities;
    QString split;
    // On the held-out images, best epoch.
    double mse = 0, cosineMean = 0, cosineMin = 0;
    double aucTeacher = 0, aucSurrogate = 0, accuracyTeacher = 0, accuracySurrogate = 0;
    qint64 samePairs = 0, differentPairs = 0;
    double seconds = 0;
    QStringList notes;
    QJsonObject toJson() const;                // the CLI's --json document
};

// Throws std::runtime_error with a message for the user (unknown teacher, no aligned faces, too few
// images, a surrogate of a surrogate, an unreadable crop, a diverged loss). A cancel keeps the best
// complete epoch as the version (report.training.cancelled) and the resume checkpoint; a cancel
// before an epoch ends throws jobs::Cancelled and registers nothing.
LinearizeReport trainLinearizer(const store::ProjectStore &store, const LinearizeRequest &request, jobs::JobContext &ctx);

// Where a teacher's unfinished training is checkpointed (resume reads it).
QString resumeCheckpointPath(const store::ProjectStore &store, const QString &teacher);

} // namespace facelab::linearize

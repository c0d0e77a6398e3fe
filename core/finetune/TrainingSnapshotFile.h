#pragma once
// The training snapshot of a data-parallel fine-tuning run: what rank 0 took from the project (the
// request, the parent version's name, the aligned crops and the pairs as indices into them, the
// anchors), written once to a path every worker sees, so workers on other hosts never read the
// feedback tables. Written atomically (QSaveFile); the crops as PNG, so they read back bit-identical.
#include "train/TrainingTypes.h"

#include <QJsonObject>
#include <QString>

namespace facelab::finetune {

struct TrainingSnapshotFile
{
    QJsonObject request;          // FineTuneRequest::toJson()
    QString parentVersion;        // the version every worker starts from
    train::TrainingSet set;
};

// Throws std::runtime_error naming the path when it cannot be written.
void writeTrainingSnapshot(const QString &path, const TrainingSnapshotFile &snapshot);
// Throws std::runtime_error naming the path and the problem (missing, not a snapshot, truncated,
// an index out of range).
TrainingSnapshotFile readTrainingSnapshot(const QString &path);

} // namespace facelab::finetune

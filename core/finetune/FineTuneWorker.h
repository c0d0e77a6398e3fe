#pragma once
// A worker of a data-parallel fine-tuning run (rank > 0): it reads the training snapshot rank 0
// wrote and trains its shard without touching the project's tables. The job's processes, rank 0's
// side and the collectives are core/parallel and core/distributed. Qt, no torch.
#include <QString>
#include <functional>

namespace facelab::store {
class ProjectStore;
}

namespace facelab::finetune {

struct FineTuneRequest;

// The snapshot's default place: <project>/training/finetune-snapshot.bin.
QString defaultSnapshotPath(const store::ProjectStore &store);

// A worker's whole run: join the group at request.parallel.master, then (rank 0 has the project
// open and the snapshot written by the time the group forms, so two processes never open or
// migrate it at once) read the snapshot, open the parent version from the project folder (read
// only) and train. log gets a line per step. Throws std::runtime_error naming the rank.
void runFineTuneWorker(const QString &projectFolder, const FineTuneRequest &request,
                       const std::function<void(const QString &)> &log);

} // namespace facelab::finetune

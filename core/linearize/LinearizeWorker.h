#pragma once
// A worker of a data-parallel Linearizer run (rank > 0): it joins the group, reads the training
// snapshot rank 0 wrote, loads the teacher from the project folder (read only) and trains its
// shard of every batch. It registers nothing and writes no checkpoint (rank 0 does). Qt, no torch.
#include <QString>
#include <functional>

namespace facelab::store {
class ProjectStore;
}

namespace facelab::linearize {

struct LinearizeRequest;

// The snapshot's default place: <project>/linearizer/training-snapshot.bin.
QString defaultLinearizeSnapshotPath(const store::ProjectStore &store);

// Throws std::runtime_error naming the rank and the problem. log gets a line per step.
void runLinearizeWorker(const QString &projectFolder, const LinearizeRequest &request,
                        const std::function<void(const QString &)> &log);

} // namespace facelab::linearize

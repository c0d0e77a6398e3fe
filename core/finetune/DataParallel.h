#pragma once
// Data-parallel fine-tuning seen from the project side (Qt, no torch): how a run is spread over
// processes, the local worker processes a run starts as its children, and the entry point of a
// worker (rank > 0), which reads the training snapshot rank 0 wrote and trains its shard without
// touching the project's tables. The collectives themselves are core/distributed (c10d).
#include <QProcess>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <vector>

namespace facelab::store {
class ProjectStore;
}

namespace facelab::finetune {

struct FineTuneRequest;

struct DataParallelOptions
{
    int workers = 1;              // local processes in all: this one (rank 0) and workers-1 children
    int rank = 0, world = 1;      // a job across hosts (--rank/--world/--master), as torchrun has it
    QString master;               // HOST:PORT of rank 0's rendezvous (multi-host)
    QString snapshotPath;         // where rank 0 writes the training snapshot; empty: in the project folder
    int timeoutSeconds = 120;     // a worker that dies or hangs fails the job within this
    QString workerProgram;        // the program the children run; empty: this one
    int size() const { return workers > 1 ? workers : world; }
    bool enabled() const { return size() > 1; }
};

// The snapshot's default place: <project>/training/finetune-snapshot.bin.
QString defaultSnapshotPath(const store::ProjectStore &store);

// The children of a local job, ranks 1..world-1, each logging to <logDir>/rank<R>.log.
class LocalWorkers
{
public:
    LocalWorkers(const QString &program, const QStringList &commonArgs, int world, const QString &master,
                 const QString &logDir);
    ~LocalWorkers();   // kills any still running
    // After training: waits up to timeoutMs for every child; empty when all exited with 0, else
    // what went wrong with which rank (children still running are killed).
    QString finish(int timeoutMs);
    // After a failure: gives the children timeoutMs to fail on their own, kills the rest, and says
    // which rank died how (exit code and the last line of its log) or was still running.
    QString stopAll(int timeoutMs);

private:
    QString describe(int rank, QProcess &p, bool killed) const;
    std::vector<std::unique_ptr<QProcess>> m_children;
    QString m_logDir;
};

// A worker's whole run (rank > 0): join the group at request.parallel.master, then (rank 0 has
// the project open and the snapshot written by the time the group forms, so two processes never
// open or migrate it at once) read the snapshot, open the parent version from the project folder
// (read only) and train. log gets a line per step. Throws std::runtime_error naming the rank.
void runFineTuneWorker(const QString &projectFolder, const FineTuneRequest &request,
                       const std::function<void(const QString &)> &log);

} // namespace facelab::finetune

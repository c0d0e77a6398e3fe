#pragma once
// A data-parallel training job seen from the project side (Qt, no torch), shared by fine-tuning
// and the Linearizer: how a run is spread over processes, the local worker processes a run starts
// as its children, rank 0's side of the job (the children started, the group joined, a failure
// explained by rank) and a worker's joining. The collectives themselves are core/distributed (c10d).
#include <QProcess>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

namespace facelab::train {
class Collective;
}

namespace facelab::parallel {

struct DataParallelOptions
{
    int workers = 1;              // local processes in all: this one (rank 0) and workers-1 children
    int rank = 0, world = 1;      // a job across hosts (--rank/--world/--master), as torchrun has it
    QString master;               // HOST:PORT of rank 0's rendezvous (multi-host)
    QString snapshotPath;         // where rank 0 writes the training snapshot; empty: the job's default
    int timeoutSeconds = 120;     // a worker that dies or hangs fails the job within this
    QString workerProgram;        // the program the children run; empty: $FACELAB_ENGINE, else this one
    int size() const { return workers > 1 ? workers : world; }
    bool enabled() const { return size() > 1; }
    bool isWorker() const { return rank > 0; }
};

// The command-line options of a data-parallel run, checked: "" when they fit together, else why not.
QString checkOptions(const DataParallelOptions &options);

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
    QString stopAll(int timeoutMs) { return finish(timeoutMs); }

private:
    QString describe(int rank, QProcess &p, bool killed) const;
    std::vector<std::unique_ptr<QProcess>> m_children;
    QString m_logDir;
};

// Rank 0 of a job: starts the local children when options.workers > 1 (each runs workerArgs plus
// --process-rank/--world/--master, logging to logs/ beside the snapshot), else takes the
// rendezvous from options.master, then joins. Write the training snapshot before constructing it:
// the workers read it once the group has formed; it is removed when the run ends or fails.
// Throws std::runtime_error naming the rank and, for local children, how each one ended. With local
// children this process trains on its share of the cores (nn::shareCores) while it lives.
class RankZero
{
public:
    RankZero(const DataParallelOptions &options, const QStringList &workerArgs, const QString &snapshotPath);
    ~RankZero();
    std::shared_ptr<train::Collective> collective() const { return m_collective; }
    QString master() const { return m_master; }
    int world() const { return m_world; }
    // Training threw: the message, with what became of the local children.
    QString failure(const std::exception &e);
    // Training ended: "" when every child exited well, else what went wrong with which rank.
    QString finish();

private:
    std::unique_ptr<LocalWorkers> m_workers;
    std::shared_ptr<train::Collective> m_collective;
    QString m_master, m_snapshot;
    int m_world = 1, m_timeoutMs = 120000;
    bool m_sharing = false;   // this process runs on its share of the cores until destroyed
};

// A worker (rank > 0) joining the job at options.master. Throws std::runtime_error naming the rank.
std::shared_ptr<train::Collective> joinAsWorker(const DataParallelOptions &options);

} // namespace facelab::parallel

#include "DataParallel.h"

#include "FineTuneJob.h"
#include "TrainingSnapshotFile.h"
#include "distributed/GroupOptions.h"
#include "embedding/VersionModel.h"
#include "eval/EvalPairs.h"
#include "store/ProjectStore.h"
#include "train/ContrastiveTrainer.h"

#include <QDir>
#include <QFile>
#include <QProcessEnvironment>
#include <stdexcept>

namespace facelab::finetune {

QString defaultSnapshotPath(const store::ProjectStore &store)
{
    return QDir(store.folder()).filePath(QStringLiteral("training/finetune-snapshot.bin"));
}

LocalWorkers::LocalWorkers(const QString &program, const QStringList &commonArgs, int world, const QString &master,
                           const QString &logDir)
    : m_logDir(logDir)
{
    QDir().mkpath(logDir);
    for (int r = 1; r < world; ++r) {
        auto p = std::make_unique<QProcess>();
        // Into files, not pipes: rank 0 trains on this thread and never drains a pipe.
        p->setStandardOutputFile(QDir(logDir).filePath(QStringLiteral("rank%1.log").arg(r)));
        p->setStandardErrorFile(QDir(logDir).filePath(QStringLiteral("rank%1.log").arg(r)), QIODevice::Append);
        p->start(program, commonArgs + QStringList{QStringLiteral("--rank"), QString::number(r), QStringLiteral("--world"),
                                                   QString::number(world), QStringLiteral("--master"), master});
        m_children.push_back(std::move(p));
    }
}

LocalWorkers::~LocalWorkers()
{
    for (auto &p : m_children)
        if (p->state() != QProcess::NotRunning) {
            p->kill();
            p->waitForFinished(5000);
        }
}

QString LocalWorkers::describe(int rank, QProcess &p, bool killed) const
{
    if (killed)
        return QStringLiteral("worker rank %1 was still running (hung) and was stopped").arg(rank);
    QString last;
    QFile log(QDir(m_logDir).filePath(QStringLiteral("rank%1.log").arg(rank)));
    if (log.open(QIODevice::ReadOnly)) {
        const QStringList lines = QString::fromUtf8(log.readAll()).trimmed().split(QLatin1Char('\n'));
        last = lines.isEmpty() ? QString() : lines.last().trimmed();
    }
    if (p.error() == QProcess::FailedToStart)
        return QStringLiteral("worker rank %1 did not start (%2)").arg(rank).arg(p.program());
    if (p.exitStatus() == QProcess::CrashExit)
        return QStringLiteral("worker rank %1 died (killed or crashed)").arg(rank);
    if (p.exitCode() != 0)
        return QStringLiteral("worker rank %1 failed with exit code %2%3").arg(rank).arg(p.exitCode())
            .arg(last.isEmpty() ? QString() : QStringLiteral(": ") + last);
    return {};
}

QString LocalWorkers::finish(int timeoutMs)
{
    QStringList problems;
    for (size_t i = 0; i < m_children.size(); ++i) {
        QProcess &p = *m_children[i];
        const bool killed = !p.waitForFinished(timeoutMs) && p.state() != QProcess::NotRunning;
        if (killed) {
            p.kill();
            p.waitForFinished(5000);
        }
        const QString d = describe(int(i) + 1, p, killed);
        if (!d.isEmpty())
            problems << d;
    }
    return problems.join(QStringLiteral("; "));
}

QString LocalWorkers::stopAll(int timeoutMs)
{
    return finish(timeoutMs);
}

void runFineTuneWorker(const QString &projectFolder, const FineTuneRequest &request,
                       const std::function<void(const QString &)> &log)
{
    const DataParallelOptions &dp = request.parallel;
    distributed::GroupOptions g;
    if (!distributed::parseMaster(dp.master.toStdString(), g))
        throw std::runtime_error(QStringLiteral("--master must be HOST:PORT (got '%1')").arg(dp.master).toStdString());
    g.rank = dp.rank;
    g.world = dp.world;
    g.timeout = std::chrono::milliseconds(qint64(dp.timeoutSeconds) * 1000);
    // Rank 0 writes the snapshot before it joins, so it is there once the group has formed.
    const std::shared_ptr<train::Collective> group = distributed::joinGroup(g);
    const store::ProjectStore project = store::ProjectStore::open(projectFolder);
    const QString path = dp.snapshotPath.isEmpty() ? defaultSnapshotPath(project) : dp.snapshotPath;
    const TrainingSnapshotFile snap = readTrainingSnapshot(path);
    const FineTuneRequest req = FineTuneRequest::fromJson(snap.request);
    const store::ModelVersionRecord parent = eval::versionForEval(project, snap.parentVersion);
    train::ContrastiveTrainer trainer(embedding::openVersion(project, parent), req.training);
    trainer.setCollective(group);
    train::TrainCallbacks cb;
    cb.onStep = [&](const train::StepStats &s) {
        log(QStringLiteral("rank %1: epoch %2, step %3/%4, loss %5").arg(dp.rank).arg(s.epoch).arg(s.step).arg(s.steps)
                .arg(s.loss, 0, 'f', 4));
    };
    const train::TrainResult r = trainer.train(snap.set, cb);
    log(QStringLiteral("rank %1: done, %2 epochs on %3").arg(dp.rank).arg(r.epochsRun).arg(QString::fromStdString(r.device)));
}

} // namespace facelab::finetune

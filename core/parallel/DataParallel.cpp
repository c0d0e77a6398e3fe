#include "parallel/DataParallel.h"

#include "distributed/GroupOptions.h"
#include "nn/Engine.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <stdexcept>

namespace facelab::parallel {

QString checkOptions(const DataParallelOptions &dp)
{
    if (dp.workers > 1 && (dp.world > 1 || dp.rank > 0))
        return QStringLiteral("--workers starts a job of local processes; --process-rank/--world/--master join one across hosts: not both");
    if (dp.world > 1 && dp.master.isEmpty())
        return QStringLiteral("--world needs --master HOST:PORT (rank 0's address)");
    if (dp.rank >= dp.world && (dp.world > 1 || dp.rank > 0))
        return QStringLiteral("process rank %1 is not one of the %2 ranks of --world").arg(dp.rank).arg(dp.world);
    distributed::GroupOptions g;
    if (!dp.master.isEmpty() && !distributed::parseMaster(dp.master.toStdString(), g))
        return QStringLiteral("--master must be HOST:PORT (got '%1')").arg(dp.master);
    return {};
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
        // Each child takes its share of the cores (nn::initEngine reads it).
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("FACELAB_LOCAL_PROCESSES"), QString::number(world));
        p->setProcessEnvironment(env);
        p->start(program, commonArgs + QStringList{QStringLiteral("--process-rank"), QString::number(r), QStringLiteral("--world"),
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

namespace {

// The children run the given program, else $FACELAB_ENGINE (the engine of a GUI started from
// elsewhere, or of a test), else this program (the CLI and the GUI both run in facelab-engine).
QString workerProgram(const DataParallelOptions &dp)
{
    if (!dp.workerProgram.isEmpty())
        return dp.workerProgram;
    const QString engine = qEnvironmentVariable("FACELAB_ENGINE");
    return engine.isEmpty() ? QCoreApplication::applicationFilePath() : engine;
}

} // namespace

RankZero::RankZero(const DataParallelOptions &dp, const QStringList &workerArgs, const QString &snapshotPath)
    : m_snapshot(snapshotPath), m_timeoutMs(dp.timeoutSeconds * 1000)
{
    const QString logDir = QDir(QFileInfo(snapshotPath).absolutePath()).filePath(QStringLiteral("logs"));
    distributed::GroupOptions g;
    g.rank = 0;
    g.world = dp.size();
    g.timeout = std::chrono::milliseconds(qint64(dp.timeoutSeconds) * 1000);
    if (dp.workers > 1) {
        g.masterHost = "127.0.0.1";
        g.masterPort = distributed::freeLocalPort();
    } else if (dp.rank != 0 || !distributed::parseMaster(dp.master.toStdString(), g)) {
        QFile::remove(m_snapshot);
        throw std::runtime_error("the project side of a data-parallel run is rank 0 with --master HOST:PORT");
    }
    m_world = g.world;
    m_master = QStringLiteral("%1:%2").arg(QString::fromStdString(g.masterHost)).arg(g.masterPort);
    if (dp.workers > 1) {
        nn::shareCores(dp.workers);   // this process's share; all cores again when the run ends
        m_sharing = true;
    }
    if (dp.workers > 1)
        m_workers = std::make_unique<LocalWorkers>(
            workerProgram(dp),
            workerArgs + QStringList{QStringLiteral("--worker-timeout"), QString::number(dp.timeoutSeconds)}, g.world,
            m_master, logDir);
    try {
        m_collective = distributed::joinGroup(g);
    } catch (const std::exception &e) {
        if (m_sharing)
            nn::shareCores(1);
        QFile::remove(m_snapshot);
        throw std::runtime_error(
            (QString::fromUtf8(e.what()) + (m_workers ? QStringLiteral("; ") + m_workers->stopAll(2000) : QString())).toStdString());
    }
}

RankZero::~RankZero()
{
    if (m_sharing)
        nn::shareCores(1);
}

QString RankZero::failure(const std::exception &e)
{
    QString why = QString::fromUtf8(e.what());
    if (m_workers) {
        const QString children = m_workers->stopAll(5000);
        if (!children.isEmpty())
            why += QStringLiteral("; ") + children;
        m_workers.reset();
    }
    m_collective.reset();
    QFile::remove(m_snapshot);
    return QStringLiteral("data-parallel training failed: ") + why;
}

QString RankZero::finish()
{
    QFile::remove(m_snapshot);   // every worker read it before the first step
    QString problems;
    if (m_workers)
        problems = m_workers->finish(m_timeoutMs);
    m_workers.reset();
    m_collective.reset();
    return problems;
}

std::shared_ptr<train::Collective> joinAsWorker(const DataParallelOptions &dp)
{
    distributed::GroupOptions g;
    if (!distributed::parseMaster(dp.master.toStdString(), g))
        throw std::runtime_error(QStringLiteral("--master must be HOST:PORT (got '%1')").arg(dp.master).toStdString());
    g.rank = dp.rank;
    g.world = dp.world;
    g.timeout = std::chrono::milliseconds(qint64(dp.timeoutSeconds) * 1000);
    return distributed::joinGroup(g);
}

} // namespace facelab::parallel

#include "RunTable.h"

#include "StoreError.h"

#include <QCoreApplication>
#include <QSqlQuery>
#include <QVariant>
#include <cerrno>
#include <csignal>

namespace facelab::store {
namespace {
RunRecord readRun(const QSqlQuery &q)
{
    RunRecord r;
    r.id = q.value(0).toLongLong();
    r.kind = q.value(1).toString();
    r.paramsJson = q.value(2).toString();
    r.status = q.value(3).toString();
    r.startedAt = q.value(4).toString();
    r.endedAt = q.value(5).toString();
    r.log = q.value(6).toString();
    return r;
}
const char *const kRunColumns = "id, kind, params_json, status, started_at, ended_at, log";
} // namespace

qint64 RunTable::start(const QString &kind, const QString &paramsJson, RunStatus status) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO runs(kind, params_json, status, started_at, pid) VALUES(?, ?, ?, ?, ?)"));
    q.addBindValue(kind);
    q.addBindValue(paramsJson.isEmpty() ? QStringLiteral("{}") : paramsJson);
    q.addBindValue(runStatusName(status));
    q.addBindValue(nowIso());
    q.addBindValue(QCoreApplication::applicationPid());
    exec(q, "record run");
    return q.lastInsertId().toLongLong();
}

void RunTable::setStatus(qint64 runId, RunStatus status) const
{
    const bool final = status != RunStatus::Queued && status != RunStatus::Running;
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("UPDATE runs SET status = ?, ended_at = ? WHERE id = ?"));
    q.addBindValue(runStatusName(status));
    q.addBindValue(final ? QVariant(nowIso()) : QVariant(QMetaType(QMetaType::QString)));
    q.addBindValue(runId);
    exec(q, "update run status");
}

void RunTable::appendLog(qint64 runId, const QString &line) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("UPDATE runs SET log = log || ? WHERE id = ?"));
    q.addBindValue(line.endsWith(QLatin1Char('\n')) ? line : line + QLatin1Char('\n'));
    q.addBindValue(runId);
    exec(q, "append run log");
}

void RunTable::finish(qint64 runId, RunStatus status, const QString &logLine) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("UPDATE runs SET status = ?, ended_at = ?, log = log || ? WHERE id = ?"));
    q.addBindValue(runStatusName(status));
    q.addBindValue(nowIso());
    // Never a null QString: it binds as NULL, and log || NULL is NULL.
    q.addBindValue(logLine.isEmpty() ? QStringLiteral("")
                                     : logLine.endsWith(QLatin1Char('\n')) ? logLine : logLine + QLatin1Char('\n'));
    q.addBindValue(runId);
    exec(q, "record run outcome");
}

void RunTable::setParams(qint64 runId, const QString &paramsJson) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("UPDATE runs SET params_json = ? WHERE id = ?"));
    q.addBindValue(paramsJson.isEmpty() ? QStringLiteral("{}") : paramsJson);
    q.addBindValue(runId);
    exec(q, "update run params");
}

RunRecord RunTable::run(qint64 runId) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT %1 FROM runs WHERE id = ?").arg(QLatin1String(kRunColumns)));
    q.addBindValue(runId);
    exec(q, "read run");
    if (!q.next())
        throw StoreError(QStringLiteral("no run %1").arg(runId));
    return readRun(q);
}

QVector<RunRecord> RunTable::recent(int limit) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("SELECT %1 FROM runs ORDER BY id DESC LIMIT ?").arg(QLatin1String(kRunColumns)));
    q.addBindValue(limit);
    exec(q, "list runs");
    QVector<RunRecord> out;
    while (q.next())
        out.push_back(readRun(q));
    return out;
}

int RunTable::markRunningAsInterrupted() const
{
    // A run is interrupted when the process that ran it is gone (killed, crashed). Runs of a live
    // process — this one's other jobs, or a CLI command working beside the GUI — go on.
    QSqlQuery s(m_store.db());
    prepare(s, QStringLiteral("SELECT id, pid FROM runs WHERE status IN ('running', 'queued')"));
    exec(s, "find running runs");
    QVector<qint64> dead;
    while (s.next()) {
        const qint64 pid = s.value(1).toLongLong();
        const bool alive = pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM);
        if (!alive)
            dead << s.value(0).toLongLong();
    }
    s.finish();
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("UPDATE runs SET status = 'interrupted', ended_at = ?, "
                              "log = log || 'interrupted: FaceLab stopped while this run was going\n' "
                              "WHERE id = ? AND status IN ('running', 'queued')"));
    for (qint64 id : dead) {
        q.addBindValue(nowIso());
        q.addBindValue(id);
        exec(q, "mark interrupted run");
    }
    return int(dead.size());
}

void RunTable::addMetric(qint64 runId, qint64 modelVersionId, const QString &name, double value) const
{
    QSqlQuery q(m_store.db());
    prepare(q, QStringLiteral("INSERT INTO metrics(run_id, model_version_id, name, value) VALUES(?, ?, ?, ?)"));
    q.addBindValue(runId);
    q.addBindValue(modelVersionId > 0 ? QVariant(modelVersionId) : QVariant(QMetaType(QMetaType::LongLong)));
    q.addBindValue(name);
    q.addBindValue(value);
    exec(q, "record metric");
}

} // namespace facelab::store

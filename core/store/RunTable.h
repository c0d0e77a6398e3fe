#pragma once
// Run records: every long job (import, embedding, training, evaluation) is a run whose status
// survives a crash: a run still 'running' when the project opens becomes 'interrupted'.
#include "ProjectStore.h"

namespace facelab::store {

class RunTable
{
public:
    explicit RunTable(const ProjectStore &store) : m_store(store) {}

    qint64 start(const QString &kind, const QString &paramsJson, RunStatus status = RunStatus::Running) const;
    void setStatus(qint64 runId, RunStatus status) const;      // sets ended_at for final states
    void appendLog(qint64 runId, const QString &line) const;
    // Final status, ended_at and (when not empty) a last log line in one statement: the smallest
    // write that records an outcome, so it fits in what a full disk has left.
    void finish(qint64 runId, RunStatus status, const QString &logLine) const;
    // For work whose parameters are known only once it ran (a model import's load report).
    void setParams(qint64 runId, const QString &paramsJson) const;
    RunRecord run(qint64 runId) const;
    QVector<RunRecord> recent(int limit = 50) const;
    int markRunningAsInterrupted() const;
    void addMetric(qint64 runId, qint64 modelVersionId, const QString &name, double value) const;

private:
    const ProjectStore &m_store;
};

} // namespace facelab::store

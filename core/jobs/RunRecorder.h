#pragma once
// The one way a run is recorded: construct it when the work starts (a 'running' row in the runs
// table), call finish() with the outcome. A recorder destroyed without finish() (an exception
// that nobody turned into a status) records 'failed', so no run is left 'running' by this
// process; a killed process leaves 'running', which the next open turns into 'interrupted'.
// A read-only project records nothing (recorded() is false, note() says why) and the work runs
// all the same. A full disk does not lose the outcome: finish() frees the project's reserve and
// records "disk full" as the reason.
// Used by the GUI's job queue and by the command line alike (jobs::runRecorded).
#include "JobSpec.h"
#include "store/ProjectStore.h"

#include <QJsonObject>
#include <QString>
#include <exception>

namespace facelab::jobs {

class RunRecorder
{
public:
    RunRecorder(const store::ProjectStore &store, const QString &kind, const QJsonObject &params);
    ~RunRecorder();
    RunRecorder(const RunRecorder &) = delete;
    RunRecorder &operator=(const RunRecorder &) = delete;

    qint64 id() const { return m_id; }   // 0 when not recorded
    bool recorded() const { return m_id > 0; }
    // Why the run is not recorded ("" when it is).
    QString note() const { return m_note; }
    void log(const QString &text) const;
    void metric(qint64 modelVersionId, const QString &name, double value) const;
    // Final status plus, for failures, the error appended to the log. Idempotent: the first wins.
    void finish(store::RunStatus status, const QString &error = {});
    bool finished() const { return m_finished; }

private:
    const store::ProjectStore &m_store;
    qint64 m_id = 0;
    QString m_note;
    bool m_finished = false;
};

// The runs table's status for a job's final status (Done, Failed, Cancelled).
store::RunStatus runStatusOf(JobStatus finalStatus);

// The reason a failed run records for an error: "disk full: ..." when the disk ran out of space
// (SQLite's SQLITE_FULL or a file write's ENOSPC), else the error's own text.
QString failureReason(const std::exception &e);

} // namespace facelab::jobs

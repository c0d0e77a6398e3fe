#pragma once
// What a long-running piece of work sees of its job: a cancel flag to poll, progress to report,
// a log, the run it is recorded as and a live channel to its view. Core work functions take a
// JobContext& so the same code runs under the GUI's JobQueue (worker thread, progress bar, cancel
// button) and under the CLI and tests (runRecorded: plain console).
#include "JobSpec.h"

#include <QString>
#include <QVariant>
#include <QtGlobal>
#include <atomic>
#include <stdexcept>

namespace facelab::jobs {

class RunRecorder;

// Thrown by work that noticed the cancel request; the job then ends as 'cancelled'. Work that
// notices it and returns what it has instead (fine-tuning keeps its best epoch) ends 'cancelled'
// too, with its result kept: see statusOnReturn.
class Cancelled : public std::runtime_error
{
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

class JobContext
{
public:
    virtual ~JobContext() = default;
    virtual bool isCanceled() const = 0;
    virtual void setProgress(qint64 done, qint64 total, const QString &what = {}) = 0;
    virtual void log(const QString &line) = 0;
    // The run this work is recorded as (0 = not recorded): work adds metrics and links the
    // versions it creates to it; it never starts a run of its own (RunRecorder does, outside).
    // Lines given to log() go into that run's log.
    virtual qint64 runId() const { return 0; }
    // A live snapshot for the job's view (curves, current figures). Latest wins: a view that is
    // slower than the work sees the newest snapshot, never a queue of stale ones.
    virtual void publish(const QVariant &snapshot) { Q_UNUSED(snapshot); }
    // Convenience for loops: throws Cancelled when cancel was requested.
    void checkCanceled() const
    {
        if (isCanceled())
            throw Cancelled();
    }
};

// How work that returned (did not throw) ended: cancelled when the cancel request came before it
// returned (it stopped early and returned what it had), else done.
inline JobStatus statusOnReturn(const JobContext &ctx)
{
    return ctx.isCanceled() ? JobStatus::Cancelled : JobStatus::Done;
}

// A context for synchronous callers (CLI, tests): optional console progress, a cancel flag.
// runRecorded points it at a RunRecorder for the length of one run.
class PlainJobContext : public JobContext
{
public:
    explicit PlainJobContext(bool printProgress = false) : m_print(printProgress) {}
    bool isCanceled() const override { return m_cancel.load(); }
    void cancel() { m_cancel.store(true); }
    qint64 runId() const override;
    void setRunId(qint64 id) { m_runId = id; }   // an id without a recorder (no log mirroring)
    // While set, runId() is the recorder's and log lines also go into its run. nullptr unsets.
    void setRecorder(const RunRecorder *recorder) { m_recorder = recorder; }
    const RunRecorder *recorder() const { return m_recorder; }
    void setProgress(qint64 done, qint64 total, const QString &what) override;
    void log(const QString &line) override;
    QString logText() const { return m_log; }

private:
    std::atomic<bool> m_cancel{false};
    bool m_print;
    qint64 m_runId = 0;
    const RunRecorder *m_recorder = nullptr;
    QString m_log;
    int m_lastPercent = -1;
};

} // namespace facelab::jobs

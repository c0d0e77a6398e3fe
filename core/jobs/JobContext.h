#pragma once
// What a long-running piece of work sees of its job: a cancel flag to poll, progress to report
// and a log. Core work functions take a JobContext& so the same code runs under the GUI's
// JobRunner (worker thread, progress bar, cancel button) and under the CLI (plain console).
#include <QString>
#include <QVariant>
#include <QtGlobal>
#include <atomic>
#include <stdexcept>

namespace facelab::jobs {

// Thrown by work that noticed the cancel request; the job then ends as 'cancelled'.
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

// A context for synchronous callers (CLI, tests): optional console progress, a cancel flag.
class PlainJobContext : public JobContext
{
public:
    explicit PlainJobContext(bool printProgress = false) : m_print(printProgress) {}
    bool isCanceled() const override { return m_cancel.load(); }
    void cancel() { m_cancel.store(true); }
    qint64 runId() const override { return m_runId; }
    void setRunId(qint64 id) { m_runId = id; }
    void setProgress(qint64 done, qint64 total, const QString &what) override;
    void log(const QString &line) override;
    QString logText() const { return m_log; }

private:
    std::atomic<bool> m_cancel{false};
    bool m_print;
    qint64 m_runId = 0;
    QString m_log;
    int m_lastPercent = -1;
};

} // namespace facelab::jobs

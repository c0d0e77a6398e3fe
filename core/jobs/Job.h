#pragma once
// The handle of one job of a JobQueue (QGIS QgsTask, Qt Creator's Async): it lives on the thread
// of its queue (the GUI thread), and everything on it is read and written there only; the worker
// reaches it through queued calls. Its signals arrive on that thread, so slots may touch widgets.
// The queue deletes a job (deleteLater) after its finished(); keep no pointer past that.
#include "JobSpec.h"

#include <QFuture>
#include <QMutex>
#include <QObject>
#include <QVariant>
#include <any>
#include <atomic>
#include <functional>
#include <optional>

namespace facelab::jobs {

class JobContext;
class JobQueue;

class Job : public QObject
{
    Q_OBJECT
public:
    ~Job() override;   // cancels and waits for the worker: a job never outlives its work

    const JobSpec &spec() const { return m_spec; }
    JobKind kind() const { return m_spec.kind; }
    QString title() const { return m_spec.title; }
    QString projectFolder() const { return m_spec.projectFolder; }

    JobStatus status() const { return m_status; }
    bool isActive() const { return !isFinal(m_status); }   // queued, waiting or running
    QString error() const { return m_error; }
    qint64 runId() const { return m_runId; }               // 0 until running, or when not recorded
    // Last progress reported (total 0 = unknown yet).
    qint64 done() const { return m_done; }
    qint64 total() const { return m_total; }
    QString what() const { return m_what; }
    qint64 elapsedMs() const;                              // since it started running

    // The work's return value once it returned (done, or cancelled after returning what it had);
    // nullptr before, after a throw, or when R is not the type the work returned.
    template <class R>
    const R *result() const
    {
        return std::any_cast<R>(&m_result);
    }
    // The newest snapshot the work published (invalid before the first).
    QVariant latestSnapshot() const;

public slots:
    // Asks the work to stop; a job that has not started yet ends 'cancelled' at once, unrecorded.
    void cancel();

signals:
    void statusChanged(facelab::jobs::JobStatus status);
    void progress(qint64 done, qint64 total, const QString &what);
    void logLine(const QString &line);
    // A new snapshot is there: read latestSnapshot(). Coalesced: however often the work
    // publishes, at most one notification is pending, and it delivers the newest value.
    void snapshot();
    void finished();   // after the onDone handler given to JobQueue::start

private:
    friend class JobQueue;
    friend class WorkerContext;
    using Work = std::function<std::any(JobContext &)>;

    Job(JobSpec spec, Work work, std::function<void(Job &)> onDone, JobQueue *queue);
    void setStatus(JobStatus s);
    void deliverSnapshot();

    JobSpec m_spec;
    Work m_work;
    std::function<void(Job &)> m_onDone;
    JobQueue *m_queue;
    QList<Job *> m_after;   // the unfinished jobs this one waits for
    bool m_submitted = false;
    QFuture<void> m_future;

    JobStatus m_status = JobStatus::Queued;
    QString m_error;
    qint64 m_runId = 0;
    qint64 m_done = 0, m_total = 0;
    QString m_what;
    qint64 m_startMs = 0, m_endMs = 0;
    std::any m_result;

    // Shared with the worker thread.
    std::atomic<bool> m_cancel{false};
    mutable QMutex m_mutex;          // guards the three below
    QVariant m_snapshot;
    bool m_snapshotPosted = false;
    struct Outcome
    {
        JobStatus status = JobStatus::Failed;
        QString error;
        std::any result;
    };
    std::optional<Outcome> m_outcome;   // set by the worker when the work ended
};

} // namespace facelab::jobs

#pragma once
// The jobs of one window (QtCore only, so it is tested without widgets). A job is a JobSpec and a
// work function; the queue runs it on a thread pool of its own (never the global one, which the
// views' loaders use), records it as a run of its project (RunRecorder on the worker thread, with
// the worker's own database connection), keeps exclusive groups to one job at a time, starts a job
// only once the jobs it runs after are done, and cancels a project's jobs when the project closes.
// Handlers and signals run on the queue's thread (the GUI thread).
#include "Job.h"
#include "JobContext.h"

#include <QList>
#include <QObject>
#include <QThreadPool>
#include <functional>
#include <type_traits>

namespace facelab::jobs {

class JobQueue : public QObject
{
    Q_OBJECT
public:
    using OnDone = std::function<void(Job &)>;

    explicit JobQueue(QObject *parent = nullptr);
    // Cancels every job and waits for the running ones; onDone handlers are not called (their
    // owners may be going too). Call cancelAllAndWait() first to have them called.
    ~JobQueue() override;

    // Queues work(JobContext&) -> R. onDone runs on this thread when the job ends, whatever its
    // status, with the typed result in job.result<R>(); finished() follows. A job with jobs in
    // after waits (Waiting) until they are done; when one of them fails or is cancelled, it ends
    // Cancelled without running, its error naming that job.
    template <class F>
    Job *start(JobSpec spec, F work, OnDone onDone = {}, QList<Job *> after = {})
    {
        using R = std::invoke_result_t<F &, JobContext &>;
        Job::Work erased = [w = std::move(work)](JobContext &ctx) mutable -> std::any {
            if constexpr (std::is_void_v<R>) {
                w(ctx);
                return {};
            } else {
                return std::any(w(ctx));
            }
        };
        return enqueue(std::move(spec), std::move(erased), std::move(onDone), std::move(after));
    }

    // Queued, waiting and running jobs, oldest first.
    QList<Job *> active() const { return m_active; }
    bool hasActive() const { return !m_active.isEmpty(); }
    Job *findActive(JobKind kind) const;

    void cancelAll();
    // Cancels every job, waits for the running ones, and delivers their ends (handlers, signals)
    // before it returns.
    void cancelAllAndWait();
    // The same for the jobs of one project (closing it): none of them is left after this returns.
    void cancelProject(const QString &projectFolder);

    QThreadPool *pool() { return &m_pool; }

signals:
    void started(facelab::jobs::Job *job);      // queued (it may wait before it runs)
    void progressed(facelab::jobs::Job *job);   // progress or status changed
    // After the job's own handler; the job is still valid during this signal.
    void finished(facelab::jobs::Job *job, const QString &title, facelab::jobs::JobStatus status,
                  const QString &error);

private:
    friend class Job;
    friend class WorkerContext;

    Job *enqueue(JobSpec spec, Job::Work work, OnDone onDone, QList<Job *> after);
    void schedule();
    void submit(Job *job);
    static void runOnWorker(Job *job, Job::Work work);
    void deliverOutcome(Job *job);   // the worker's outcome, when the work has ended
    void end(Job *job, JobStatus status, const QString &error, std::any result);
    void cancelAndWait(const QList<Job *> &jobs);

    QThreadPool m_pool;
    QList<Job *> m_active;
};

} // namespace facelab::jobs

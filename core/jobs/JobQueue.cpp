#include "JobQueue.h"

#include "RunRecorder.h"

#include <QDateTime>
#include <QMetaObject>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <memory>

namespace facelab::jobs {

// The work's side of a job, on the worker thread: everything it reports reaches the Job through
// queued calls with the Job as context (the Job outlives its work: ~Job and ~JobQueue wait).
class WorkerContext : public JobContext
{
public:
    explicit WorkerContext(Job *job) : m_job(job) {}
    void setRecorder(const RunRecorder *r) { m_recorder = r; }

    bool isCanceled() const override { return m_job->m_cancel.load(); }
    qint64 runId() const override { return m_recorder ? m_recorder->id() : 0; }

    void setProgress(qint64 done, qint64 total, const QString &what) override
    {
        // ~20 updates a second at most, so a fast loop does not flood the GUI's event queue.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (done < total && now - m_lastProgress < 50)
            return;
        m_lastProgress = now;
        Job *job = m_job;
        QMetaObject::invokeMethod(job, [job, done, total, what] {
            job->m_done = done;
            job->m_total = total;
            if (!what.isEmpty())
                job->m_what = what;
            emit job->progress(done, total, what);
            emit job->m_queue->progressed(job);
        }, Qt::QueuedConnection);
    }

    void log(const QString &line) override
    {
        if (m_recorder) {
            try {
                m_recorder->log(line);
            } catch (const std::exception &) {
                // A log line the store cannot take is not worth failing the work for.
            }
        }
        Job *job = m_job;
        QMetaObject::invokeMethod(job, [job, line] { emit job->logLine(line); }, Qt::QueuedConnection);
    }

    void publish(const QVariant &snapshot) override
    {
        bool post = false;
        {
            QMutexLocker lock(&m_job->m_mutex);
            m_job->m_snapshot = snapshot;
            post = !m_job->m_snapshotPosted;
            m_job->m_snapshotPosted = true;
        }
        // One notification pending at most: a slow view reads the newest value, never a backlog.
        if (post) {
            Job *job = m_job;
            QMetaObject::invokeMethod(job, [job] { job->deliverSnapshot(); }, Qt::QueuedConnection);
        }
    }

private:
    Job *m_job;
    const RunRecorder *m_recorder = nullptr;
    qint64 m_lastProgress = 0;
};

JobQueue::JobQueue(QObject *parent) : QObject(parent)
{
    // Jobs are long and few; more threads than cores only matter for jobs that mostly wait.
    m_pool.setMaxThreadCount(std::max(4, QThread::idealThreadCount()));
    m_pool.setObjectName(QStringLiteral("facelab-jobs"));
}

JobQueue::~JobQueue()
{
    for (Job *job : std::as_const(m_active))
        job->m_cancel.store(true);
    for (Job *job : std::as_const(m_active))
        job->m_future.waitForFinished();
    m_pool.waitForDone();
    // The jobs are children: deleted with this object, their handlers not called.
}

Job *JobQueue::enqueue(JobSpec spec, Job::Work work, OnDone onDone, QList<Job *> after)
{
    auto *job = new Job(std::move(spec), std::move(work), std::move(onDone), this);
    m_active.push_back(job);
    emit started(job);
    // A job that already failed or was cancelled can never be waited for.
    for (Job *dep : after) {
        if (!dep || dep == job || dep->status() == JobStatus::Done)
            continue;
        if (!dep->isActive()) {
            end(job, JobStatus::Cancelled,
                tr("not started: '%1' %2").arg(dep->title(), dep->status() == JobStatus::Failed ? tr("failed") : tr("was cancelled")),
                {});
            return job;
        }
        job->m_after.push_back(dep);
    }
    schedule();
    return job;
}

Job *JobQueue::findActive(JobKind kind) const
{
    for (Job *job : m_active)
        if (job->kind() == kind)
            return job;
    return nullptr;
}

void JobQueue::schedule()
{
    const QList<Job *> jobs = m_active;
    for (Job *job : jobs) {
        if (!job->isActive() || job->m_submitted)
            continue;
        bool groupBusy = false;
        if (!job->spec().exclusiveGroup.isEmpty())
            for (const Job *other : std::as_const(m_active))
                groupBusy |= other != job && other->m_submitted && other->spec().exclusiveGroup == job->spec().exclusiveGroup;
        if (!job->m_after.isEmpty() || groupBusy) {
            job->setStatus(JobStatus::Waiting);
            continue;
        }
        job->setStatus(JobStatus::Queued);
        submit(job);
    }
}

void JobQueue::submit(Job *job)
{
    job->m_submitted = true;
    job->m_future = QtConcurrent::run(&m_pool, &JobQueue::runOnWorker, job, std::move(job->m_work));
}

void JobQueue::runOnWorker(Job *job, Job::Work work)
{
    Job::Outcome outcome;
    // Cancelled before a thread took it: nothing ran, nothing is recorded.
    if (job->m_cancel.load()) {
        outcome.status = JobStatus::Cancelled;
    } else {
        WorkerContext ctx(job);
        try {
            // A QSqlDatabase connection belongs to its thread: this thread opens the project itself.
            std::unique_ptr<store::ProjectStore> store;
            std::unique_ptr<RunRecorder> recorder;
            const JobSpec &spec = job->spec();
            if (!spec.projectFolder.isEmpty()) {
                store = std::make_unique<store::ProjectStore>(store::ProjectStore::open(spec.projectFolder));
                recorder = std::make_unique<RunRecorder>(*store, kindId(spec.kind), spec.params);
                ctx.setRecorder(recorder.get());
            }
            const qint64 runId = recorder ? recorder->id() : 0;
            QMetaObject::invokeMethod(job, [job, runId] {
                job->m_runId = runId;
                job->m_startMs = QDateTime::currentMSecsSinceEpoch();
                job->setStatus(JobStatus::Running);
                emit job->m_queue->progressed(job);
            }, Qt::QueuedConnection);
            try {
                outcome.result = work(ctx);
                outcome.status = statusOnReturn(ctx);
            } catch (const Cancelled &) {
                outcome.status = JobStatus::Cancelled;
            } catch (const std::exception &e) {
                outcome.status = JobStatus::Failed;
                outcome.error = QString::fromUtf8(e.what());
            } catch (...) {
                outcome.status = JobStatus::Failed;
                outcome.error = tr("an unknown error stopped the work");
            }
            if (recorder)
                recorder->finish(runStatusOf(outcome.status), outcome.error);
        } catch (const std::exception &e) {
            // The project could not be opened, or the run could not be recorded.
            outcome.status = JobStatus::Failed;
            if (outcome.error.isEmpty())
                outcome.error = QString::fromUtf8(e.what());
        }
    }
    // The work's captures (stores, buffers) go here, on the worker, before the GUI hears of the end.
    work = nullptr;
    {
        QMutexLocker lock(&job->m_mutex);
        job->m_outcome = std::move(outcome);
    }
    QMetaObject::invokeMethod(job, [job] { job->m_queue->deliverOutcome(job); }, Qt::QueuedConnection);
}

void JobQueue::deliverOutcome(Job *job)
{
    std::optional<Job::Outcome> outcome;
    {
        QMutexLocker lock(&job->m_mutex);
        outcome.swap(job->m_outcome);
    }
    if (outcome && job->isActive())
        end(job, outcome->status, outcome->error, std::move(outcome->result));
}

void JobQueue::end(Job *job, JobStatus status, const QString &error, std::any result)
{
    if (!job->isActive())
        return;
    job->m_result = std::move(result);
    job->m_error = error;
    if (job->m_startMs)
        job->m_endMs = QDateTime::currentMSecsSinceEpoch();
    job->m_after.clear();
    m_active.removeAll(job);
    job->setStatus(status);
    if (job->m_onDone)
        job->m_onDone(*job);
    emit job->finished();
    emit finished(job, job->title(), status, error);

    // The jobs that wait for this one: free to go, or never to start.
    const QList<Job *> waiting = m_active;
    for (Job *other : waiting) {
        if (!other->isActive() || !other->m_after.contains(job))
            continue;
        other->m_after.removeAll(job);
        if (status != JobStatus::Done)
            end(other, JobStatus::Cancelled,
                tr("not started: '%1' %2").arg(job->title(), status == JobStatus::Failed ? tr("failed") : tr("was cancelled")),
                {});
    }
    schedule();
    job->deleteLater();
}

void JobQueue::cancelAll()
{
    for (Job *job : QList<Job *>(m_active))
        job->cancel();
}

void JobQueue::cancelAndWait(const QList<Job *> &jobs)
{
    // Jobs that have not started end at once; the others are asked to stop, waited for, and their
    // ends delivered now rather than from the event loop, so none is left when this returns.
    QList<Job *> submitted;
    for (Job *job : jobs) {
        if (!m_active.contains(job))
            continue;
        if (job->m_submitted)
            submitted << job;
        job->cancel();
    }
    for (Job *job : std::as_const(submitted))
        job->m_future.waitForFinished();
    for (Job *job : std::as_const(submitted))
        if (m_active.contains(job))
            deliverOutcome(job);
}

void JobQueue::cancelAllAndWait()
{
    cancelAndWait(m_active);
}

void JobQueue::cancelProject(const QString &projectFolder)
{
    if (projectFolder.isEmpty())
        return;
    QList<Job *> mine;
    for (Job *job : std::as_const(m_active))
        if (job->projectFolder() == projectFolder)
            mine << job;
    cancelAndWait(mine);
}

} // namespace facelab::jobs

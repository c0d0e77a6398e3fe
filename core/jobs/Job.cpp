#include "Job.h"

#include "JobQueue.h"

#include <QDateTime>

namespace facelab::jobs {

Job::Job(JobSpec spec, Work work, std::function<void(Job &)> onDone, JobQueue *queue)
    : QObject(queue), m_spec(std::move(spec)), m_work(std::move(work)), m_onDone(std::move(onDone)), m_queue(queue)
{
}

Job::~Job()
{
    m_cancel.store(true);
    m_future.waitForFinished();
}

qint64 Job::elapsedMs() const
{
    if (m_startMs == 0)
        return 0;
    return (m_endMs ? m_endMs : QDateTime::currentMSecsSinceEpoch()) - m_startMs;
}

QVariant Job::latestSnapshot() const
{
    QMutexLocker lock(&m_mutex);
    return m_snapshot;
}

void Job::cancel()
{
    m_cancel.store(true);
    // Not handed to the pool yet: nothing to stop, so it ends here, without a run.
    if (isActive() && !m_submitted)
        m_queue->end(this, JobStatus::Cancelled, {}, {});
}

void Job::setStatus(JobStatus s)
{
    if (s == m_status)
        return;
    m_status = s;
    emit statusChanged(s);
}

void Job::deliverSnapshot()
{
    {
        QMutexLocker lock(&m_mutex);
        m_snapshotPosted = false;
    }
    emit snapshot();
}

} // namespace facelab::jobs

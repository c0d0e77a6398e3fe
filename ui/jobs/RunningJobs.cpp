#include "ui/jobs/RunningJobs.h"

namespace facelab::ui {

RunningJobs::RunningJobs(QObject *parent) : QObject(parent) {}

RunningJobs::~RunningJobs()
{
    cancelAllAndWait();
}

jobs::JobRunner *RunningJobs::start(const QString &projectFolder, const QString &kind, const QString &title,
                                    const QString &paramsJson, jobs::JobRunner::Work work, Done onDone)
{
    auto *r = new jobs::JobRunner(projectFolder, kind, paramsJson, std::move(work), this);
    m_jobs.push_back(r);
    m_titles.insert(r, title);
    m_folders.insert(r, projectFolder);
    m_progress.insert(r, {0, 0});
    connect(r, &jobs::JobRunner::progress, this, [this, r](qint64 done, qint64 total, const QString &what) {
        m_progress.insert(r, {done, total});
        if (!what.isEmpty())
            m_what.insert(r, what);
        emit progressed(r);
    });
    connect(r, &jobs::JobRunner::finished, this, [this, r, onDone] {
        m_jobs.removeAll(r);
        if (onDone)
            onDone(*r);
        emit finished(r, m_titles.value(r), r->status(), r->error());
        m_titles.remove(r);
        m_folders.remove(r);
        m_what.remove(r);
        m_progress.remove(r);
        r->deleteLater();
    });
    r->start();
    emit started(r);
    return r;
}

void RunningJobs::cancelAll()
{
    for (jobs::JobRunner *r : std::as_const(m_jobs))
        r->cancel();
}

void RunningJobs::cancelAllAndWait()
{
    // Deleting a runner cancels it and waits for its worker (JobRunner's destructor).
    const QList<jobs::JobRunner *> jobs = m_jobs;
    m_jobs.clear();
    for (jobs::JobRunner *r : jobs)
        delete r;
}

} // namespace facelab::ui

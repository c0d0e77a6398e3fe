#pragma once
// The jobs this window started: owns their JobRunners, relays progress and finishing to the
// jobs panel and the status bar, and calls each job's own result handler on the GUI thread.
#include "jobs/JobRunner.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <functional>

namespace facelab::ui {

class RunningJobs : public QObject
{
    Q_OBJECT
public:
    using Done = std::function<void(jobs::JobRunner &)>;

    explicit RunningJobs(QObject *parent = nullptr);
    ~RunningJobs() override;   // cancels and waits for every job

    // Starts work as a recorded run of projectFolder ("" = no run record). title is what the user
    // reads ("Importing identities from faces/"); onDone runs on the GUI thread when it ends
    // (whatever the status), before finished() is emitted. The runner is deleted afterwards.
    jobs::JobRunner *start(const QString &projectFolder, const QString &kind, const QString &title,
                           const QString &paramsJson, jobs::JobRunner::Work work, Done onDone = {});

    QList<jobs::JobRunner *> running() const { return m_jobs; }
    bool hasRunning() const { return !m_jobs.isEmpty(); }
    QString title(const jobs::JobRunner *r) const { return m_titles.value(r); }
    QString projectFolder(const jobs::JobRunner *r) const { return m_folders.value(r); }
    // Last progress reported by a job (total 0 = unknown yet).
    qint64 done(const jobs::JobRunner *r) const { return m_progress.value(r).first; }
    qint64 total(const jobs::JobRunner *r) const { return m_progress.value(r).second; }
    QString what(const jobs::JobRunner *r) const { return m_what.value(r); }

    void cancelAll();
    void cancelAllAndWait();

signals:
    void started(facelab::jobs::JobRunner *runner);
    void progressed(facelab::jobs::JobRunner *runner);
    // After the job's own handler ran; the runner is still valid during this signal.
    void finished(facelab::jobs::JobRunner *runner, const QString &title, const QString &status,
                  const QString &error);

private:
    QList<jobs::JobRunner *> m_jobs;
    QHash<const jobs::JobRunner *, QString> m_titles, m_folders, m_what;
    QHash<const jobs::JobRunner *, QPair<qint64, qint64>> m_progress;
};

} // namespace facelab::ui

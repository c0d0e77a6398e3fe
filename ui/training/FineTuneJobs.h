#pragma once
// Fine-tuning as a job of the window's JobQueue: Training > Fine-tune… opens the dialog, then
// finetune::fineTune runs on a worker thread as a recorded run of kind "finetune" (in the "torch"
// exclusive group), shows in the jobs dock and the status bar with progress and cancel, and
// publishes its live figures (FineTuneLive: device, feedback snapshot, each step's loss, each
// epoch's validation) on the job's snapshot channel for the Training view. One fine-tuning job at
// a time.
#include "finetune/FineTuneJob.h"
#include "jobs/JobSpec.h"

#include <QObject>
#include <memory>

class QAction;
class QWidget;

namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class NotificationBar;

class FineTuneJobs : public QObject
{
    Q_OBJECT
public:
    FineTuneJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent);

    void setProject(const store::ProjectStore *store);
    // Training > Fine-tune… (enabled with a project that has a model version; its tooltip says
    // what is missing otherwise).
    QAction *fineTuneAction() const { return m_action; }

    // Starts fine-tuning without the dialog (tests); nullptr when nothing was started (the reason
    // is shown in the notification bar).
    jobs::Job *start(const finetune::FineTuneRequest &request);
    jobs::Job *job() const { return m_job; }   // its snapshots are FineTuneLive
    bool isRunning() const { return m_job != nullptr; }
    void cancel();
    // The last finished run's report (nullptr before one finished with a new version).
    const finetune::FineTuneReport *lastReport() const { return m_report.get(); }

public slots:
    // Opens the dialog (window-modal, not blocking: tests find it as the window's child) and
    // starts the job when it is accepted.
    void chooseAndStart();
    void updateAction();

signals:
    // The job was queued (job() is set), from version parent (id), with these settings.
    void runQueued(const QString &parent, qint64 parentId, const facelab::finetune::FineTuneRequest &request);
    // Done, Cancelled or Failed; report has versionId > 0 when a version was kept (also when a
    // cancel came after an epoch).
    void runFinished(facelab::jobs::JobStatus status, const QString &error, const facelab::finetune::FineTuneReport &report);
    void modelsChanged(qint64 newVersionId, bool madeCurrent);
    void pairsMined(qint64 versionId);   // hard pairs mined for a child that became current
    void showRequested();   // the notification's "Show result"

private:
    jobs::JobQueue *m_jobs;
    NotificationBar *m_notify;
    QWidget *m_parent;
    const store::ProjectStore *m_store = nullptr;
    QAction *m_action;
    jobs::Job *m_job = nullptr;
    std::shared_ptr<finetune::FineTuneReport> m_report;
};

} // namespace facelab::ui

#pragma once
// Fine-tuning as a job through RunningJobs: Training > Fine-tune… opens the dialog, then
// finetune::fineTune runs on a worker thread (it records its own run of kind "finetune"), shows in
// the jobs dock and the status bar with progress and cancel, and its live figures (device, feedback
// snapshot, each step's loss, each epoch's validation) come back to the GUI thread as queued calls
// re-emitted as signals. One fine-tuning job at a time.
#include "finetune/FineTuneJob.h"

#include <QObject>
#include <memory>

class QAction;
class QWidget;

namespace facelab::jobs {
class JobRunner;
}

namespace facelab::ui {

class NotificationBar;
class RunningJobs;

class FineTuneJobs : public QObject
{
    Q_OBJECT
public:
    FineTuneJobs(RunningJobs *jobs, NotificationBar *notify, QWidget *dialogParent);

    void setProject(const store::ProjectStore *store);
    // Training > Fine-tune… (enabled with a project that has a model version; its tooltip says
    // what is missing otherwise).
    QAction *fineTuneAction() const { return m_action; }

    // Starts fine-tuning without the dialog (tests); nullptr when nothing was started (the reason
    // is shown in the notification bar).
    jobs::JobRunner *start(const finetune::FineTuneRequest &request);
    jobs::JobRunner *runner() const { return m_runner; }
    bool isRunning() const { return m_runner != nullptr; }
    void cancel();
    // The last finished run's report (nullptr before one finished with a new version).
    const finetune::FineTuneReport *lastReport() const { return m_report.get(); }

public slots:
    // Opens the dialog (window-modal, not blocking: tests find it as the window's child) and
    // starts the job when it is accepted.
    void chooseAndStart();
    void updateAction();

signals:
    // The job was queued, from version parent (id), with these settings.
    void runQueued(const QString &parent, qint64 parentId, const facelab::finetune::FineTuneRequest &request);
    void trainingStarted(const QString &device, const facelab::finetune::FeedbackSnapshot &snapshot);
    void stepDone(const facelab::train::StepStats &step);
    void epochDone(const facelab::train::EpochStats &epoch);
    // status: done / cancelled / failed; report has versionId > 0 when a version was kept.
    void runFinished(const QString &status, const QString &error, const facelab::finetune::FineTuneReport &report);
    void modelsChanged(qint64 newVersionId, bool madeCurrent);
    void showRequested();   // the notification's "Show result"

private:
    RunningJobs *m_jobs;
    NotificationBar *m_notify;
    QWidget *m_parent;
    const store::ProjectStore *m_store = nullptr;
    QAction *m_action;
    jobs::JobRunner *m_runner = nullptr;
    std::shared_ptr<finetune::FineTuneReport> m_report;
};

} // namespace facelab::ui

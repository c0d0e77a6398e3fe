#pragma once
// "Export error folders…" as a background job: eval::exportErrors for the evaluated pairs at the
// chosen threshold, as a job of the window's JobQueue (progress, cancel, a run record of kind
// "errors"). When it
// is done the notification offers to open the folder, and exported() lets the Errors view browse it.
#include "eval/ErrorExport.h"

#include <QObject>

namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class NotificationBar;

class ErrorExportJob : public QObject
{
    Q_OBJECT
public:
    // notify may be null (no notifications; the signals still come).
    ErrorExportJob(jobs::JobQueue *jobs, NotificationBar *notify, QObject *parent = nullptr);

    // Exports pairs' errors at threshold into outDir; nullptr when an export is already running.
    jobs::Job *start(const store::ProjectStore &st, const eval::EvalPairs &pairs, double threshold,
                           const QString &outDir);
    bool isRunning() const { return m_running; }

signals:
    void runningChanged(bool running);
    void exported(const QString &outDir, int falsePositives, int falseNegatives);
    void failed(const QString &message);   // failed or cancelled: what the user reads

private:
    void finish(const jobs::Job &job, const QString &outDir);

    jobs::JobQueue *m_jobs;
    NotificationBar *m_notify;
    bool m_running = false;
};

} // namespace facelab::ui

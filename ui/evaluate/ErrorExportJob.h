#pragma once
// "Export error folders…" as a background job: eval::exportErrors for the evaluated pairs at the
// chosen threshold, through RunningJobs (progress, cancel, a run record of kind "errors"). When it
// is done the notification offers to open the folder, and exported() lets the Errors view browse it.
#include "eval/ErrorExport.h"

#include <QObject>

namespace facelab::jobs {
class JobRunner;
}

namespace facelab::ui {

class NotificationBar;
class RunningJobs;

class ErrorExportJob : public QObject
{
    Q_OBJECT
public:
    // notify may be null (no notifications; the signals still come).
    ErrorExportJob(RunningJobs *jobs, NotificationBar *notify, QObject *parent = nullptr);

    // Exports pairs' errors at threshold into outDir; nullptr when an export is already running.
    jobs::JobRunner *start(const store::ProjectStore &st, const eval::EvalPairs &pairs, double threshold,
                           const QString &outDir);
    bool isRunning() const { return m_running; }

signals:
    void runningChanged(bool running);
    void exported(const QString &outDir, int falsePositives, int falseNegatives);
    void failed(const QString &message);   // failed or cancelled: what the user reads

private:
    void finish(const jobs::JobRunner &r, const eval::ErrorExportReport &report, const QString &outDir);

    RunningJobs *m_jobs;
    NotificationBar *m_notify;
    bool m_running = false;
};

} // namespace facelab::ui

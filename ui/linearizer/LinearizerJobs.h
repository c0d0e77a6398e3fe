#pragma once
// The Linearizer's jobs of the window's JobQueue (kinds "linearize", "linearize-rank",
// "linearize-unlearn", all in the "torch" exclusive group): Training > Train Linearizer… opens a
// settings dialog and trains a surrogate (live snapshots for the Linearizer view); the view's
// buttons run the rank sweep and the unlearning of an identity, whose edited surrogate is then
// embedded by a second job that runs after it. Compiled only with the model engine.
#include <QObject>

class QWidget;

namespace facelab::jobs {
class Job;
class JobQueue;
}
namespace facelab::linearize {
struct LinearizeRequest;
}
namespace facelab::store {
class ProjectStore;
}

namespace facelab::ui {

class NotificationBar;

class LinearizerJobs : public QObject
{
    Q_OBJECT
public:
    LinearizerJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent);

    void setProject(const store::ProjectStore *store);

    // Without dialogs (tests); nullptr when nothing was started (the reason is in the notification bar).
    jobs::Job *train(const linearize::LinearizeRequest &request);
    jobs::Job *rankSweep(const QString &surrogate);
    // Returns the embedding job that runs after the unlearning job.
    jobs::Job *unlearn(const QString &surrogate, const QString &identity);

public slots:
    void chooseAndTrain();                       // the settings dialog, then train()
    void chooseAndUnlearn(const QString &surrogate);   // asks which identity, then unlearn()

signals:
    void showRequested();                        // "Show" in a notification: the Linearizer view

private:
    jobs::JobQueue *m_jobs;
    NotificationBar *m_notify;
    QWidget *m_parent;
    const store::ProjectStore *m_store = nullptr;
};

} // namespace facelab::ui

#pragma once
// The face stage's jobs for the open project: finding faces in every image not looked at yet,
// and re-aligning an image after the user picked another of its faces. Both run through
// the window's JobQueue (progress, cancel, a run record); results come back as notifications and
// signals.
#include <QObject>

class QAction;
class QWidget;

namespace facelab::store {
class ProjectStore;
}
namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class NotificationBar;

class FaceJobs : public QObject
{
    Q_OBJECT
public:
    FaceJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent);

    void setProject(const store::ProjectStore *store);
    void setReportDialogsEnabled(bool on) { m_reportDialogs = on; }
    QAction *findFacesAction() const { return m_actFind; }

    // nullptr when nothing was started (no project, already running, nothing to do).
    jobs::Job *findFaces();
    jobs::Job *chooseFace(qint64 imageId, qint64 faceId);

signals:
    void facesChanged();
    void realigning(qint64 imageId, bool busy);
    // A face choice changed an image's aligned crop: embeddings of that image are stale.
    void faceChosen(qint64 imageId);

private:
    jobs::JobQueue *m_jobs;
    NotificationBar *m_notify;
    QWidget *m_parent;
    const store::ProjectStore *m_store = nullptr;
    bool m_reportDialogs = true;
    bool m_finding = false;
    QAction *m_actFind;
};

} // namespace facelab::ui

#include "ui/faces/FaceJobs.h"

#include "data/FaceIndexer.h"
#include "jobs/JobQueue.h"
#include "store/FaceTable.h"
#include "store/ProjectStore.h"
#include "ui/Resources.h"
#include "ui/dialogs/ReportDialog.h"
#include "ui/widgets/NotificationBar.h"

#include <QAction>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QWidget>
#include <memory>

namespace facelab::ui {

FaceJobs::FaceJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent)
    : QObject(dialogParent), m_jobs(jobs), m_notify(notify), m_parent(dialogParent)
{
    m_actFind = new QAction(icon(QStringLiteral("faces")), tr("&Find faces"), this);
    m_actFind->setObjectName(QStringLiteral("actionFindFaces"));
    m_actFind->setToolTip(tr("Detect and align one face in every image not looked at yet (images without a face are "
                             "listed in Faces and left out of pairs)"));
    m_actFind->setStatusTip(m_actFind->toolTip());
    m_actFind->setEnabled(false);
    connect(m_actFind, &QAction::triggered, this, [this] { findFaces(); });
}

void FaceJobs::setProject(const store::ProjectStore *store)
{
    m_store = store;
    m_actFind->setEnabled(m_store && !m_finding);
}

jobs::Job *FaceJobs::findFaces()
{
    if (!m_store || m_finding)
        return nullptr;
    if (m_jobs->findActive(jobs::JobKind::Embed)) {
        m_notify->showMessage(NotificationBar::Kind::Info,
                              tr("The embedding job finds the faces it needs first; see the jobs panel."), {}, {}, 8000);
        return nullptr;
    }
    store::FaceStatusCounts c;
    try {
        c = store::FaceTable(*m_store).counts();
    } catch (const std::exception &) {
    }
    if (c.pending == 0) {
        const qint64 total = c.found + c.prealigned + c.none + c.unreadable;
        m_notify->showMessage(NotificationBar::Kind::Info,
                              total == 0 ? tr("No images to look at yet: import identities or a pairs list first.")
                                         : tr("Every image has been looked at: %1 with a face, %2 pre-aligned, %3 without "
                                              "a face, %4 unreadable.")
                                               .arg(QLocale().toString(c.found), QLocale().toString(c.prealigned),
                                                    QLocale().toString(c.none), QLocale().toString(c.unreadable)),
                              {}, {}, 8000);
        return nullptr;
    }
    const store::ProjectStore st = *m_store;
    m_finding = true;
    m_actFind->setEnabled(false);
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::FindFaces, tr("Finding faces in %n image(s)", nullptr, int(c.pending)), {}, {},
                      st.folder()},
        [st](jobs::JobContext &ctx) {
            const data::FaceIndexReport report = data::indexFaces(st, ctx);
            ctx.log(QString::fromUtf8(QJsonDocument(report.toJson()).toJson(QJsonDocument::Compact)));
            return report;
        },
        [this, folder = st.folder()](jobs::Job &job) {
            m_finding = false;
            m_actFind->setEnabled(m_store != nullptr);
            if (!m_store || m_store->folder() != folder)
                return;
            emit facesChanged();
            if (job.status() == jobs::JobStatus::Done) {
                // Kept by the notification's "Show report" after the job is gone.
                const auto report = std::make_shared<const data::FaceIndexReport>(*job.result<data::FaceIndexReport>());
                const QString text = tr("Faces: %1 found, %2 pre-aligned, %3 without a face, %4 unreadable; %5 with "
                                        "several faces.")
                                         .arg(report->found)
                                         .arg(report->preAligned)
                                         .arg(report->none)
                                         .arg(report->unreadable)
                                         .arg(report->multiFace);
                const bool problems = !report->problems.isEmpty();
                m_notify->showMessage(problems ? NotificationBar::Kind::Warning : NotificationBar::Kind::Success, text,
                                      problems ? tr("Show report") : QString(),
                                      [this, report, text] {
                                          auto *d = new ReportDialog(m_parent);
                                          d->setWindowTitle(tr("Faces report"));
                                          d->setHeadline(text, report->problems.isEmpty());
                                          d->addCount(tr("Face found"), report->found);
                                          d->addCount(tr("Pre-aligned"), report->preAligned);
                                          d->addCount(tr("No face (left out)"), report->none);
                                          d->addCount(tr("Unreadable (left out)"), report->unreadable);
                                          d->addCount(tr("Several faces"), report->multiFace);
                                          d->setProblems(report->problems);
                                          d->setAttribute(Qt::WA_DeleteOnClose);
                                          d->open();
                                      },
                                      problems ? 0 : 12000);
            } else if (job.status() == jobs::JobStatus::Cancelled) {
                m_notify->showMessage(NotificationBar::Kind::Info,
                                      tr("Finding faces cancelled. Images done so far keep their faces."), {}, {}, 10000);
            } else {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Finding faces failed: %1").arg(job.error()));
            }
        });
}

jobs::Job *FaceJobs::chooseFace(qint64 imageId, qint64 faceId)
{
    if (!m_store)
        return nullptr;
    const store::ProjectStore st = *m_store;
    emit realigning(imageId, true);
    const QJsonObject params{{QStringLiteral("image"), imageId}, {QStringLiteral("face"), faceId}};
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::ChooseFace, tr("Aligning the chosen face"), params, {}, st.folder()},
        [st, imageId, faceId](jobs::JobContext &ctx) {
            ctx.setProgress(0, 0, tr("re-aligning"));
            store::FaceTable(st).choose(imageId, faceId);
            data::realignImage(st, imageId);
        },
        [this, imageId, folder = st.folder()](jobs::Job &job) {
            emit realigning(imageId, false);
            if (!m_store || m_store->folder() != folder)
                return;
            emit facesChanged();
            if (job.status() == jobs::JobStatus::Done) {
                emit faceChosen(imageId);
                m_notify->showMessage(NotificationBar::Kind::Success,
                                      tr("Face changed: the image now stands for the face you picked, and its aligned crop was redone."),
                                      {}, {}, 8000);
            } else if (job.status() == jobs::JobStatus::Failed) {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Could not use that face: %1").arg(job.error()));
            }
        });
}

} // namespace facelab::ui

#pragma once
// Model inversion as jobs of the window's JobQueue (kinds "invert" and "judge-inversions", both in
// the "torch" exclusive group): Training > Invert identity… opens a settings dialog and inverts a
// version into images of an identity or of an image (live previews for the Inversion view); with
// "compare with", the same request runs again through a second version (parent or fine-tuned
// child) after the first. "Judge with…" scores stored images under another version.
// Compiled only with the model engine.
#include "invert/InvertJob.h"

#include <QObject>
#include <QVector>

class QWidget;

namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class NotificationBar;

// Keys the launcher adds to an invert run's params (runs.params_json), read back by the gallery.
namespace inversionparams {
inline constexpr const char *kCompareGroup = "compare_group";   // same value on both runs of a compare
inline constexpr const char *kOutcome = "outcome";              // in each inversion row's params: the prior actually used
}

class InversionJobs : public QObject
{
    Q_OBJECT
public:
    InversionJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent);

    void setProject(const store::ProjectStore *store);

    // Without dialogs (tests). compareWith: a second version run with the same request after the
    // first ("" = none). Returns the jobs started (empty when nothing was).
    QVector<jobs::Job *> invert(const invert::InvertRequest &request, const QString &compareWith = {});
    // Scores the records under `judge`, except those `judge` made itself; nullptr when none is left.
    jobs::Job *judge(const QVector<store::InversionRecord> &records, const QString &judge);

public slots:
    void chooseAndInvert(const QString &identity = {});   // the settings dialog, then invert()
    void chooseAndJudge(const QVector<facelab::store::InversionRecord> &records);   // asks which version

signals:
    void showRequested();   // "Show" in a notification: the Inversion view

private:
    jobs::Job *startInvert(const invert::InvertRequest &request, const QString &group, QList<jobs::Job *> after);

    jobs::JobQueue *m_jobs;
    NotificationBar *m_notify;
    QWidget *m_parent;
    const store::ProjectStore *m_store = nullptr;
};

} // namespace facelab::ui

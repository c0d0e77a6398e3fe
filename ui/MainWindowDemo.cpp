// The demo's first run, kept out of MainWindow.cpp: what a new user would do with the demo
// project, done as jobs they watch (progress in the jobs dock, the window responsive, each one
// cancellable): the default model added, the faces embedded and the pairs scored, the queue
// ordered by uncertainty and an evaluation to look at; then a fine-tuned child, a Linearizer and
// an inversion of one identity, through the same launchers as the Training menu, with small
// settings so the whole run stays within a few minutes on two cores. It runs once per demo
// project (the "demo/tour" setting); a cancelled or failed step ends it, and says so.
#include "ui/MainWindow.h"

#include "data/QueueStrategy.h"
#include "jobs/JobQueue.h"
#include "store/ImageTable.h"
#include "store/InversionTable.h"
#include "store/ModelTable.h"
#include "store/ProjectStore.h"
#include "ui/annotate/AnnotateView.h"
#include "ui/evaluate/EvaluateView.h"
#include "ui/jobs/JobsPanel.h"
#include "ui/models/ModelEngine.h"
#include "ui/models/ModelJobs.h"
#include "ui/training/FineTuneJobs.h"
#include "ui/widgets/NotificationBar.h"
#ifdef FACELAB_HAVE_LINEARIZER
#include "linearize/LinearizeJob.h"
#include "ui/linearizer/LinearizerJobs.h"
#endif
#ifdef FACELAB_HAVE_INVERSION
#include "invert/InvertJob.h"
#include "ui/inversion/InversionJobs.h"
#endif

#include <QTimer>

namespace facelab::ui {
namespace {

constexpr const char *kTourKey = "demo/tour";   // "done" once the tour ran (or was stopped)

bool hasVersion(const store::ProjectStore &st, const std::function<bool(const store::ModelVersionRecord &)> &pred)
{
    for (const store::ModelVersionRecord &v : store::ModelTable(st).versions())
        if (pred(v))
            return true;
    return false;
}

// The first person by name ("Person_01_photo1"): the inversion has a face to compare with.
QString firstIdentity(const store::ProjectStore &st)
{
    QString first;
    for (const store::ImageRecord &img : store::ImageTable(st).all())
        if (!img.identity.isEmpty() && (first.isEmpty() || img.identity < first))
            first = img.identity;
    return first;
}

} // namespace

void MainWindow::startDemoTour()
{
    if (!m_store || m_store->setting(QString::fromLatin1(kTourKey)) == QLatin1String("done"))
        return;
    if (!engine::available() || !engine::defaultModelPresent())
        return;   // no model to show: the demo still opens and labels (the views say what is missing)
    m_demoTourFolder = m_store->folder();
    m_demoTourStep = DemoTourStep::AddModel;
    continueDemoTour();
}

void MainWindow::demoTourJobFinished(jobs::Job *job, jobs::JobStatus status)
{
    if (!job || job != m_demoTourJob)
        return;
    const QString title = JobsPanel::kindTitle(jobs::kindId(job->kind()), job->spec().params);
    m_demoTourJob = nullptr;
    if (status == jobs::JobStatus::Done) {
        // After the job's own handlers have updated the views.
        QTimer::singleShot(0, this, &MainWindow::continueDemoTour);
        return;
    }
    if (m_store && m_store->folder() == m_demoTourFolder) {
        m_store->setSetting(QString::fromLatin1(kTourKey), QStringLiteral("done"));
        const QString why = status == jobs::JobStatus::Failed ? tr("failed: %1").arg(job->error()) : jobs::statusName(status);
        m_notify->showMessage(status == jobs::JobStatus::Failed ? NotificationBar::Kind::Error : NotificationBar::Kind::Info,
                              tr("The demo stopped at \"%1\" (%2); everything before it is kept. The Training menu "
                                 "runs the rest whenever you like.")
                                  .arg(title, why),
                              {}, {}, status == jobs::JobStatus::Failed ? 0 : 15000);
    }
    m_demoTourFolder.clear();
}

void MainWindow::continueDemoTour()
{
    if (!m_store || m_store->folder() != m_demoTourFolder) {
        m_demoTourFolder.clear();   // the project was closed or another one opened
        return;
    }
    const store::ProjectStore &st = *m_store;
    jobs::Job *job = nullptr;
    while (!job && m_demoTourStep != DemoTourStep::Done) {
        const DemoTourStep step = m_demoTourStep;
        m_demoTourStep = DemoTourStep(int(step) + 1);
        try {
            switch (step) {
            case DemoTourStep::AddModel:
                if (!store::ModelTable(st).current())
                    job = m_modelJobs->addDefaultModel();
                break;
            case DemoTourStep::Embed:
                job = m_modelJobs->embed(0);   // cached embeddings make a second run quick
                break;
            case DemoTourStep::Look:
                // Scored: Annotate asks about the pairs the model is least sure of, and Evaluate
                // shows how the model does on the demo's known truth.
                st.setSetting(QString::fromLatin1(data::kQueueStrategySetting), QStringLiteral("uncertainty"));
                annotateView()->refreshModel(/*scoresUpdated=*/true);
                evaluateView()->invalidate();
                m_notify->showMessage(NotificationBar::Kind::Info,
                                      tr("The demo's pairs are scored: Annotate now asks about the pairs the model is "
                                         "least sure of first. Fine-tuning, a Linearizer and an inversion follow as "
                                         "jobs."),
                                      tr("Show evaluation"), [this] { showView(View::Evaluate); }, 20000);
                break;
            case DemoTourStep::FineTune:
                if (!hasVersion(st, [](const auto &v) { return v.parentId > 0 && v.family != QLatin1String("linearizer"); })) {
                    finetune::FineTuneRequest r;
                    r.training.epochs = 2;   // the demo is easy: two epochs show the curves and a verdict
                    r.truth = eval::TruthSource::Imported;   // test pairs are unlabelled; their truth is known
                    job = m_fineTuneJobs->start(r);
                }
                break;
            case DemoTourStep::Linearizer:
#ifdef FACELAB_HAVE_LINEARIZER
                if (!hasVersion(st, [](const auto &v) { return v.family == QLatin1String("linearizer"); })) {
                    linearize::LinearizeRequest r;
                    r.teacher = store::ModelTable(st).current()->name;
                    // A small surrogate: enough to show the view, quick on two cores.
                    r.config.latent = 128;
                    r.config.blocks = 2;
                    r.config.hidden = 256;
                    r.training.epochs = 2;
                    job = m_linearizerJobs->train(r);
                }
#endif
                break;
            case DemoTourStep::Invert:
#ifdef FACELAB_HAVE_INVERSION
                if (store::InversionTable(st).list().isEmpty()) {
                    invert::InvertRequest r;
                    r.model = store::ModelTable(st).current()->name;   // named in the jobs panel
                    r.identity = firstIdentity(st);
                    r.options.steps = 50;   // a face emerges; the Inversion view's button runs longer ones
                    r.options.batch = 2;
                    if (!r.identity.isEmpty()) {
                        const QVector<jobs::Job *> started = m_inversionJobs->invert(r);
                        job = started.isEmpty() ? nullptr : started.back();
                    }
                }
#endif
                break;
            case DemoTourStep::Done:
                break;
            }
        } catch (const std::exception &e) {
            m_notify->showMessage(NotificationBar::Kind::Error,
                                  tr("The demo could not go on: %1").arg(QString::fromUtf8(e.what())));
            m_demoTourStep = DemoTourStep::Done;
        }
    }
    if (job) {
        m_demoTourJob = job;
        return;
    }
    st.setSetting(QString::fromLatin1(kTourKey), QStringLiteral("done"));
    m_demoTourFolder.clear();
    m_notify->showMessage(NotificationBar::Kind::Success,
                          tr("The demo is ready: a scored model, a fine-tuned child (Training), a Linearizer and an "
                             "inversion. Every second training pair came labelled with its known truth; the rest "
                             "wait in Annotate."),
                          tr("Show evaluation"), [this] { showView(View::Evaluate); }, 0);
}

} // namespace facelab::ui

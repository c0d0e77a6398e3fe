#include "ui/ViewRegistry.h"

#include "ui/annotate/AnnotateView.h"
#include "ui/errors/ErrorsView.h"
#include "ui/evaluate/EvaluateView.h"
#include "ui/faces/FaceJobs.h"
#include "ui/faces/FacesView.h"
#include "ui/jobs/RunsView.h"
#include "ui/models/ModelJobs.h"
#include "ui/models/ModelsView.h"
#include "ui/training/TrainingView.h"
#ifdef FACELAB_HAVE_LINEARIZER
#include "ui/linearizer/LinearizerJobs.h"
#include "ui/linearizer/LinearizerView.h"
#endif
#ifdef FACELAB_HAVE_INVERSION
#include "ui/inversion/InversionJobs.h"
#include "ui/inversion/InversionView.h"
#endif

namespace facelab::ui {
namespace {

// A view class V with V(QWidget *parent) and V::setProject(const store::ProjectStore *), plus what
// it needs from the context once it is made.
template <class V>
ViewRegistration entry(ViewId id, const char *name, const QString &title, const char *icon, const QKeySequence &key,
                       std::function<void(V *, const ViewContext &)> wire = {})
{
    return ViewRegistration{
        id,
        QString::fromLatin1(name),
        title,
        QString::fromLatin1(icon),
        key,
        [wire](const ViewContext &c, QWidget *parent) -> QWidget * {
            auto *v = new V(parent);
            if (wire)
                wire(v, c);
            return v;
        },
        [](QWidget *w, const store::ProjectStore *store) { static_cast<V *>(w)->setProject(store); }};
}

} // namespace

QVector<ViewRegistration> registeredViews()
{
    using C = const ViewContext &;
    return {
        entry<AnnotateView>(ViewId::Annotate, "annotate", QObject::tr("Annotate"), "annotate", QKeySequence(Qt::CTRL | Qt::Key_1)),
        entry<ModelsView>(ViewId::Models, "models", QObject::tr("Models"), "model", QKeySequence(Qt::CTRL | Qt::Key_2),
                          [](ModelsView *v, C c) { v->setActions(c.modelJobs->addFileAction(), c.modelJobs->addDefaultAction()); }),
        entry<FacesView>(ViewId::Faces, "faces", QObject::tr("Faces"), "faces", QKeySequence(Qt::CTRL | Qt::Key_3),
                         [](FacesView *v, C c) { v->setFindFacesAction(c.faceJobs->findFacesAction()); }),
        entry<RunsView>(ViewId::Runs, "runs", QObject::tr("Runs"), "runs", QKeySequence(Qt::CTRL | Qt::Key_4)),
        // "Export error folders…" is a job; the Errors view browses the result.
        entry<EvaluateView>(ViewId::Evaluate, "evaluate", QObject::tr("Evaluate"), "eye", QKeySequence(Qt::CTRL | Qt::Key_5),
                            [](EvaluateView *v, C c) { v->setJobs(c.jobs, c.notify); }),
        entry<ErrorsView>(ViewId::Errors, "errors", QObject::tr("Errors"), "warning", {}),
        entry<TrainingView>(ViewId::Training, "training", QObject::tr("Training"), "train", {},
                            [](TrainingView *v, C c) { v->setJobs(c.fineTuneJobs); }),
#ifdef FACELAB_HAVE_LINEARIZER
        entry<LinearizerView>(ViewId::Linearizer, "linearizer", QObject::tr("Linearizer"), "linearizer", {},
                              [](LinearizerView *v, C c) {
                                  v->setJobs(c.jobs);
                                  LinearizerJobs *j = c.linearizerJobs;
                                  QObject::connect(v, &LinearizerView::trainRequested, j, &LinearizerJobs::chooseAndTrain);
                                  QObject::connect(v, &LinearizerView::rankSweepRequested, j, &LinearizerJobs::rankSweep);
                                  QObject::connect(v, &LinearizerView::unlearnRequested, j, &LinearizerJobs::chooseAndUnlearn);
                                  QObject::connect(v, &LinearizerView::addDefaultModelRequested, c.modelJobs,
                                                   [m = c.modelJobs] { m->addDefaultModel(); });
                              }),
#endif
#ifdef FACELAB_HAVE_INVERSION
        entry<InversionView>(ViewId::Inversion, "inversion", QObject::tr("Inversion"), "invert", {},
                             [](InversionView *v, C c) {
                                 v->setJobs(c.jobs);
                                 InversionJobs *j = c.inversionJobs;
                                 QObject::connect(v, &InversionView::invertRequested, j, &InversionJobs::chooseAndInvert);
                                 QObject::connect(v, &InversionView::judgeRequested, j, &InversionJobs::chooseAndJudge);
                                 QObject::connect(v, &InversionView::addDefaultModelRequested, c.modelJobs,
                                                  [m = c.modelJobs] { m->addDefaultModel(); });
                             }),
#endif
    };
}

} // namespace facelab::ui

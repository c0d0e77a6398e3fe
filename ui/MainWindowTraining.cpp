// The main window's training wiring, kept out of MainWindow.cpp: Training > Fine-tune… (its
// jobs), the Training view, and what a new or deleted model version changes in the other views.
#include "ui/MainWindow.h"

#include "ui/annotate/AnnotateView.h"
#include "ui/evaluate/EvaluateView.h"
#include "ui/models/ModelJobs.h"
#include "ui/models/ModelsView.h"
#include "ui/training/FineTuneJobs.h"
#include "ui/training/TrainingView.h"

#include <QComboBox>

namespace facelab::ui {

void MainWindow::connectTraining()
{
    connect(m_fineTuneJobs, &FineTuneJobs::runQueued, this, [this](const QString &, qint64 parentId) {
        modelsView()->setFineTuning(parentId);
        showView(View::Training);
    });
    connect(m_fineTuneJobs, &FineTuneJobs::runFinished, modelsView(), [this] { modelsView()->setFineTuning(0); });
    connect(m_fineTuneJobs, &FineTuneJobs::showRequested, this, [this] { showView(View::Training); });
    // A new version (embedded and scored by the job): the lists show it; when it became current,
    // Annotate re-orders its queue by the new scores.
    connect(m_fineTuneJobs, &FineTuneJobs::modelsChanged, this, [this](qint64, bool madeCurrent) {
        modelsView()->refresh();
        annotateView()->refreshModel(/*scoresUpdated=*/madeCurrent);
        m_modelJobs->updateActions();
        evaluateView()->invalidate();
    });
    connect(m_modelJobs, &ModelJobs::modelsChanged, m_fineTuneJobs, &FineTuneJobs::updateAction);
    // The child's hard pairs, mined after a run that made it current: what ModelJobs' mining does.
    connect(m_fineTuneJobs, &FineTuneJobs::pairsMined, m_modelJobs, &ModelJobs::pairsMined);
    connect(modelsView(), &ModelsView::versionRemoved, this, [this] {
        evaluateView()->invalidate();
        m_fineTuneJobs->updateAction();
    });

    // The Training view's result buttons.
    connect(trainingView(), &TrainingView::currentChanged, this, [this](qint64 id) {
        Q_UNUSED(id);
        // What ModelsView's "Make current" does: the lists, Annotate and Evaluate follow it.
        modelsView()->refresh();
        annotateView()->refreshModel();
        m_modelJobs->updateActions();
        evaluateView()->invalidate();
    });
    connect(trainingView(), &TrainingView::showModelsRequested, this, [this](qint64 id) {
        showView(View::Models);
        modelsView()->selectVersion(id);
    });
    connect(trainingView(), &TrainingView::compareRequested, this, [this](qint64 childId, qint64 parentId) {
        // Evaluate evaluates its combo boxes' choice: the child, compared with its parent.
        evaluateView()->refresh();   // the version lists include the new version
        QComboBox *version = evaluateView()->versionBox(), *compare = evaluateView()->compareBox();
        version->setCurrentIndex(std::max(0, version->findData(childId)));
        compare->setCurrentIndex(std::max(0, compare->findData(parentId)));
        evaluateView()->evaluate();
        showView(View::Evaluate);
    });
}

} // namespace facelab::ui

#pragma once
// The Training view: the fine-tuning job of this window, live. Loss per step and per epoch, and
// validation AUC per epoch (epoch 0 = the starting weights) with the best epoch marked, on
// QCustomPlot; elapsed time, ETA from the steps done, the device, the feedback snapshot the run
// reads (labelling goes on meanwhile), a Cancel button; when it ends, parent and child side by
// side on the test split, the verdict in words (better / not better / worse, on people never
// trained on and on the parent's domain), the run's notes, and "Make current" (the default
// button only for a "better" child) / "Compare in Evaluate".
// Fed by FineTuneJobs' signals and its job's live snapshots (FineTuneLive); the store is only
// touched to make a version current.
#include "finetune/FineTuneJob.h"
#include "jobs/JobSpec.h"

#include <QElapsedTimer>
#include <QVector>
#include <QWidget>

class QCPGraph;
class QCPItemText;
class QCustomPlot;
class QLabel;
class QBoxLayout;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTimer;

namespace facelab::ui {

class RankProgressPanel;

class FineTuneJobs;
struct FineTuneLive;
class QueueStrategyReport;
class VersionComparisonTable;

class TrainingView : public QWidget
{
    Q_OBJECT
public:
    explicit TrainingView(QWidget *parent = nullptr);

    void setProject(const store::ProjectStore *store);
    void setJobs(FineTuneJobs *jobs);

    bool isRunning() const { return m_running; }
    int stepPoints() const { return int(m_stepX.size()); }
    int epochPoints() const { return int(m_epochs.size()); }   // validation points, epoch 0 included
    int bestEpoch() const { return m_bestEpoch; }
    qint64 resultVersion() const { return m_report.versionId; }
    QString statusText() const;
    QString snapshotText() const;
    QString deviceText() const;

    QCustomPlot *lossPlot() const { return m_lossPlot; }
    QCustomPlot *accuracyPlot() const { return m_accPlot; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *makeCurrentButton() const { return m_makeCurrent; }
    QPushButton *compareButton() const { return m_compare; }
    VersionComparisonTable *comparison() const { return m_table; }
    QWidget *resultPanel() const { return m_result; }
    RankProgressPanel *rankPanel() const { return m_ranks; }
    QLabel *verdictLabel() const { return m_verdict; }
    QueueStrategyReport *strategyReport() const { return m_strategies; }
    QPushButton *strategiesButton() const { return m_strategiesButton; }

signals:
    void currentChanged(qint64 versionId);   // "Make current" made this version current
    void compareRequested(qint64 childId, qint64 parentId);
    void showModelsRequested(qint64 versionId);

private:
    QWidget *buildEmpty();
    QWidget *buildRun();
    void reset(const QString &parent, qint64 parentId, const finetune::FineTuneRequest &request);
    void onLive(const FineTuneLive &live);   // the newest snapshot: takes what is new in it
    void onStarted(const FineTuneLive &live);
    void onStep(const train::StepStats &s);
    void onFinished(jobs::JobStatus status, const QString &error, const finetune::FineTuneReport &report);
    void tick();
    void replot();
    void showResult();
    void showLastReport();   // the newest kept report of the project, when it is opened
    // A finished run's result beside its curves (the live figures hidden), so curves, verdict,
    // comparison and buttons fit a 1366x768 screen; a running job has the curves across the width.
    void arrange(bool resultBesideCurves);

    const store::ProjectStore *m_store = nullptr;
    FineTuneJobs *m_jobs = nullptr;
    bool m_running = false;
    bool m_trainingStarted = false;
    QString m_parent;
    qint64 m_parentId = 0;
    int m_plannedEpochs = 0;
    QElapsedTimer m_jobClock, m_trainClock;
    qint64 m_endedMs = -1;
    std::int64_t m_stepsDone = 0, m_stepsTotal = 0;
    QVector<double> m_stepX, m_stepLoss;
    QVector<train::EpochStats> m_epochs;
    int m_bestEpoch = -1;
    QString m_phase;
    finetune::FineTuneReport m_report;

    QStackedWidget *m_pages;
    QLabel *m_title, *m_status, *m_device, *m_snapshot, *m_elapsed, *m_eta, *m_phaseLabel;
    QProgressBar *m_progress;
    QWidget *m_tiles;
    RankProgressPanel *m_ranks;   // per process, while a data-parallel run trains
    QBoxLayout *m_body, *m_plots;
    QPushButton *m_cancel, *m_startAgain;
    QCustomPlot *m_lossPlot, *m_accPlot;
    QCPGraph *m_stepGraph, *m_trainGraph, *m_valLossGraph, *m_accGraph, *m_bestGraph;
    QCPItemText *m_bestLabel;
    QWidget *m_result;
    QLabel *m_resultTitle, *m_verdict, *m_notes;
    VersionComparisonTable *m_table;
    QPushButton *m_makeCurrent, *m_compare, *m_showModels;
    QTimer *m_timer;
    QPushButton *m_strategiesButton;
    QueueStrategyReport *m_strategies;
    int m_pageBeforeStrategies = 0;
};

} // namespace facelab::ui

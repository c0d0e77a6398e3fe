#pragma once
// The Linearizer view: a surrogate f(x) = g_y^-1(A g_x(x)) of the project's model taken apart.
// Training: the running (or last) training's curves, live from its job's snapshots. Sandwich flow:
// for a chosen face, g_x(x), A g_x(x) and f(x) as bars with their norms, f(x) beside the teacher
// and f(x) - teacher, and the cosine between them. Projections: a 2-D PCA of each stage coloured
// by identity (hover shows the face, click opens it). Spectrum: the singular values of A (log)
// with their cumulative energy. The figures are computed off the GUI thread
// (linearize::loadSandwichFlow); the buttons ask MainWindow to start the jobs.
#include "linearize/SandwichFlowData.h"

#include <QFutureWatcher>
#include <atomic>
#include <QPointer>
#include <QVariantMap>
#include <QWidget>

class QCPGraph;
class QComboBox;
class QCustomPlot;
class QLabel;
class QListWidget;
class QPushButton;
class QTabWidget;

namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class RankProgressPanel;

class LinearizerView : public QWidget
{
    Q_OBJECT
public:
    explicit LinearizerView(QWidget *parent = nullptr);
    RankProgressPanel *rankPanel() const { return m_ranks; }
    ~LinearizerView() override;

    void setProject(const store::ProjectStore *store);
    // Follows the window's Linearizer training jobs (their live snapshots).
    void setJobs(jobs::JobQueue *queue);
    // Reloads the surrogate list and shows `name` ("" = the newest).
    void showSurrogate(const QString &name = {});

    // What tests and screenshots look at.
    QString currentSurrogate() const;
    bool isLoading() const { return m_watcher.isRunning(); }
    const linearize::SandwichFlowData &data() const { return m_data; }
    int trainingPoints() const { return m_curveEpochs; }
    QTabWidget *tabs() const { return m_tabs; }
    QListWidget *faceList() const { return m_faces; }
    QCustomPlot *projectionPlot(int stage) const { return m_pca[stage]; }
    QCustomPlot *spectrumPlot() const { return m_spectrum; }
    QLabel *flowSummary() const { return m_flowText; }
    void selectFace(int row);
    // A training snapshot as the job publishes it (epochs list, step, loss).
    void showTrainingSnapshot(const QVariantMap &snapshot);

signals:
    void trainRequested();
    void addDefaultModelRequested();   // the empty state's button, in a project without a model
    void rankSweepRequested(const QString &surrogate);
    void unlearnRequested(const QString &surrogate);

private:
    void reload();
    void onLoaded();
    void fillFlow(int row);
    void fillProjections();
    void fillSpectrum();
    void followJob(jobs::Job *job);
    QWidget *buildTrainingTab();
    QWidget *buildFlowTab();
    QWidget *buildProjectionTab();
    QWidget *buildSpectrumTab();

    QString m_folder;
    QComboBox *m_choice = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_train = nullptr, *m_sweep = nullptr, *m_unlearn = nullptr, *m_addModel = nullptr;
    QTabWidget *m_tabs = nullptr;
    // Training
    QCustomPlot *m_curves = nullptr;
    QLabel *m_trainText = nullptr;
    RankProgressPanel *m_ranks = nullptr;   // per process, while a data-parallel run trains
    int m_curveEpochs = 0;
    // Flow
    QListWidget *m_faces = nullptr;
    QLabel *m_face = nullptr, *m_flowText = nullptr;
    QCustomPlot *m_bars[4] = {nullptr, nullptr, nullptr, nullptr};
    // Projections, spectrum
    QCustomPlot *m_pca[3] = {nullptr, nullptr, nullptr};
    QCustomPlot *m_spectrum = nullptr;

    linearize::SandwichFlowData m_data;
    QFutureWatcher<linearize::SandwichFlowData> m_watcher;
    std::atomic<bool> m_cancel{false};
    QString m_wanted;
    QPointer<jobs::Job> m_followed;
};

} // namespace facelab::ui

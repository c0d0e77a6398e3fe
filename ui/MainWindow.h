#pragma once
// The main window (DESIGN.md): a start page while no project is open; with a project, a left
// navigation list of the registered views (ViewRegistry) and the chosen view in the centre, a
// collapsible jobs dock, a status bar showing the running job's progress, and the menu bar as
// launcher. Its jobs run on one JobQueue; closing a project cancels that project's jobs.
#include "data/PairGenerator.h"
#include "ui/ViewRegistry.h"

#include <QMainWindow>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QToolButton;

namespace facelab::store {
class ProjectStore;
}
namespace facelab::jobs {
class Job;
class JobQueue;
enum class JobStatus;
}

namespace facelab::ui {

class AnnotateView;
class ErrorsView;
class FineTuneJobs;
class InversionJobs;
class InversionView;
class LinearizerJobs;
class LinearizerView;
class TrainingView;
class EvaluateView;
class FaceJobs;
class FacesView;
class JobsPanel;
class ModelJobs;
class ModelsView;
class NotificationBar;
class RunsView;
class StartPage;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens (or with create, creates) the project in folder and shows its Annotate view.
    // On failure explains why in a message box (or, when quiet, in the notification bar) and
    // returns false; the previous state stays.
    bool openProject(const QString &folder, bool create = false, bool quiet = false);
    void closeProject();
    // Builds the demo project as a job (first use takes a few seconds), then opens it.
    void openDemoProject();

    const store::ProjectStore *project() const { return m_store.get(); }

    // The jobs behind the menu actions, without their file dialogs (also used by tests).
    jobs::Job *importIdentities(const QString &dir);
    jobs::Job *importPairs(const QString &file, const QString &imagesRoot);
    jobs::Job *generatePairs(const data::PairGenOptions &options);

    using View = ViewId;
    void showView(View v);
    QWidget *view(View v) const;   // nullptr for a view that is not registered

    AnnotateView *annotateView() const;
    RunsView *runsView() const;
    ModelsView *modelsView() const;
    FacesView *facesView() const;
    EvaluateView *evaluateView() const;
    ErrorsView *errorsView() const;
    TrainingView *trainingView() const;
    LinearizerView *linearizerView() const;   // null in a build without the Linearizer
    LinearizerJobs *linearizerJobs() const { return m_linearizerJobs; }
    InversionView *inversionView() const;     // null in a build without inversion
    InversionJobs *inversionJobs() const { return m_inversionJobs; }
    FineTuneJobs *fineTuneJobs() const { return m_fineTuneJobs; }
    // The model engine's and the face stage's jobs (menu actions, and the calls tests make).
    ModelJobs *modelJobs() const { return m_modelJobs; }
    FaceJobs *faceJobs() const { return m_faceJobs; }
    JobsPanel *jobsPanel() const { return m_jobsPanel; }
    StartPage *startPage() const { return m_start; }
    jobs::JobQueue *jobQueue() const { return m_jobs; }
    NotificationBar *notificationBar() const { return m_notify; }
    QListWidget *navigation() const { return m_nav; }
    QDockWidget *jobsDock() const { return m_jobsDock; }
    // Whether finished jobs open their report dialog (on by default).
    void setReportDialogsEnabled(bool on);

protected:
    void closeEvent(QCloseEvent *e) override;

private:
    void buildMenus();
    void buildStatusBar();
    void rebuildRecentMenu();
    void updateProjectState();
    void updateStatusJob();
    void onJobFinished(jobs::Job *job, const QString &title, jobs::JobStatus status, const QString &error);

    void newProject();
    void chooseProject();
    void chooseAndImportIdentities();
    void chooseAndImportPairs();
    void chooseAndGeneratePairs();
    void showShortcuts();
    void showAbout();

    std::unique_ptr<store::ProjectStore> m_store;
    jobs::JobQueue *m_jobs = nullptr;

    QStackedWidget *m_central = nullptr;
    StartPage *m_start = nullptr;
    QWidget *m_workspace = nullptr;
    QListWidget *m_nav = nullptr;
    QStackedWidget *m_views = nullptr;
    struct RegisteredView
    {
        ViewRegistration registration;
        QWidget *widget = nullptr;
        QAction *action = nullptr;   // View menu
    };
    QVector<RegisteredView> m_registered;   // navigation order
    FineTuneJobs *m_fineTuneJobs = nullptr;
    LinearizerJobs *m_linearizerJobs = nullptr;
    InversionJobs *m_inversionJobs = nullptr;
    ModelJobs *m_modelJobs = nullptr;
    FaceJobs *m_faceJobs = nullptr;
    NotificationBar *m_notify = nullptr;
    QDockWidget *m_jobsDock = nullptr;
    JobsPanel *m_jobsPanel = nullptr;

    QLabel *m_projectLabel = nullptr;
    QLabel *m_jobLabel = nullptr;
    QProgressBar *m_jobBar = nullptr;
    QToolButton *m_jobCancel = nullptr;

    QMenu *m_recentMenu = nullptr;
    QList<QAction *> m_projectActions;   // enabled only while a project is open
    QAction *m_actNew = nullptr, *m_actOpen = nullptr, *m_actDemo = nullptr, *m_actImportIds = nullptr,
            *m_actImportPairs = nullptr, *m_actClose = nullptr, *m_actQuit = nullptr, *m_actGenerate = nullptr,
            *m_actFineTune = nullptr, *m_actLinearizer = nullptr, *m_actInvert = nullptr,
            *m_actShortcuts = nullptr, *m_actAbout = nullptr;
    bool m_reportDialogs = true;
    bool m_demoPending = false;
    // The demo's first run (MainWindowDemo.cpp): its steps in order, each a job or a look.
    enum class DemoTourStep { AddModel, Embed, Look, FineTune, Linearizer, Invert, Done };
    void startDemoTour();
    void continueDemoTour();
    void demoTourJobFinished(jobs::Job *job, jobs::JobStatus status);
    QString m_demoTourFolder;   // "" while no tour runs
    DemoTourStep m_demoTourStep = DemoTourStep::Done;
    jobs::Job *m_demoTourJob = nullptr;   // compared only, never dereferenced
    bool m_dockHiddenByUser = false;
    void updateDockVisibility();
    void buildViews();   // the registered views: navigation rows and the view stack
    void connectModelViews();
    // Errors opened with nothing listed: the current version's false positives at its threshold
    // (evaluated when needed), or one line saying what is missing, with the button that does it.
    void showCurrentErrors();
    void listCurrentErrors();               // from Evaluate's result or message
    bool m_errorsAwaitEvaluation = false;   // Errors shows "Evaluating…" until Evaluate's next result
    void connectTraining();   // MainWindowTraining.cpp: Training > Fine-tune…, the Training view, lineage
    void setViewsProject(const store::ProjectStore *store);
};

} // namespace facelab::ui

#include "ui/MainWindow.h"
#include "ui/UiText.h"

#include "data/IdentityFolderImport.h"
#include "data/ImportReport.h"
#include "data/PairQueue.h"
#include "data/PairsFileImport.h"
#include "data/QueueStrategy.h"
#include "store/ProjectStore.h"
#include "ui/RecentProjects.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/annotate/AnnotateView.h"
#include "ui/dialogs/GeneratePairsDialog.h"
#include "ui/dialogs/ImportPairsDialog.h"
#include "ui/dialogs/NewProjectDialog.h"
#include "ui/dialogs/ReportDialog.h"
#include "ui/dialogs/ShortcutsDialog.h"
#include "ui/faces/FaceJobs.h"
#include "ui/faces/FacesView.h"
#include "ui/jobs/JobsPanel.h"
#include "ui/jobs/RunningJobs.h"
#include "ui/jobs/RunsView.h"
#include "ui/models/ModelJobs.h"
#include "ui/models/ModelsView.h"
#include "ui/evaluate/EvaluateView.h"
#include "ui/errors/ErrorsView.h"
#include "ui/start/StartPage.h"
#include "ui/training/FineTuneJobs.h"
#include "ui/training/TrainingView.h"
#include "ui/widgets/NotificationBar.h"

#if __has_include("data/DemoProject.h")
#include "data/DemoProject.h"
#define FACELAB_HAVE_DEMO_PROJECT 1
#endif

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace facelab::ui {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    initResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("FaceLab"));
    setWindowIcon(icon(QStringLiteral("facelab")));
    setDockOptions(QMainWindow::AnimatedDocks);

    m_jobs = new RunningJobs(this);

    // Centre: notification strip above either the start page or the project workspace.
    auto *centre = new QWidget(this);
    auto *cv = new QVBoxLayout(centre);
    cv->setContentsMargins(0, 0, 0, 0);
    cv->setSpacing(0);
    m_notify = new NotificationBar(centre);
    auto *notifyWrap = new QHBoxLayout;
    notifyWrap->setContentsMargins(12, 10, 12, 0);
    notifyWrap->addWidget(m_notify);
    cv->addLayout(notifyWrap);

    m_central = new QStackedWidget(centre);
    m_start = new StartPage(m_central);
    m_workspace = new QWidget(m_central);
    auto *wh = new QHBoxLayout(m_workspace);
    wh->setContentsMargins(0, 0, 0, 0);
    wh->setSpacing(0);
    m_nav = new QListWidget(m_workspace);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setFixedWidth(190);
    m_nav->setIconSize(QSize(20, 20));
    m_nav->setFrameShape(QFrame::NoFrame);
    m_nav->setFocusPolicy(Qt::NoFocus);
    // Rows in View order.
    new QListWidgetItem(icon(QStringLiteral("annotate")), tr("Annotate"), m_nav);
    new QListWidgetItem(icon(QStringLiteral("model")), tr("Models"), m_nav);
    new QListWidgetItem(icon(QStringLiteral("faces")), tr("Faces"), m_nav);
    new QListWidgetItem(icon(QStringLiteral("runs")), tr("Runs"), m_nav);
    new QListWidgetItem(icon(QStringLiteral("eye")), tr("Evaluate"), m_nav);
    new QListWidgetItem(icon(QStringLiteral("warning")), tr("Errors"), m_nav);
    new QListWidgetItem(icon(QStringLiteral("train")), tr("Training"), m_nav);
    m_views = new QStackedWidget(m_workspace);
    m_annotate = new AnnotateView(m_views);
    m_models = new ModelsView(m_views);
    m_faces = new FacesView(m_views);
    m_runs = new RunsView(m_views);
    m_evaluate = new EvaluateView(m_views);
    m_errors = new ErrorsView(m_views);
    m_training = new TrainingView(m_views);
    m_views->addWidget(m_annotate);
    m_views->addWidget(m_models);
    m_views->addWidget(m_faces);
    m_views->addWidget(m_runs);
    m_views->addWidget(m_evaluate);
    m_views->addWidget(m_errors);
    m_views->addWidget(m_training);
    wh->addWidget(m_nav);
    wh->addWidget(m_views, 1);
    connect(m_nav, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row < 0)
            return;
        m_views->setCurrentIndex(row);
        if (row == int(View::Annotate))
            m_annotate->setFocus();
    });
    m_central->addWidget(m_start);
    m_central->addWidget(m_workspace);
    cv->addWidget(m_central, 1);
    setCentralWidget(centre);

    // Jobs dock.
    m_jobsDock = new QDockWidget(tr("Jobs"), this);
    m_jobsDock->setObjectName(QStringLiteral("jobsDock"));
    m_jobsDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                            QDockWidget::DockWidgetFloatable);
    m_jobsPanel = new JobsPanel(m_jobs, m_jobsDock);
    m_jobsDock->setWidget(m_jobsPanel);
    addDockWidget(Qt::BottomDockWidgetArea, m_jobsDock);
    resizeDocks({m_jobsDock}, {150}, Qt::Vertical);
    connect(m_jobsPanel, &JobsPanel::runActivated, this, [this](qint64 id) {
        if (!m_store)
            return;
        showView(View::Runs);
        m_runs->selectRun(id);
    });

    m_modelJobs = new ModelJobs(m_jobs, m_notify, this);
    m_faceJobs = new FaceJobs(m_jobs, m_notify, this);
    m_fineTuneJobs = new FineTuneJobs(m_jobs, m_notify, this);
    m_models->setActions(m_modelJobs->addFileAction(), m_modelJobs->addDefaultAction());
    m_faces->setFindFacesAction(m_faceJobs->findFacesAction());
    connectModelViews();
    connectTraining();   // MainWindowTraining.cpp

    buildMenus();
    buildStatusBar();

    connect(m_start, &StartPage::newProjectRequested, this, &MainWindow::newProject);
    connect(m_start, &StartPage::openProjectRequested, this, &MainWindow::chooseProject);
    connect(m_start, &StartPage::openDemoRequested, this, &MainWindow::openDemoProject);
    connect(m_start, &StartPage::openRecentRequested, this, [this](const QString &f) { openProject(f); });
    connect(m_annotate, &AnnotateView::statusMessage, this,
            [this](const QString &t, int ms) { statusBar()->showMessage(t, ms); });
    connect(m_annotate, &AnnotateView::progressChanged, this, &MainWindow::updateProjectState);
    connect(m_annotate, &AnnotateView::importIdentitiesRequested, this, &MainWindow::chooseAndImportIdentities);
    connect(m_annotate, &AnnotateView::importPairsRequested, this, &MainWindow::chooseAndImportPairs);
    connect(m_annotate, &AnnotateView::generatePairsRequested, this, &MainWindow::chooseAndGeneratePairs);

    connect(m_jobs, &RunningJobs::started, this, &MainWindow::updateStatusJob);
    connect(m_jobs, &RunningJobs::progressed, this, &MainWindow::updateStatusJob);
    connect(m_jobs, &RunningJobs::finished, this, &MainWindow::onJobFinished);

    const int w = setting(QStringLiteral("window/width")).toInt();
    const int h = setting(QStringLiteral("window/height")).toInt();
    resize(w > 0 ? w : 1360, h > 0 ? h : 860);
    QSettings s;
    if (s.contains(QStringLiteral("window/geometry")))
        restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    if (s.contains(QStringLiteral("window/state")))
        restoreState(s.value(QStringLiteral("window/state")).toByteArray());

    m_nav->setCurrentRow(0);
    m_central->setCurrentWidget(m_start);
    updateProjectState();
}

MainWindow::~MainWindow()
{
    // Jobs first: they may still deliver results to the views.
    m_jobs->cancelAllAndWait();
    setViewsProject(nullptr);
}

void MainWindow::setReportDialogsEnabled(bool on)
{
    m_reportDialogs = on;
    m_modelJobs->setReportDialogsEnabled(on);
    m_faceJobs->setReportDialogsEnabled(on);
}

void MainWindow::setViewsProject(const store::ProjectStore *store)
{
    m_annotate->setProject(store);
    m_models->setProject(store);
    m_faces->setProject(store);
    m_runs->setProject(store);
    m_evaluate->setProject(store);
    m_errors->setProject(store);
    m_jobsPanel->setProject(store);
    m_modelJobs->setProject(store);
    m_faceJobs->setProject(store);
    m_training->setProject(store);
    m_fineTuneJobs->setProject(store);
}

void MainWindow::connectModelViews()
{
    // Annotate's model line.
    connect(m_annotate, &AnnotateView::addDefaultModelRequested, m_modelJobs, [this] { m_modelJobs->addDefaultModel(); });
    connect(m_annotate, &AnnotateView::addModelFileRequested, m_modelJobs, &ModelJobs::chooseAndAddModelFile);
    connect(m_annotate, &AnnotateView::embedRequested, m_modelJobs, [this] { m_modelJobs->embed(0); });
    connect(m_annotate, &AnnotateView::thresholdChanged, m_models, &ModelsView::refresh);
    // The Models view.
    connect(m_models, &ModelsView::currentChanged, this, [this] {
        m_annotate->refreshModel();
        m_modelJobs->updateActions();
    });
    connect(m_models, &ModelsView::thresholdChanged, this, [this] { m_annotate->refreshModel(); });
    connect(m_models, &ModelsView::currentChanged, m_evaluate, &EvaluateView::invalidate);
    // Evaluate's FP/FN cells and histogram bars open the Errors view; a corrected truth re-evaluates.
    connect(m_evaluate, &EvaluateView::errorsRequested, this, [this](bool falsePositives) {
        m_errors->showPairs(m_evaluate->errorPairs(falsePositives));
        showView(View::Errors);
    });
    connect(m_evaluate, &EvaluateView::pairsRequested, this, [this](const PairListing &listing) {
        m_errors->showPairs(listing);
        showView(View::Errors);
    });
    m_evaluate->setJobs(m_jobs, m_notify);   // "Export error folders…"; the Errors view browses the result
    connect(m_evaluate, &EvaluateView::errorsExported, m_errors, &ErrorsView::setSuggestedFolder);
    connect(m_errors, &ErrorsView::truthCorrected, m_evaluate, &EvaluateView::evaluate);
    connect(m_errors, &ErrorsView::backRequested, this, [this] { showView(View::Evaluate); });
    connect(m_modelJobs, &ModelJobs::embeddingChanged, m_evaluate, [this](qint64 id) {
        if (id == 0)
            m_evaluate->invalidate();
    });
    connect(m_models, &ModelsView::embedRequested, m_modelJobs, [this](qint64 id) { m_modelJobs->embed(id); });
    connect(m_models, &ModelsView::exportRequested, m_modelJobs, &ModelJobs::chooseAndExport);
    // Model jobs finishing.
    connect(m_modelJobs, &ModelJobs::modelsChanged, this, [this] {
        m_models->refresh();
        m_annotate->refreshModel();
    });
    connect(m_modelJobs, &ModelJobs::scoresChanged, this, [this] {
        m_models->refresh();
        m_annotate->refreshModel(/*scoresUpdated=*/true);
    });
    connect(m_modelJobs, &ModelJobs::facesChanged, m_faces, &FacesView::refresh);
    connect(m_modelJobs, &ModelJobs::embeddingChanged, m_models, &ModelsView::setEmbedding);
    connect(m_modelJobs, &ModelJobs::showModelsRequested, this, [this](qint64 id) {
        showView(View::Models);
        if (id > 0)
            m_models->selectVersion(id);
    });
    // Faces.
    connect(m_faces, &FacesView::chooseFaceRequested, m_faceJobs, &FaceJobs::chooseFace);
    connect(m_faceJobs, &FaceJobs::realigning, m_faces, &FacesView::setRealigning);
    connect(m_faceJobs, &FaceJobs::facesChanged, this, [this] {
        m_faces->refresh();
        m_models->refresh();
    });
}

void MainWindow::buildMenus()
{
    auto make = [this](const QString &name, const QString &text, const QString &iconName = {},
                       const QKeySequence &key = {}) {
        auto *a = new QAction(text, this);
        a->setObjectName(name);
        if (!iconName.isEmpty())
            a->setIcon(icon(iconName));
        if (!key.isEmpty())
            a->setShortcut(key);
        return a;
    };

    // File
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->setObjectName(QStringLiteral("menuFile"));
    file->setToolTipsVisible(true);
    m_actNew = make(QStringLiteral("actionNewProject"), tr("&New project…"), QStringLiteral("new"), QKeySequence::New);
    m_actOpen = make(QStringLiteral("actionOpenProject"), tr("&Open project…"), QStringLiteral("open"), QKeySequence::Open);
    m_actDemo = make(QStringLiteral("actionOpenDemo"), tr("Open &demo project"), QStringLiteral("demo"));
    m_actImportIds = make(QStringLiteral("actionImportIdentities"), tr("Import &identities…"),
                          QStringLiteral("import-identities"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I));
    m_actImportIds->setToolTip(tr("A folder with one sub-folder of face images per person (LFW layout)"));
    m_actImportPairs = make(QStringLiteral("actionImportPairs"), tr("Import &pairs…"), QStringLiteral("import-pairs"),
                            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_actImportPairs->setToolTip(tr("An LFW pairs.txt or a CSV of path1,path2,same"));
    m_actClose = make(QStringLiteral("actionCloseProject"), tr("&Close project"), QStringLiteral("close"),
                      QKeySequence::Close);
    m_actQuit = make(QStringLiteral("actionQuit"), tr("&Quit"), QStringLiteral("quit"), QKeySequence::Quit);
    m_actQuit->setMenuRole(QAction::QuitRole);
    connect(m_actNew, &QAction::triggered, this, &MainWindow::newProject);
    connect(m_actOpen, &QAction::triggered, this, &MainWindow::chooseProject);
    connect(m_actDemo, &QAction::triggered, this, &MainWindow::openDemoProject);
    connect(m_actImportIds, &QAction::triggered, this, &MainWindow::chooseAndImportIdentities);
    connect(m_actImportPairs, &QAction::triggered, this, &MainWindow::chooseAndImportPairs);
    connect(m_actClose, &QAction::triggered, this, &MainWindow::closeProject);
    connect(m_actQuit, &QAction::triggered, this, &QWidget::close);
    file->addAction(m_actNew);
    file->addAction(m_actOpen);
    m_recentMenu = file->addMenu(icon(QStringLiteral("recent")), tr("Open &recent"));
    m_recentMenu->setObjectName(QStringLiteral("menuRecent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    file->addAction(m_actDemo);
    file->addSeparator();
    file->addAction(m_actImportIds);
    file->addAction(m_actImportPairs);
    file->addSeparator();
    file->addAction(m_actClose);
    file->addAction(m_actQuit);
    rebuildRecentMenu();

    // Edit: the annotate view's undo, reachable from anywhere in the window.
    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->setObjectName(QStringLiteral("menuEdit"));
    edit->addAction(m_annotate->undoAction());

    // View
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("menuView"));
    m_actViewAnnotate = make(QStringLiteral("actionViewAnnotate"), tr("&Annotate"), QStringLiteral("annotate"),
                             QKeySequence(Qt::CTRL | Qt::Key_1));
    m_actViewModels = make(QStringLiteral("actionViewModels"), tr("&Models"), QStringLiteral("model"),
                           QKeySequence(Qt::CTRL | Qt::Key_2));
    m_actViewFaces = make(QStringLiteral("actionViewFaces"), tr("&Faces"), QStringLiteral("faces"),
                          QKeySequence(Qt::CTRL | Qt::Key_3));
    m_actViewRuns = make(QStringLiteral("actionViewRuns"), tr("&Runs"), QStringLiteral("runs"),
                         QKeySequence(Qt::CTRL | Qt::Key_4));
    connect(m_actViewAnnotate, &QAction::triggered, this, [this] { showView(View::Annotate); });
    connect(m_actViewModels, &QAction::triggered, this, [this] { showView(View::Models); });
    connect(m_actViewFaces, &QAction::triggered, this, [this] { showView(View::Faces); });
    connect(m_actViewRuns, &QAction::triggered, this, [this] { showView(View::Runs); });
    m_actViewEvaluate = make(QStringLiteral("actionViewEvaluate"), tr("&Evaluate"), QStringLiteral("eye"),
                             QKeySequence(Qt::CTRL | Qt::Key_5));
    connect(m_actViewEvaluate, &QAction::triggered, this, [this] { showView(View::Evaluate); });
    view->setToolTipsVisible(true);
    view->addAction(m_actViewAnnotate);
    view->addAction(m_actViewModels);
    view->addAction(m_actViewFaces);
    view->addAction(m_actViewRuns);
    view->addAction(m_actViewEvaluate);
    view->addSeparator();
    view->addAction(m_annotate->showIdentitiesAction());
    view->addAction(m_annotate->showModelBeforeVerdictAction());
    QAction *dockToggle = m_jobsDock->toggleViewAction();
    dockToggle->setText(tr("&Jobs panel"));
    dockToggle->setObjectName(QStringLiteral("actionToggleJobs"));
    dockToggle->setIcon(icon(QStringLiteral("jobs")));
    dockToggle->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
    connect(dockToggle, &QAction::triggered, this, [this](bool on) { m_dockHiddenByUser = !on; });
    view->addAction(dockToggle);

    // Pairs
    QMenu *pairs = menuBar()->addMenu(tr("&Pairs"));
    pairs->setObjectName(QStringLiteral("menuPairs"));
    pairs->setToolTipsVisible(true);
    m_actGenerate = make(QStringLiteral("actionGeneratePairs"), tr("&Generate…"), QStringLiteral("generate"),
                         QKeySequence(Qt::CTRL | Qt::Key_G));
    m_actGenerate->setToolTip(tr("Draw same/different pairs from the imported identities"));
    connect(m_actGenerate, &QAction::triggered, this, &MainWindow::chooseAndGeneratePairs);
    pairs->addAction(m_actGenerate);
    // How the Annotate queue orders the open pairs once a model has scored them (a project setting,
    // shared with `facelab queue`).
    QMenu *strategyMenu = pairs->addMenu(tr("Queue &strategy"));
    strategyMenu->setObjectName(QStringLiteral("menuQueueStrategy"));
    auto *strategies = new QActionGroup(strategyMenu);
    const QStringList strategyTips = {
        tr("Pairs whose similarity is closest to the threshold first"),
        tr("Different people the model finds most alike first"),
        tr("The same person the model finds least alike first"),
        tr("Uncertain pairs, spread so no face or person repeats within 8 pairs"),
        tr("Uncertain, hard negatives and hard positives in turn, spread out (default)")};
    const QStringList strategyNames = data::queueStrategyNames();
    for (int i = 0; i < strategyNames.size(); ++i) {
        QAction *a = strategyMenu->addAction(strategyNames[i]);
        a->setCheckable(true);
        a->setData(strategyNames[i]);
        a->setToolTip(strategyTips.value(i));
        strategies->addAction(a);
        connect(a, &QAction::triggered, this, [this, name = strategyNames[i]] {
            if (!m_store)
                return;
            m_store->setSetting(QString::fromLatin1(data::kQueueStrategySetting), name);
            m_annotate->refreshModel(/*scoresUpdated=*/true);
            statusBar()->showMessage(tr("Queue strategy: %1").arg(name), 4000);
        });
    }
    strategyMenu->setToolTipsVisible(true);
    connect(strategyMenu, &QMenu::aboutToShow, this, [this, strategies] {
        const QString cur = m_store ? m_store->setting(QString::fromLatin1(data::kQueueStrategySetting), QStringLiteral("mix"))
                                    : QStringLiteral("mix");
        for (QAction *a : strategies->actions()) {
            a->setChecked(a->data().toString() == cur);
            a->setEnabled(m_store != nullptr);
        }
    });

    // Models: the model engine's jobs and the face stage.
    QMenu *models = menuBar()->addMenu(tr("&Models"));
    models->setObjectName(QStringLiteral("menuModels"));
    models->setToolTipsVisible(true);   // says why an entry is disabled (no engine, default model missing)
    models->addAction(m_modelJobs->addFileAction());
    models->addAction(m_modelJobs->addDefaultAction());
    models->addSeparator();
    models->addAction(m_modelJobs->embedAction());
    models->addAction(m_faceJobs->findFacesAction());
    models->addSeparator();
    models->addAction(m_modelJobs->exportAction());

    // Training: arrives with the model engine; the actions say what each needs.
    QMenu *training = menuBar()->addMenu(tr("&Training"));
    training->setObjectName(QStringLiteral("menuTraining"));
    training->setToolTipsVisible(true);   // tooltips show on disabled actions too
    m_actFineTune = m_fineTuneJobs->fineTuneAction();   // enabled with a model version; its tooltip says why not
    connect(training, &QMenu::aboutToShow, m_fineTuneJobs, &FineTuneJobs::updateAction);
    training->addAction(m_actFineTune);
    m_actLinearizer = make(QStringLiteral("actionTrainLinearizer"), tr("Train &Linearizer…"),
                           QStringLiteral("linearizer"));
    m_actLinearizer->setToolTip(tr("Needs a model: arrives with the model engine and the Linearizer "
                                   "(a linear surrogate f(x) = g_y⁻¹(A g_x(x)) of the model)."));
    m_actInvert = make(QStringLiteral("actionInvertIdentity"), tr("&Invert identity…"), QStringLiteral("invert"));
    m_actInvert->setToolTip(tr("Needs a model: arrives with the model engine and inversion (images of what "
                               "the model thinks an identity looks like)."));
    for (QAction *a : {m_actLinearizer, m_actInvert}) {
        a->setEnabled(false);
        a->setStatusTip(a->toolTip());
        training->addAction(a);
    }

    // Help
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("menuHelp"));
    m_actShortcuts = make(QStringLiteral("actionShortcuts"), tr("&Keyboard shortcuts"), QStringLiteral("keyboard"),
                          QKeySequence(Qt::CTRL | Qt::Key_Slash));
    m_actAbout = make(QStringLiteral("actionAbout"), tr("&About FaceLab"), QStringLiteral("info"));
    m_actAbout->setMenuRole(QAction::AboutRole);
    connect(m_actShortcuts, &QAction::triggered, this, &MainWindow::showShortcuts);
    connect(m_actAbout, &QAction::triggered, this, &MainWindow::showAbout);
    help->addAction(m_actShortcuts);
    help->addAction(m_actAbout);

    m_projectActions = {m_actImportIds, m_actImportPairs, m_actClose,       m_actGenerate,
                        m_actViewAnnotate, m_actViewModels, m_actViewFaces, m_actViewRuns, m_actViewEvaluate};
}

void MainWindow::buildStatusBar()
{
    QStatusBar *sb = statusBar();
    sb->setObjectName(QStringLiteral("statusBar"));
    m_projectLabel = new QLabel(sb);
    m_projectLabel->setObjectName(QStringLiteral("projectLabel"));
    m_projectLabel->setProperty("role", QStringLiteral("muted"));
    m_jobLabel = new QLabel(sb);
    m_jobLabel->setObjectName(QStringLiteral("jobLabel"));
    m_jobBar = new QProgressBar(sb);
    m_jobBar->setObjectName(QStringLiteral("jobProgress"));
    m_jobBar->setFixedWidth(180);
    m_jobBar->setFixedHeight(14);
    m_jobBar->setTextVisible(false);
    m_jobCancel = new QToolButton(sb);
    m_jobCancel->setIcon(icon(QStringLiteral("cancel")));
    m_jobCancel->setAutoRaise(true);
    m_jobCancel->setToolTip(tr("Cancel this job"));
    connect(m_jobCancel, &QToolButton::clicked, this, [this] {
        const auto running = m_jobs->running();
        if (!running.isEmpty())
            running.back()->cancel();
        m_jobLabel->setText(tr("Cancelling…"));
    });
    sb->addPermanentWidget(m_jobLabel);
    sb->addPermanentWidget(m_jobBar);
    sb->addPermanentWidget(m_jobCancel);
    sb->addPermanentWidget(m_projectLabel);
    updateStatusJob();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = RecentProjects::list();
    for (const QString &f : recent) {
        QAction *a = m_recentMenu->addAction(QStringLiteral("%1  —  %2").arg(shortPathName(f), QDir::toNativeSeparators(f)));
        a->setEnabled(store::ProjectStore::exists(f));
        connect(a, &QAction::triggered, this, [this, f] { openProject(f); });
    }
    if (recent.isEmpty()) {
        QAction *none = m_recentMenu->addAction(tr("No recent projects"));
        none->setEnabled(false);
    } else {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear list"), this, [this] {
            RecentProjects::clear();
            m_start->refreshRecent();
        });
    }
}

bool MainWindow::openProject(const QString &folder, bool create, bool quiet)
{
    std::unique_ptr<store::ProjectStore> st;
    try {
        st = std::make_unique<store::ProjectStore>(store::ProjectStore::open(folder, create));
    } catch (const std::exception &e) {
        const QString why = QString::fromUtf8(e.what());
        if (quiet)
            m_notify->showMessage(NotificationBar::Kind::Warning, tr("Could not reopen %1: %2").arg(shortPathName(folder), why));
        else
            QMessageBox::warning(this, tr("Cannot open project"),
                                 tr("FaceLab could not open %1.\n\n%2").arg(QDir::toNativeSeparators(folder), why));
        if (!store::ProjectStore::exists(folder))
            RecentProjects::remove(folder);
        m_start->refreshRecent();
        return false;
    }
    // Views drop their references to the old store before it goes.
    setViewsProject(nullptr);
    m_store = std::move(st);
    setViewsProject(m_store.get());

    RecentProjects::add(m_store->folder());
    RecentProjects::setLast(m_store->folder());
    m_start->refreshRecent();
    m_central->setCurrentWidget(m_workspace);
    showView(View::Annotate);
    if (m_store->interruptedOnOpen() > 0)
        m_notify->showMessage(NotificationBar::Kind::Warning,
                              tr("%n job(s) of this project were interrupted when FaceLab last closed; see Runs.", nullptr,
                                 m_store->interruptedOnOpen()),
                              tr("Show runs"), [this] { showView(View::Runs); });
    updateProjectState();
    return true;
}

void MainWindow::closeProject()
{
    if (!m_store)
        return;
    setViewsProject(nullptr);
    m_store.reset();
    RecentProjects::setLast({});
    m_start->refreshRecent();
    m_central->setCurrentWidget(m_start);
    updateProjectState();
}

void MainWindow::showView(View v)
{
    if (!m_store)
        return;
    m_nav->setCurrentRow(int(v));
}

void MainWindow::updateDockVisibility()
{
    // The jobs dock lists the project's runs: on the start page it only appears while a job runs.
    const bool wanted = !m_dockHiddenByUser && (m_store || m_jobs->hasRunning());
    if (m_jobsDock->isHidden() == wanted)
        m_jobsDock->setVisible(wanted);
}

void MainWindow::updateProjectState()
{
    const bool open = m_store != nullptr;
    updateDockVisibility();
    for (QAction *a : std::as_const(m_projectActions))
        a->setEnabled(open);
    if (!open) {
        setWindowTitle(tr("FaceLab"));
        m_projectLabel->setText(QString());
        return;
    }
    setWindowTitle(tr("%1 — FaceLab").arg(m_store->name()));
    QString text = tr("Project <b>%1</b>").arg(m_store->name().toHtmlEscaped());
    if (const data::PairQueue *q = m_annotate->queue())
        text += tr(" · %1 pairs · %2 labelled").arg(QLocale().toString(q->total()), QLocale().toString(q->labelled()));
    m_projectLabel->setText(text);
    m_projectLabel->setToolTip(QDir::toNativeSeparators(m_store->folder()));
}

void MainWindow::updateStatusJob()
{
    updateDockVisibility();
    const QList<jobs::JobRunner *> running = m_jobs->running();
    const bool busy = !running.isEmpty();
    m_jobLabel->setVisible(busy);
    m_jobBar->setVisible(busy);
    m_jobCancel->setVisible(busy);
    if (!busy)
        return;
    jobs::JobRunner *r = running.back();
    const qint64 total = m_jobs->total(r), done = m_jobs->done(r);
    QString text = m_jobs->title(r);
    if (!m_jobs->what(r).isEmpty())
        text += QStringLiteral(" · ") + m_jobs->what(r);
    if (running.size() > 1)
        text += tr(" (+%1 more)").arg(running.size() - 1);
    if (total > 0) {
        m_jobBar->setRange(0, 1000);
        m_jobBar->setValue(int(done * 1000 / total));
        text += QStringLiteral("  %1%").arg(done * 100 / total);
    } else {
        m_jobBar->setRange(0, 0);
    }
    m_jobLabel->setText(text);
    if (m_demoPending && r->kind() == QLatin1String("build-demo"))
        m_start->setDemoProgress(true, total > 0 ? int(done * 100 / total) : -1, m_jobs->what(r));
}

void MainWindow::onJobFinished(jobs::JobRunner *r, const QString &title, const QString &status, const QString &error)
{
    // Let the status bar forget the finished runner (it is still in the signal, but not running).
    QMetaObject::invokeMethod(this, &MainWindow::updateStatusJob, Qt::QueuedConnection);
    if (!isActiveWindow())
        QApplication::alert(this);
    Q_UNUSED(r);
    if (status == QLatin1String("done"))
        statusBar()->showMessage(tr("Finished: %1").arg(title), 6000);
    else if (status == QLatin1String("cancelled"))
        statusBar()->showMessage(tr("Cancelled: %1").arg(title), 6000);
    else
        statusBar()->showMessage(tr("Failed: %1: %2").arg(title, error), 10000);
}

jobs::JobRunner *MainWindow::importIdentities(const QString &dir)
{
    if (!m_store)
        return nullptr;
    const QString folder = m_store->folder();
    auto report = std::make_shared<data::ImportReport>();
    return m_jobs->start(
        folder, QStringLiteral("import-identities"), tr("Importing identities from %1").arg(shortPathName(dir)),
        compactJson({{QStringLiteral("dir"), dir}}),
        [folder, dir, report](jobs::JobContext &ctx) -> QVariant {
            const store::ProjectStore st = store::ProjectStore::open(folder);
            *report = data::importIdentityFolders(st, dir, ctx);
            ctx.log(report->summary());
            return report->summary();
        },
        [this, report, dir, folder](jobs::JobRunner &r) {
            const bool same = m_store && m_store->folder() == folder;
            if (same)
                m_annotate->reloadQueue();
            const QString what = tr("Import of %1").arg(shortPathName(dir));
            if (r.status() == QLatin1String("done")) {
                m_notify->showMessage(report->problems.isEmpty() ? NotificationBar::Kind::Success
                                                                 : NotificationBar::Kind::Warning,
                                      tr("%1 finished: %2").arg(what, report->summary()),
                                      same && m_annotate->queue() && m_annotate->queue()->isEmpty()
                                          ? tr("Generate pairs…")
                                          : QString(),
                                      [this] { chooseAndGeneratePairs(); }, report->problems.isEmpty() ? 12000 : 0);
                if (m_reportDialogs) {
                    auto *d = ReportDialog::forImport(what, *report, this);
                    d->setAttribute(Qt::WA_DeleteOnClose);
                    d->open();
                }
            } else if (r.status() == QLatin1String("cancelled")) {
                m_notify->showMessage(NotificationBar::Kind::Info,
                                      tr("%1 cancelled. Images imported before the cancel are kept.").arg(what), {}, {},
                                      10000);
            } else {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("%1 failed: %2").arg(what, r.error()));
            }
            updateProjectState();
        });
}

jobs::JobRunner *MainWindow::importPairs(const QString &file, const QString &imagesRoot)
{
    if (!m_store)
        return nullptr;
    const QString folder = m_store->folder();
    auto report = std::make_shared<data::ImportReport>();
    return m_jobs->start(
        folder, QStringLiteral("import-pairs"), tr("Importing pairs from %1").arg(shortPathName(file)),
        compactJson({{QStringLiteral("file"), file}, {QStringLiteral("root"), imagesRoot}}),
        [folder, file, imagesRoot, report](jobs::JobContext &ctx) -> QVariant {
            const store::ProjectStore st = store::ProjectStore::open(folder);
            *report = data::importPairsFile(st, file, imagesRoot, ctx);
            ctx.log(report->summary());
            return report->summary();
        },
        [this, report, file, folder](jobs::JobRunner &r) {
            if (m_store && m_store->folder() == folder)
                m_annotate->reloadQueue();
            const QString what = tr("Import of %1").arg(shortPathName(file));
            if (r.status() == QLatin1String("done")) {
                m_notify->showMessage(report->problems.isEmpty() ? NotificationBar::Kind::Success
                                                                 : NotificationBar::Kind::Warning,
                                      tr("%1 finished: %2").arg(what, report->summary()), {}, {},
                                      report->problems.isEmpty() ? 12000 : 0);
                if (m_reportDialogs) {
                    auto *d = ReportDialog::forImport(what, *report, this);
                    d->setAttribute(Qt::WA_DeleteOnClose);
                    d->open();
                }
            } else if (r.status() == QLatin1String("cancelled")) {
                m_notify->showMessage(NotificationBar::Kind::Info, tr("%1 cancelled.").arg(what), {}, {}, 10000);
            } else {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("%1 failed: %2").arg(what, r.error()));
            }
            updateProjectState();
        });
}

jobs::JobRunner *MainWindow::generatePairs(const data::PairGenOptions &opt)
{
    if (!m_store)
        return nullptr;
    const QString folder = m_store->folder();
    auto report = std::make_shared<data::PairGenReport>();
    const QJsonObject params{{QStringLiteral("pairs"), opt.pairs},
                             {QStringLiteral("identities"), opt.identities},
                             {QStringLiteral("seed"), QString::number(opt.seed)},
                             {QStringLiteral("split"), data::splitMethodName(opt.split)},
                             {QStringLiteral("train"), opt.trainFraction},
                             {QStringLiteral("validation"), opt.validationFraction}};
    return m_jobs->start(
        folder, QStringLiteral("generate-pairs"), tr("Generating %1 pairs").arg(QLocale().toString(opt.pairs)),
        compactJson(params),
        [folder, opt, report](jobs::JobContext &ctx) -> QVariant {
            const store::ProjectStore st = store::ProjectStore::open(folder);
            ctx.setProgress(0, 0, tr("drawing pairs"));
            *report = data::generatePairs(st, opt);
            ctx.log(QString::fromUtf8(QJsonDocument(report->toJson()).toJson(QJsonDocument::Compact)));
            return report->same + report->different;
        },
        [this, report, folder](jobs::JobRunner &r) {
            if (m_store && m_store->folder() == folder)
                m_annotate->reloadQueue();
            if (r.status() == QLatin1String("done")) {
                const int made = report->same + report->different;
                m_notify->showMessage(made < report->requested ? NotificationBar::Kind::Warning
                                                               : NotificationBar::Kind::Success,
                                      tr("Generated %1 pairs (%2 same, %3 different) from %4 identities.")
                                          .arg(made)
                                          .arg(report->same)
                                          .arg(report->different)
                                          .arg(report->identitiesUsed),
                                      {}, {}, 12000);
                if (m_reportDialogs) {
                    auto *d = ReportDialog::forGeneration(*report, this);
                    d->setAttribute(Qt::WA_DeleteOnClose);
                    d->open();
                }
            } else if (r.status() == QLatin1String("failed")) {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Pair generation failed: %1").arg(r.error()));
            }
            updateProjectState();
        });
}

void MainWindow::openDemoProject()
{
#ifdef FACELAB_HAVE_DEMO_PROJECT
    if (m_demoPending)
        return;
    m_demoPending = true;
    m_start->setDemoProgress(true, -1, tr("Preparing the demo project…"));
    m_jobs->start(
        QString(), QStringLiteral("build-demo"), tr("Preparing the demo project"), QStringLiteral("{}"),
        [](jobs::JobContext &ctx) -> QVariant { return data::ensureDemoProject(ctx); },
        [this](jobs::JobRunner &r) {
            m_demoPending = false;
            m_start->setDemoProgress(false);
            if (r.status() == QLatin1String("done")) {
                openProject(r.result().toString());
            } else if (r.status() == QLatin1String("failed")) {
                QMessageBox::warning(this, tr("Demo project unavailable"),
                                     tr("The demo project could not be prepared.\n\n%1").arg(r.error()));
            }
        });
#else
    // TODO(lead): data/DemoProject.h (demoProjectFolder, ensureDemoProject) is not in the tree yet.
    QMessageBox::information(this, tr("Demo project"), tr("The demo project is not available in this build."));
#endif
}

void MainWindow::newProject()
{
    NewProjectDialog d(this);
    if (d.exec() != QDialog::Accepted || d.folder().isEmpty())
        return;
    if (openProject(d.folder(), true))
        m_notify->showMessage(NotificationBar::Kind::Success,
                              tr("Created %1. Import identities or a pairs list to start.").arg(shortPathName(d.folder())),
                              tr("Import identities…"), [this] { chooseAndImportIdentities(); }, 15000);
}

void MainWindow::chooseProject()
{
    QSettings s;
    const QString start = s.value(QStringLiteral("open/lastDir"), QDir::homePath()).toString();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Open project folder"), start);
    if (folder.isEmpty())
        return;
    s.setValue(QStringLiteral("open/lastDir"), QFileInfo(folder).absolutePath());
    openProject(folder);
}

void MainWindow::chooseAndImportIdentities()
{
    if (!m_store)
        return;
    QSettings s;
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Import identities: a folder with one sub-folder per person"),
        s.value(QStringLiteral("import/identitiesDir"), QDir::homePath()).toString());
    if (dir.isEmpty())
        return;
    s.setValue(QStringLiteral("import/identitiesDir"), QFileInfo(dir).absolutePath());
    importIdentities(dir);
}

void MainWindow::chooseAndImportPairs()
{
    if (!m_store)
        return;
    ImportPairsDialog d(this);
    if (d.exec() != QDialog::Accepted)
        return;
    importPairs(d.file(), d.imagesRoot());
}

void MainWindow::chooseAndGeneratePairs()
{
    if (!m_store)
        return;
    store::ProjectStats st;
    try {
        st = m_store->stats();
    } catch (const std::exception &) {
    }
    if (st.identities < 2) {
        QMessageBox::information(this, tr("Generate pairs"),
                                 tr("Pairs are drawn from identities, and this project has %n identity(ies). "
                                    "Import a folder of identities first (File > Import identities…).",
                                    nullptr, int(st.identities)));
        return;
    }
    GeneratePairsDialog d(st.identities, this);
    if (d.exec() != QDialog::Accepted)
        return;
    generatePairs(d.options());
}

void MainWindow::showShortcuts()
{
    QList<ShortcutsDialog::Section> sections;
    sections.append({tr("Annotate"),
                     {m_annotate->sameAction(), m_annotate->differentAction(), m_annotate->skipAction(),
                      m_annotate->backAction(), m_annotate->forwardAction(), m_annotate->undoAction(),
                      m_annotate->showIdentitiesAction()}});
    sections.append({tr("Project"), {m_actNew, m_actOpen, m_actImportIds, m_actImportPairs, m_actGenerate, m_actClose}});
    sections.append({tr("Models"),
                     {m_modelJobs->addFileAction(), m_modelJobs->addDefaultAction(), m_modelJobs->embedAction(),
                      m_faceJobs->findFacesAction(), m_modelJobs->exportAction()}});
    sections.append({tr("Window"),
                     {m_actViewAnnotate, m_actViewModels, m_actViewFaces, m_actViewRuns, m_jobsDock->toggleViewAction(),
                      m_actShortcuts, m_actQuit}});
    auto *d = new ShortcutsDialog(sections, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->open();
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About FaceLab"),
                       tr("<h3>FaceLab %1</h3>"
                          "<p>A desktop tool for people who build and audit face-recognition models: "
                          "label the pairs a model is least sure about, fine-tune on those verdicts, and see "
                          "where it is still wrong.</p>"
                          "<p>Every verdict is saved in the project file the moment you give it.</p>")
                           .arg(QApplication::applicationVersion().isEmpty() ? QStringLiteral("0.1")
                                                                             : QApplication::applicationVersion()));
}

void MainWindow::closeEvent(QCloseEvent *e)
{
    const int n = int(m_jobs->running().size());
    if (n > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Jobs are running"),
            tr("%n job(s) are still running. Cancel and quit? (Cancelled runs are recorded as cancelled.)", nullptr, n),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            e->ignore();
            return;
        }
        m_jobs->cancelAllAndWait();
    }
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    e->accept();
}

} // namespace facelab::ui

#include "ui/MainWindow.h"
#include "ui/UiText.h"

#include "data/IdentityFolderImport.h"
#include "data/ImportReport.h"
#include "data/PairQueue.h"
#include "data/PairsFileImport.h"
#include "data/QueueStrategy.h"
#include "jobs/JobQueue.h"
#include "store/ProjectStore.h"
#include "ui/ErrorGuard.h"
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
#include "ui/jobs/RunsView.h"
#include "ui/models/ModelJobs.h"
#include "ui/models/ModelsView.h"
#include "ui/evaluate/EvaluateView.h"
#include "ui/errors/ErrorsView.h"
#include "ui/start/StartPage.h"
#include "store/ModelTable.h"
#include "ui/training/FineTuneJobs.h"
#include "ui/training/TrainingView.h"
#ifdef FACELAB_HAVE_LINEARIZER
#include "ui/linearizer/LinearizerJobs.h"
#include "ui/linearizer/LinearizerView.h"
#endif
#ifdef FACELAB_HAVE_INVERSION
#include "ui/inversion/InversionJobs.h"
#include "ui/inversion/InversionView.h"
#endif
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
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <utility>

namespace facelab::ui {
namespace {

// Holds one view inside its scroll area and hides the view's height-for-width: a scroll area
// sizes a widget with height-for-width (any word-wrapped label) to its *preferred* height, so
// the Annotate faces would keep their 420 px and push the view into scrolling instead of
// shrinking. Here the view gets the viewport's size down to its minimum size.
class ViewFrame : public QWidget
{
public:
    ViewFrame(QWidget *view, QWidget *parent) : QWidget(parent), m_view(view)
    {
        view->setParent(this);
        view->installEventFilter(this);
    }
    QSize sizeHint() const override { return m_view->sizeHint(); }
    QSize minimumSizeHint() const override { return m_view->minimumSizeHint(); }

protected:
    void resizeEvent(QResizeEvent *e) override
    {
        QWidget::resizeEvent(e);
        m_view->setGeometry(rect());
    }
    bool eventFilter(QObject *watched, QEvent *e) override
    {
        if (watched == m_view && e->type() == QEvent::LayoutRequest)
            updateGeometry();   // the view's minimum changed: the scroll area asks again
        return QWidget::eventFilter(watched, e);
    }

private:
    QWidget *m_view;
};

} // namespace

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    initResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("FaceLab"));
    setWindowIcon(icon(QStringLiteral("facelab")));
    setDockOptions(QMainWindow::AnimatedDocks);

    m_jobs = new jobs::JobQueue(this);

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
    m_views = new QStackedWidget(m_workspace);
    wh->addWidget(m_nav);
    wh->addWidget(m_views, 1);
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
        runsView()->selectRun(id);
    });

    m_modelJobs = new ModelJobs(m_jobs, m_notify, this);
    m_faceJobs = new FaceJobs(m_jobs, m_notify, this);
    m_fineTuneJobs = new FineTuneJobs(m_jobs, m_notify, this);
#ifdef FACELAB_HAVE_LINEARIZER
    m_linearizerJobs = new LinearizerJobs(m_jobs, m_notify, this);
    connect(m_linearizerJobs, &LinearizerJobs::showRequested, this, [this] { showView(View::Linearizer); });
#endif
#ifdef FACELAB_HAVE_INVERSION
    m_inversionJobs = new InversionJobs(m_jobs, m_notify, this);
    connect(m_inversionJobs, &InversionJobs::showRequested, this, [this] { showView(View::Inversion); });
#endif
    buildViews();
    connectModelViews();
    connectTraining();   // MainWindowTraining.cpp

    buildMenus();
    buildStatusBar();

    connect(m_start, &StartPage::newProjectRequested, this, &MainWindow::newProject);
    connect(m_start, &StartPage::openProjectRequested, this, &MainWindow::chooseProject);
    connect(m_start, &StartPage::openDemoRequested, this, &MainWindow::openDemoProject);
    connect(m_start, &StartPage::openRecentRequested, this, [this](const QString &f) { openProject(f); });
    AnnotateView *annotate = annotateView();
    connect(annotate, &AnnotateView::statusMessage, this,
            [this](const QString &t, int ms) { statusBar()->showMessage(t, ms); });
    connect(annotate, &AnnotateView::progressChanged, this, &MainWindow::updateProjectState);
    connect(annotate, &AnnotateView::importIdentitiesRequested, this, &MainWindow::chooseAndImportIdentities);
    connect(annotate, &AnnotateView::importPairsRequested, this, &MainWindow::chooseAndImportPairs);
    connect(annotate, &AnnotateView::generatePairsRequested, this, &MainWindow::chooseAndGeneratePairs);

    connect(m_jobs, &jobs::JobQueue::started, this, &MainWindow::updateStatusJob);
    connect(m_jobs, &jobs::JobQueue::progressed, this, &MainWindow::updateStatusJob);
    connect(m_jobs, &jobs::JobQueue::finished, this, &MainWindow::onJobFinished);
    connect(m_jobs, &jobs::JobQueue::finished, this,
            [this](jobs::Job *job, const QString &, jobs::JobStatus status) { demoTourJobFinished(job, status); });

    const int w = setting(QStringLiteral("window/width")).toInt();
    const int h = setting(QStringLiteral("window/height")).toInt();
    QSize size(w > 0 ? w : 1360, h > 0 ? h : 860);
    // Never larger than the screen: a 1366x768 laptop would lose the status bar and the jobs dock
    // below its bottom edge.
    if (const QScreen *sc = screen(); sc && sc->availableGeometry().isValid())
        size = size.boundedTo(sc->availableGeometry().size());
    resize(size);
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
    m_demoTourJob = nullptr;   // its cancel below is no user's choice
    m_demoTourFolder.clear();
    setViewsProject(nullptr);
    // The jobs go before the widgets their handlers would reach: cancelled and waited for (the
    // workers record their runs as cancelled), their handlers not called.
    delete m_jobs;
    m_jobs = nullptr;
}

void MainWindow::setReportDialogsEnabled(bool on)
{
    m_reportDialogs = on;
    m_modelJobs->setReportDialogsEnabled(on);
    m_faceJobs->setReportDialogsEnabled(on);
}

void MainWindow::buildViews()
{
    const ViewContext context{m_jobs, m_notify, m_modelJobs, m_faceJobs, m_fineTuneJobs, m_linearizerJobs, m_inversionJobs};
    for (const ViewRegistration &r : registeredViews()) {
        RegisteredView v{r, r.create(context, m_views), nullptr};
        new QListWidgetItem(icon(r.icon), r.title, m_nav);
        // Each view scrolls on its own when the window is smaller than the view's minimum: the
        // stack would otherwise take the largest minimum of all views and push the window past a
        // 1366x768 screen.
        auto *scroll = new QScrollArea(m_views);
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        scroll->setWidget(new ViewFrame(v.widget, scroll));
        m_views->addWidget(scroll);
        m_registered.push_back(v);
    }
    connect(m_nav, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row < 0 || row >= m_registered.size())
            return;
        m_views->setCurrentIndex(row);
        if (m_registered[row].registration.id == View::Annotate)
            annotateView()->setFocus();
        if (m_registered[row].registration.id == View::Errors)
            showCurrentErrors();
    });
}

QWidget *MainWindow::view(View v) const
{
    for (const RegisteredView &r : m_registered)
        if (r.registration.id == v)
            return r.widget;
    return nullptr;
}

AnnotateView *MainWindow::annotateView() const { return qobject_cast<AnnotateView *>(view(View::Annotate)); }
RunsView *MainWindow::runsView() const { return qobject_cast<RunsView *>(view(View::Runs)); }
ModelsView *MainWindow::modelsView() const { return qobject_cast<ModelsView *>(view(View::Models)); }
FacesView *MainWindow::facesView() const { return qobject_cast<FacesView *>(view(View::Faces)); }
EvaluateView *MainWindow::evaluateView() const { return qobject_cast<EvaluateView *>(view(View::Evaluate)); }
ErrorsView *MainWindow::errorsView() const { return qobject_cast<ErrorsView *>(view(View::Errors)); }
TrainingView *MainWindow::trainingView() const { return qobject_cast<TrainingView *>(view(View::Training)); }
LinearizerView *MainWindow::linearizerView() const
{
#ifdef FACELAB_HAVE_LINEARIZER
    return qobject_cast<LinearizerView *>(view(View::Linearizer));
#else
    return nullptr;
#endif
}

InversionView *MainWindow::inversionView() const
{
#ifdef FACELAB_HAVE_INVERSION
    return qobject_cast<InversionView *>(view(View::Inversion));
#else
    return nullptr;
#endif
}

void MainWindow::setViewsProject(const store::ProjectStore *store)
{
    // A view whose first load fails (a damaged table) shows why in place of its content; the
    // other views still get the project.
    for (const RegisteredView &v : std::as_const(m_registered)) {
        try {
            v.registration.setProject(v.widget, store);
            clearViewError(v.widget);
        } catch (const std::exception &e) {
            showViewError(v.widget, e);
        }
    }
    guarded([&] { m_jobsPanel->setProject(store); });
    guarded([&] { m_modelJobs->setProject(store); });
    guarded([&] { m_faceJobs->setProject(store); });
    guarded([&] { m_fineTuneJobs->setProject(store); });
#ifdef FACELAB_HAVE_LINEARIZER
    guarded([&] { m_linearizerJobs->setProject(store); });
#endif
#ifdef FACELAB_HAVE_INVERSION
    guarded([&] { m_inversionJobs->setProject(store); });
#endif
}

void MainWindow::showCurrentErrors()
{
    ErrorsView *errors = errorsView();
    EvaluateView *evaluate = evaluateView();
    if (!m_store || !errors || !evaluate || errors->hasListing())
        return;
    if (evaluate->hasResult() && !evaluate->isLoading()) {
        listCurrentErrors();
        return;
    }
    errors->showEmptyState(tr("Evaluating the current version…"));
    // EvaluateView::evaluated lists them: after the background evaluation, or at once when there
    // is nothing to evaluate. (Not isLoading(): a quick evaluation may be over before it is asked.)
    m_errorsAwaitEvaluation = true;
    evaluate->refresh();
}

void MainWindow::listCurrentErrors()
{
    ErrorsView *errors = errorsView();
    EvaluateView *evaluate = evaluateView();
    if (!m_store || errors->hasListing())
        return;
    if (evaluate->hasResult()) {
        errors->showPairs(evaluate->errorPairs(/*falsePositives=*/true));
        return;
    }
    switch (evaluate->messageAction()) {
    case EvaluateView::MessageAction::AddModel:
        errors->showEmptyState(tr("No model has scored the pairs yet: add one, and its false positives are listed here."),
                               tr("Add the default model"), [this] { m_modelJobs->addDefaultModel(); });
        break;
    case EvaluateView::MessageAction::Embed:
        errors->showEmptyState(tr("The current version has not scored the pairs yet: embed the faces, and its false "
                                  "positives are listed here."),
                               tr("Embed the faces"), [this] { m_modelJobs->embed(0); });
        break;
    case EvaluateView::MessageAction::None:
        errors->showEmptyState(evaluate->message().isEmpty() ? tr("Nothing to list.") : evaluate->message());
        break;
    }
}

void MainWindow::connectModelViews()
{
    // Annotate's model line.
    connect(annotateView(), &AnnotateView::addDefaultModelRequested, m_modelJobs, [this] { m_modelJobs->addDefaultModel(); });
    connect(annotateView(), &AnnotateView::addModelFileRequested, m_modelJobs, &ModelJobs::chooseAndAddModelFile);
    connect(annotateView(), &AnnotateView::embedRequested, m_modelJobs, [this] { m_modelJobs->embed(0); });
    connect(annotateView(), &AnnotateView::thresholdChanged, modelsView(), &ModelsView::refresh);
    // The Models view.
    connect(modelsView(), &ModelsView::currentChanged, this, [this] {
        annotateView()->refreshModel();
        m_modelJobs->updateActions();
    });
    connect(modelsView(), &ModelsView::thresholdChanged, this, [this] { annotateView()->refreshModel(); });
    connect(modelsView(), &ModelsView::currentChanged, evaluateView(), &EvaluateView::invalidate);
    // Evaluate's FP/FN cells and histogram bars open the Errors view; a corrected truth re-evaluates.
    connect(evaluateView(), &EvaluateView::errorsRequested, this, [this](bool falsePositives) {
        errorsView()->showPairs(evaluateView()->errorPairs(falsePositives));
        showView(View::Errors);
    });
    connect(evaluateView(), &EvaluateView::pairsRequested, this, [this](const PairListing &listing) {
        errorsView()->showPairs(listing);
        showView(View::Errors);
    });
    connect(evaluateView(), &EvaluateView::errorsExported, errorsView(), &ErrorsView::setSuggestedFolder);
    connect(errorsView(), &ErrorsView::truthCorrected, evaluateView(), &EvaluateView::evaluate);
    connect(errorsView(), &ErrorsView::backRequested, this, [this] { showView(View::Evaluate); });
    connect(evaluateView(), &EvaluateView::evaluated, this, [this] {
        if (std::exchange(m_errorsAwaitEvaluation, false))
            listCurrentErrors();
    });
    // Evaluate's empty state: its button does what its line asks.
    connect(evaluateView(), &EvaluateView::addDefaultModelRequested, m_modelJobs, [this] { m_modelJobs->addDefaultModel(); });
    connect(evaluateView(), &EvaluateView::embedRequested, m_modelJobs, [this](qint64 id) { m_modelJobs->embed(id); });
    // Errors showing what is missing follows a model being added or the faces being embedded.
    const auto errorsFollow = [this] {
        if (m_store && m_views->currentWidget() && m_views->currentWidget()->isAncestorOf(errorsView()))
            QTimer::singleShot(0, this, &MainWindow::showCurrentErrors);
    };
    connect(m_modelJobs, &ModelJobs::modelsChanged, this, errorsFollow);
    connect(m_modelJobs, &ModelJobs::scoresChanged, this, errorsFollow);
    connect(m_modelJobs, &ModelJobs::embeddingChanged, evaluateView(), [this](qint64 id) {
        if (id == 0)
            evaluateView()->invalidate();
    });
    connect(modelsView(), &ModelsView::embedRequested, m_modelJobs, [this](qint64 id) { m_modelJobs->embed(id); });
    connect(modelsView(), &ModelsView::exportRequested, m_modelJobs, &ModelJobs::chooseAndExport);
    // Model jobs finishing.
    connect(m_modelJobs, &ModelJobs::modelsChanged, this, [this] {
        modelsView()->refresh();
        annotateView()->refreshModel();
    });
    connect(m_modelJobs, &ModelJobs::scoresChanged, this, [this] {
        modelsView()->refresh();
        annotateView()->refreshModel(/*scoresUpdated=*/true);
    });
    // Mined hard pairs (after an embedding or a fine-tuned child): Annotate asks them first.
    connect(m_modelJobs, &ModelJobs::pairsMined, this, [this] {
        modelsView()->refresh();
        annotateView()->refreshModel(/*scoresUpdated=*/true);
        evaluateView()->invalidate();
    });
    connect(m_modelJobs, &ModelJobs::facesChanged, facesView(), &FacesView::refresh);
    connect(m_modelJobs, &ModelJobs::embeddingChanged, modelsView(), &ModelsView::setEmbedding);
    connect(m_modelJobs, &ModelJobs::showModelsRequested, this, [this](qint64 id) {
        showView(View::Models);
        if (id > 0)
            modelsView()->selectVersion(id);
    });
    // Faces.
    connect(facesView(), &FacesView::chooseFaceRequested, m_faceJobs, &FaceJobs::chooseFace);
    connect(facesView(), &FacesView::importIdentitiesRequested, this, &MainWindow::chooseAndImportIdentities);
    connect(m_faceJobs, &FaceJobs::realigning, facesView(), &FacesView::setRealigning);
    connect(m_faceJobs, &FaceJobs::facesChanged, this, [this] {
        facesView()->refresh();
        modelsView()->refresh();
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
    edit->addAction(annotateView()->undoAction());

    // View
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("menuView"));
    view->setToolTipsVisible(true);
    for (RegisteredView &v : m_registered) {
        const ViewRegistration &r = v.registration;
        QString name = r.name;
        name[0] = name[0].toUpper();
        v.action = make(QStringLiteral("actionView") + name, QStringLiteral("&") + r.title, r.icon, r.shortcut);
        connect(v.action, &QAction::triggered, this, [this, id = r.id] { showView(id); });
        view->addAction(v.action);
    }
    view->addSeparator();
    view->addAction(annotateView()->showIdentitiesAction());
    view->addAction(annotateView()->showModelBeforeVerdictAction());
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
            annotateView()->refreshModel(/*scoresUpdated=*/true);
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
#ifdef FACELAB_HAVE_LINEARIZER
    // A surrogate needs a model to imitate: enabled with a project that has a (non-surrogate) version.
    auto linearizerTip = [this](bool model) {
        m_actLinearizer->setToolTip(model ? tr("Fit a linear surrogate f(x) = g_y⁻¹(A g_x(x)) of a model version, then "
                                               "take it apart in the Linearizer view.")
                                          : tr("Needs a model version to imitate: add one under Models, then fit a "
                                               "linear surrogate f(x) = g_y⁻¹(A g_x(x)) of it."));
        m_actLinearizer->setStatusTip(m_actLinearizer->toolTip());
    };
    linearizerTip(false);
    training->addAction(m_actLinearizer);
    connect(m_actLinearizer, &QAction::triggered, this, [this] {
        showView(View::Linearizer);
        m_linearizerJobs->chooseAndTrain();
    });
    connect(training, &QMenu::aboutToShow, this, [this, linearizerTip] {
        bool model = false;
        if (m_store)
            for (const auto &v : store::ModelTable(*m_store).versions())
                model = model || v.family != QLatin1String("linearizer");
        m_actLinearizer->setEnabled(model);
        linearizerTip(model);
    });
    m_actLinearizer->setEnabled(false);
    QList<QAction *> placeholders;
#else
    QList<QAction *> placeholders{m_actLinearizer};
#endif
#ifdef FACELAB_HAVE_INVERSION
    // Inverting needs a model version: enabled with a project that has one.
    auto invertTip = [this](bool model) {
        m_actInvert->setToolTip(model ? tr("Images of what a model version thinks an identity (or the person in an "
                                           "image) looks like, kept in the project and shown in the Inversion view.")
                                      : tr("Needs a model version: add one under Models, then invert it into images "
                                           "of what it thinks an identity looks like."));
        m_actInvert->setStatusTip(m_actInvert->toolTip());
    };
    invertTip(false);
    m_actInvert->setEnabled(false);
    training->addAction(m_actInvert);
    connect(m_actInvert, &QAction::triggered, this, [this] {
        showView(View::Inversion);
        m_inversionJobs->chooseAndInvert(inversionView()->gallery().identity);
    });
    connect(training, &QMenu::aboutToShow, this, [this, invertTip] {
        const bool model = m_store && !store::ModelTable(*m_store).versions().isEmpty();
        m_actInvert->setEnabled(model);
        invertTip(model);
    });
#else
    placeholders << m_actInvert;
#endif
    for (QAction *a : placeholders) {
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

    m_projectActions = {m_actImportIds, m_actImportPairs, m_actClose, m_actGenerate};
    for (const RegisteredView &v : std::as_const(m_registered))
        m_projectActions << v.action;
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
        const auto active = m_jobs->active();
        m_jobLabel->setText(tr("Cancelling…"));
        if (!active.isEmpty())
            active.back()->cancel();
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
    // Views drop their references to the old store before it goes; its jobs go with it.
    const QString previous = m_store ? m_store->folder() : QString();
    setViewsProject(nullptr);
    m_store = std::move(st);
    if (previous != m_store->folder())
        m_jobs->cancelProject(previous);
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
    const QString folder = m_store->folder();
    setViewsProject(nullptr);
    m_store.reset();
    // Its jobs stop with it (their handlers see no project and only notify).
    m_jobs->cancelProject(folder);
    RecentProjects::setLast({});
    m_start->refreshRecent();
    m_central->setCurrentWidget(m_start);
    updateProjectState();
}

void MainWindow::showView(View v)
{
    if (!m_store)
        return;
    for (int row = 0; row < m_registered.size(); ++row)
        if (m_registered[row].registration.id == v)
            m_nav->setCurrentRow(row);
}

void MainWindow::updateDockVisibility()
{
    // The jobs dock lists the project's runs: on the start page it only appears while a job runs.
    const bool wanted = !m_dockHiddenByUser && (m_store || m_jobs->hasActive());
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
    if (const data::PairQueue *q = annotateView()->queue())
        text += tr(" · %1 pairs · %2 labelled").arg(QLocale().toString(q->total()), QLocale().toString(q->labelled()));
    m_projectLabel->setText(text);
    m_projectLabel->setToolTip(QDir::toNativeSeparators(m_store->folder()));
}

void MainWindow::updateStatusJob()
{
    updateDockVisibility();
    const QList<jobs::Job *> active = m_jobs->active();
    const bool busy = !active.isEmpty();
    m_jobLabel->setVisible(busy);
    m_jobBar->setVisible(busy);
    m_jobCancel->setVisible(busy);
    if (!busy)
        return;
    jobs::Job *job = active.back();
    const qint64 total = job->total(), done = job->done();
    QString text = job->title();
    if (job->status() != jobs::JobStatus::Running)
        text += QStringLiteral(" · ") + jobs::statusName(job->status());
    else if (!job->what().isEmpty())
        text += QStringLiteral(" · ") + job->what();
    if (active.size() > 1)
        text += tr(" (+%1 more)").arg(active.size() - 1);
    if (total > 0) {
        m_jobBar->setRange(0, 1000);
        m_jobBar->setValue(int(done * 1000 / total));
        text += QStringLiteral("  %1%").arg(done * 100 / total);
    } else {
        m_jobBar->setRange(0, 0);
    }
    m_jobLabel->setText(text);
    if (m_demoPending && job->kind() == jobs::JobKind::BuildDemo)
        m_start->setDemoProgress(true, total > 0 ? int(done * 100 / total) : -1, job->what());
}

void MainWindow::onJobFinished(jobs::Job *job, const QString &title, jobs::JobStatus status, const QString &error)
{
    Q_UNUSED(job);
    // The finished job has left the queue's active list already.
    updateStatusJob();
    if (!isActiveWindow())
        QApplication::alert(this);
    if (status == jobs::JobStatus::Done)
        statusBar()->showMessage(tr("Finished: %1").arg(title), 6000);
    else if (status == jobs::JobStatus::Cancelled)
        statusBar()->showMessage(tr("Cancelled: %1").arg(title), 6000);
    else
        statusBar()->showMessage(tr("Failed: %1: %2").arg(title, error), 10000);
}

jobs::Job *MainWindow::importIdentities(const QString &dir)
{
    if (!m_store)
        return nullptr;
    const QString folder = m_store->folder();
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::ImportIdentities, tr("Importing identities from %1").arg(shortPathName(dir)),
                      {{QStringLiteral("dir"), dir}}, {}, folder},
        [folder, dir](jobs::JobContext &ctx) {
            const store::ProjectStore st = store::ProjectStore::open(folder);
            return data::importIdentityFolders(st, dir, ctx);   // it logs its summary
        },
        [this, dir, folder](jobs::Job &job) {
            const bool same = m_store && m_store->folder() == folder;
            if (same)
                annotateView()->reloadQueue();
            const QString what = tr("Import of %1").arg(shortPathName(dir));
            const data::ImportReport *report = job.result<data::ImportReport>();
            if (job.status() == jobs::JobStatus::Done && report) {
                m_notify->showMessage(report->problems.isEmpty() ? NotificationBar::Kind::Success
                                                                 : NotificationBar::Kind::Warning,
                                      tr("%1 finished: %2").arg(what, report->summary()),
                                      same && annotateView()->queue() && annotateView()->queue()->isEmpty()
                                          ? tr("Generate pairs…")
                                          : QString(),
                                      [this] { chooseAndGeneratePairs(); }, report->problems.isEmpty() ? 12000 : 0);
                if (m_reportDialogs) {
                    auto *d = ReportDialog::forImport(what, *report, this);
                    d->setAttribute(Qt::WA_DeleteOnClose);
                    d->open();
                }
            } else if (job.status() == jobs::JobStatus::Cancelled) {
                m_notify->showMessage(NotificationBar::Kind::Info,
                                      tr("%1 cancelled. Images imported before the cancel are kept.").arg(what), {}, {},
                                      10000);
            } else {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("%1 failed: %2").arg(what, job.error()));
            }
            updateProjectState();
        });
}

jobs::Job *MainWindow::importPairs(const QString &file, const QString &imagesRoot)
{
    if (!m_store)
        return nullptr;
    const QString folder = m_store->folder();
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::ImportPairs, tr("Importing pairs from %1").arg(shortPathName(file)),
                      {{QStringLiteral("file"), file}, {QStringLiteral("root"), imagesRoot}}, {}, folder},
        [folder, file, imagesRoot](jobs::JobContext &ctx) {
            const store::ProjectStore st = store::ProjectStore::open(folder);
            return data::importPairsFile(st, file, imagesRoot, ctx);   // it logs its summary
        },
        [this, file, folder](jobs::Job &job) {
            if (m_store && m_store->folder() == folder)
                annotateView()->reloadQueue();
            const QString what = tr("Import of %1").arg(shortPathName(file));
            const data::ImportReport *report = job.result<data::ImportReport>();
            if (job.status() == jobs::JobStatus::Done && report) {
                m_notify->showMessage(report->problems.isEmpty() ? NotificationBar::Kind::Success
                                                                 : NotificationBar::Kind::Warning,
                                      tr("%1 finished: %2").arg(what, report->summary()), {}, {},
                                      report->problems.isEmpty() ? 12000 : 0);
                if (m_reportDialogs) {
                    auto *d = ReportDialog::forImport(what, *report, this);
                    d->setAttribute(Qt::WA_DeleteOnClose);
                    d->open();
                }
            } else if (job.status() == jobs::JobStatus::Cancelled) {
                m_notify->showMessage(NotificationBar::Kind::Info, tr("%1 cancelled.").arg(what), {}, {}, 10000);
            } else {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("%1 failed: %2").arg(what, job.error()));
            }
            updateProjectState();
        });
}

jobs::Job *MainWindow::generatePairs(const data::PairGenOptions &opt)
{
    if (!m_store)
        return nullptr;
    const QString folder = m_store->folder();
    const QJsonObject params{{QStringLiteral("pairs"), opt.pairs},
                             {QStringLiteral("identities"), opt.identities},
                             {QStringLiteral("seed"), QString::number(opt.seed)},
                             {QStringLiteral("split"), data::splitMethodName(opt.split)},
                             {QStringLiteral("train"), opt.trainFraction},
                             {QStringLiteral("validation"), opt.validationFraction}};
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::GeneratePairs, tr("Generating %1 pairs").arg(QLocale().toString(opt.pairs)), params,
                      {}, folder},
        [folder, opt](jobs::JobContext &ctx) {
            const store::ProjectStore st = store::ProjectStore::open(folder);
            ctx.setProgress(0, 0, tr("drawing pairs"));
            const data::PairGenReport report = data::generatePairs(st, opt);
            ctx.log(QString::fromUtf8(QJsonDocument(report.toJson()).toJson(QJsonDocument::Compact)));
            return report;
        },
        [this, folder](jobs::Job &job) {
            if (m_store && m_store->folder() == folder)
                annotateView()->reloadQueue();
            const data::PairGenReport *report = job.result<data::PairGenReport>();
            if (job.status() == jobs::JobStatus::Done && report) {
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
            } else if (job.status() == jobs::JobStatus::Failed) {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Pair generation failed: %1").arg(job.error()));
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
        jobs::JobSpec{jobs::JobKind::BuildDemo, tr("Preparing the demo project"), {}, {}, {}},
        [](jobs::JobContext &ctx) { return data::ensureDemoProject(ctx); },
        [this](jobs::Job &job) {
            m_demoPending = false;
            m_start->setDemoProgress(false);
            if (job.status() == jobs::JobStatus::Done) {
                if (openProject(*job.result<QString>()))
                    startDemoTour();
            } else if (job.status() == jobs::JobStatus::Failed) {
                QMessageBox::warning(this, tr("Demo project unavailable"),
                                     tr("The demo project could not be prepared.\n\n%1").arg(job.error()));
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
                     {annotateView()->sameAction(), annotateView()->differentAction(), annotateView()->skipAction(),
                      annotateView()->backAction(), annotateView()->forwardAction(), annotateView()->undoAction(),
                      annotateView()->showIdentitiesAction()}});
    sections.append({tr("Project"), {m_actNew, m_actOpen, m_actImportIds, m_actImportPairs, m_actGenerate, m_actClose}});
    sections.append({tr("Models"),
                     {m_modelJobs->addFileAction(), m_modelJobs->addDefaultAction(), m_modelJobs->embedAction(),
                      m_faceJobs->findFacesAction(), m_modelJobs->exportAction()}});
    QList<QAction *> window;
    for (const RegisteredView &v : std::as_const(m_registered))
        if (!v.registration.shortcut.isEmpty())
            window << v.action;
    window << m_jobsDock->toggleViewAction() << m_actShortcuts << m_actQuit;
    sections.append({tr("Window"), window});
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
    const int n = int(m_jobs->active().size());
    if (n > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Jobs are running"),
            tr("%n job(s) are still running. Cancel and quit? (Cancelled runs are recorded as cancelled.)", nullptr, n),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            e->ignore();
            return;
        }
        // A demo tour cut short by quitting goes on the next time the demo opens.
        m_demoTourJob = nullptr;
        m_demoTourFolder.clear();
        m_jobs->cancelAllAndWait();
    }
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    e->accept();
}

} // namespace facelab::ui

// Main window smoke test: menus and their actions, disabled Training actions that say what they
// need, the start page, opening a project, and imports / generation running as recorded jobs
// with a report afterwards.
#include "UiTestProject.h"

#include "data/PairQueue.h"
#include "jobs/JobQueue.h"
#include "store/RunTable.h"
#include "ui/MainWindow.h"
#include "ui/ViewRegistry.h"
#include "ui/RecentProjects.h"
#include "ui/Resources.h"
#include "ui/annotate/AnnotateView.h"
#include "ui/dialogs/ReportDialog.h"
#include "ui/dialogs/ShortcutsDialog.h"
#include "ui/errors/ErrorsView.h"
#include "ui/jobs/JobsPanel.h"
#include "ui/start/StartPage.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QImage>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QScrollArea>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableWidget>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QToolTip>
#include <QHelpEvent>
#include <QToolButton>
#include <QTreeWidget>

using namespace facelab;
using facelab::test::UiTestProject;

namespace {
QStringList actionNames(const QMenu *m)
{
    QStringList names;
    for (const QAction *a : m->actions())
        if (!a->isSeparator())
            names << (a->menu() ? a->menu()->objectName() : a->objectName());
    return names;
}
} // namespace

class TestUiMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::initResources();
    }

    void menusAndActions()
    {
        ui::MainWindow w;
        auto *file = w.findChild<QMenu *>(QStringLiteral("menuFile"));
        auto *pairs = w.findChild<QMenu *>(QStringLiteral("menuPairs"));
        auto *training = w.findChild<QMenu *>(QStringLiteral("menuTraining"));
        auto *help = w.findChild<QMenu *>(QStringLiteral("menuHelp"));
        QVERIFY(file && pairs && training && help);

        const QStringList fileActions = actionNames(file);
        for (const char *n : {"actionNewProject", "actionOpenProject", "menuRecent", "actionImportIdentities",
                              "actionImportPairs", "actionQuit"})
            QVERIFY2(fileActions.contains(QLatin1String(n)), n);
        QVERIFY(actionNames(pairs).contains(QStringLiteral("actionGeneratePairs")));
        QVERIFY(actionNames(help).contains(QStringLiteral("actionShortcuts")));
        QVERIFY(actionNames(help).contains(QStringLiteral("actionAbout")));

        // Training: every action disabled, with a tooltip saying what it needs, and shown.
        QVERIFY(training->toolTipsVisible());
        const QStringList trainingActions = actionNames(training);
        QCOMPARE(trainingActions, (QStringList{"actionFineTune", "actionTrainLinearizer", "actionInvertIdentity"}));
        for (QAction *a : training->actions()) {
            QVERIFY2(!a->isEnabled(), qPrintable(a->objectName()));
            QVERIFY2(a->toolTip().startsWith(QStringLiteral("Needs")), qPrintable(a->toolTip()));
            QVERIFY(a->toolTip() != a->text());
        }
        // The tooltip really shows when hovering a disabled entry.
        w.show();
        training->popup(w.mapToGlobal(QPoint(200, 20)));
        QTRY_VERIFY(training->isVisible());
        const QRect fineTune = training->actionGeometry(training->actions().value(0));
        QHelpEvent tip(QEvent::ToolTip, fineTune.center(), training->mapToGlobal(fineTune.center()));
        QCoreApplication::sendEvent(training, &tip);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().startsWith(QStringLiteral("Needs a model")), qPrintable(QToolTip::text()));
        QToolTip::hideText();
        training->hide();

        // Project actions wait for a project.
        QVERIFY(!w.findChild<QAction *>(QStringLiteral("actionImportIdentities"))->isEnabled());
        QVERIFY(!w.findChild<QAction *>(QStringLiteral("actionGeneratePairs"))->isEnabled());
        QVERIFY(w.findChild<QAction *>(QStringLiteral("actionNewProject"))->isEnabled());
        QVERIFY(w.findChild<QAction *>(QStringLiteral("actionNewProject"))->shortcut() == QKeySequence::New);

        // Help > Keyboard shortcuts lists the annotate keys as the buttons show them.
        w.findChild<QAction *>(QStringLiteral("actionShortcuts"))->trigger();
        auto *dlg = w.findChild<ui::ShortcutsDialog *>();
        QVERIFY(dlg);
        const auto same = dlg->tree()->findItems(QStringLiteral("Same person"), Qt::MatchContains, 0);
        QCOMPARE(same.size(), 1);
        QCOMPARE(same[0]->text(1), QStringLiteral("S or ←"));
        const auto undo = dlg->tree()->findItems(QStringLiteral("Undo"), Qt::MatchContains, 0);
        QVERIFY(!undo.isEmpty());
        dlg->close();
    }

    void startPageThenProject()
    {
        auto p = UiTestProject::withImages(3, 3, 6);
        ui::RecentProjects::clear();
        ui::MainWindow w;
        w.show();
        auto *central = w.findChild<QStackedWidget *>();
        QVERIFY(central);
        QVERIFY(w.startPage()->isVisible());
        QVERIFY(w.findChild<QWidget *>(QStringLiteral("demoProjectCard")));
        QCOMPARE(w.startPage()->recentList()->count(), 0);

        QVERIFY(!w.openProject(QDir(p->tmp.path()).filePath(QStringLiteral("nope")), false, /*quiet=*/true));
        QVERIFY(w.startPage()->isVisible());

        QVERIFY(w.openProject(p->folder));
        QVERIFY(!w.startPage()->isVisible());
        QVERIFY(w.annotateView()->isVisible());
        QCOMPARE(w.navigation()->count(), int(ui::registeredViews().size()));   // one row per registered view
        QCOMPARE(w.navigation()->item(0)->text(), QStringLiteral("Annotate"));
        QCOMPARE(w.annotateView()->queue()->size(), 6);
        QVERIFY(w.findChild<QAction *>(QStringLiteral("actionGeneratePairs"))->isEnabled());
        QVERIFY(w.windowTitle().contains(QStringLiteral("project")));
        QCOMPARE(ui::RecentProjects::list().value(0), QDir::cleanPath(p->folder));
        QVERIFY(w.jobsDock() && !w.jobsDock()->isHidden());

        w.closeProject();
        QVERIFY(w.startPage()->isVisible());
        QCOMPARE(w.startPage()->recentList()->count(), 1);
        QVERIFY(!w.findChild<QAction *>(QStringLiteral("actionGeneratePairs"))->isEnabled());
    }

    void importAndGenerateRunAsJobs()
    {
        // An empty project, and an identity folder with one file that is not an image.
        auto p = UiTestProject::withImages(1, 1, 0);
        const QString faces = QDir(p->tmp.path()).filePath(QStringLiteral("more"));
        for (int i = 0; i < 4; ++i) {
            const QString dir = QDir(faces).filePath(QStringLiteral("Face_%1").arg(i));
            QDir().mkpath(dir);
            for (int j = 0; j < 3; ++j) {
                QImage img(64, 80, QImage::Format_RGB32);
                img.fill(QColor::fromHsv(i * 80, 100 + j * 40, 200));
                img.save(QDir(dir).filePath(QStringLiteral("img%1.png").arg(j)));
            }
        }
        {
            QFile bad(QDir(faces).filePath(QStringLiteral("Face_0/broken.jpg")));
            QVERIFY(bad.open(QIODevice::WriteOnly));
            bad.write("not a jpeg");
        }

        ui::MainWindow w;
        w.show();
        QVERIFY(w.openProject(p->folder));
        QCOMPARE(w.annotateView()->page(), ui::AnnotateView::Page::Empty);

        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        QVERIFY(w.importIdentities(faces));
        QVERIFY(w.jobQueue()->hasActive());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QCOMPARE(jobs::statusName(done[0][2].value<jobs::JobStatus>()), QStringLiteral("done"));
        // A report lists the problem file.
        ui::ReportDialog *report = nullptr;
        QTRY_VERIFY((report = w.findChild<ui::ReportDialog *>()) != nullptr);
        QVERIFY(report->problemCount() >= 1);
        bool named = false;
        for (int r = 0; r < report->problemsTable()->rowCount(); ++r)
            named |= report->problemsTable()->item(r, 0)->text().contains(QStringLiteral("broken.jpg"));
        QVERIFY(named);
        report->close();
        QTest::qWait(10);

        w.setReportDialogsEnabled(false);
        data::PairGenOptions opt;
        opt.pairs = 12;
        opt.identities = 0;
        opt.seed = 7;
        QVERIFY(w.generatePairs(opt));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, 20000);
        QCOMPARE(jobs::statusName(done[1][2].value<jobs::JobStatus>()), QStringLiteral("done"));
        QCOMPARE(w.annotateView()->page(), ui::AnnotateView::Page::Pair);
        QVERIFY(w.annotateView()->queue()->size() > 0);

        // A pairs list (CSV) with one line that names a missing image: imported, problem reported
        // with its line number.
        const QString csv = QDir(p->tmp.path()).filePath(QStringLiteral("pairs.csv"));
        {
            QFile f(csv);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Text));
            f.write("path1,path2,same\n"
                    "more/Face_1/img0.png,more/Face_1/img2.png,1\n"
                    "more/Face_1/img0.png,more/Face_2/img1.png,0\n"
                    "more/Face_3/img0.png,more/Face_3/missing.png,1\n");
        }
        const int before = w.annotateView()->queue()->size();
        w.setReportDialogsEnabled(true);
        QVERIFY(w.importPairs(csv, p->tmp.path()));
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 20000);
        QCOMPARE(jobs::statusName(done[2][2].value<jobs::JobStatus>()), QStringLiteral("done"));
        ui::ReportDialog *pairsReport = nullptr;
        QTRY_VERIFY((pairsReport = w.findChild<ui::ReportDialog *>()) != nullptr);
        QCOMPARE(pairsReport->problemCount(), 1);
        QCOMPARE(pairsReport->problemsTable()->item(0, 1)->text(), QStringLiteral("4"));
        pairsReport->close();
        QVERIFY(w.annotateView()->queue()->size() >= before);

        // Every run is recorded and listed in the jobs panel.
        const auto runs = store::RunTable(*w.project()).recent();
        QStringList kinds;
        for (const auto &r : runs)
            kinds << r.kind + QLatin1Char(':') + r.status;
        QVERIFY2(kinds.contains(QStringLiteral("import-identities:done")), qPrintable(kinds.join(',')));
        QVERIFY2(kinds.contains(QStringLiteral("generate-pairs:done")), qPrintable(kinds.join(',')));
        QVERIFY2(kinds.contains(QStringLiteral("import-pairs:done")), qPrintable(kinds.join(',')));
        QTRY_VERIFY(w.jobsPanel()->tree()->topLevelItemCount() >= 3);
    }

    void cancelAJob()
    {
        auto p = UiTestProject::withImages(2, 2, 2);
        ui::MainWindow w;
        QVERIFY(w.openProject(p->folder));
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        w.jobQueue()->start(jobs::JobSpec{jobs::JobKind::GeneratePairs, QStringLiteral("Waiting"), {}, {}, p->folder},
                            [](jobs::JobContext &ctx) {
                                for (int i = 0; i < 1000; ++i) {
                                    ctx.checkCanceled();
                                    ctx.setProgress(i, 1000);
                                    QThread::msleep(5);
                                }
                            });
        QTest::qWait(50);
        auto *cancel = w.jobsPanel()->findChild<QToolButton *>(QStringLiteral("cancelJobButton"));
        QVERIFY(cancel);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 10000);
        QCOMPARE(jobs::statusName(done[0][2].value<jobs::JobStatus>()), QStringLiteral("cancelled"));
    }

    void closingTheProjectCancelsItsJobs()
    {
        auto p = UiTestProject::withImages(2, 2, 2);
        ui::MainWindow w;
        QVERIFY(w.openProject(p->folder));
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        auto loop = [](jobs::JobContext &ctx) {
            for (;;) {
                ctx.checkCanceled();
                QThread::msleep(2);
            }
        };
        jobs::Job *running = w.jobQueue()->start(
            jobs::JobSpec{jobs::JobKind::FindFaces, QStringLiteral("Looping"), {}, {}, p->folder}, loop);
        w.jobQueue()->start(jobs::JobSpec{jobs::JobKind::Embed, QStringLiteral("After it"), {}, {}, p->folder}, loop, {},
                            {running});
        QTRY_COMPARE(running->status(), jobs::JobStatus::Running);
        w.closeProject();
        // Gone when closeProject returns: the running one waited for, the waiting one never started.
        QVERIFY(!w.jobQueue()->hasActive());
        QCOMPARE(done.count(), 2);
        const store::ProjectStore st = store::ProjectStore::open(p->folder);
        const auto runs = store::RunTable(st).recent();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs[0].kind, QStringLiteral("find-faces"));
        QCOMPARE(runs[0].status, QStringLiteral("cancelled"));
    }

    void everyRegisteredViewHasARowAMenuEntryAndAProject()
    {
        auto p = UiTestProject::withImages(2, 2, 2);
        ui::MainWindow w;
        QVERIFY(w.openProject(p->folder));
        const QVector<ui::ViewRegistration> views = ui::registeredViews();
        QCOMPARE(w.navigation()->count(), views.size());
        QStackedWidget *stack = nullptr;
        for (QWidget *up = w.view(views.first().id); up && !stack; up = up->parentWidget())
            stack = qobject_cast<QStackedWidget *>(up);
        QVERIFY(stack);
        // Each view sits in its own scroll area (in a frame that sizes it): what the stack shows holds it.
        auto shows = [stack](QWidget *view) {
            auto *scroll = qobject_cast<QScrollArea *>(stack->currentWidget());
            QWidget *shown = scroll ? scroll->widget() : stack->currentWidget();
            return view && (shown == view || shown->isAncestorOf(view));
        };
        for (int row = 0; row < views.size(); ++row) {
            QCOMPARE(w.navigation()->item(row)->text(), views[row].title);
            QString name = views[row].name;
            name[0] = name[0].toUpper();
            QAction *a = w.findChild<QAction *>(QStringLiteral("actionView") + name);
            QVERIFY2(a && a->isEnabled(), qPrintable(name));
            a->trigger();
            QCOMPARE(w.navigation()->currentRow(), row);
            QVERIFY2(shows(w.view(views[row].id)), qPrintable(name));
        }
        w.showView(ui::MainWindow::View::Errors);
        QVERIFY(shows(w.errorsView()));
        // However large a view's minimum, the window fits a 1366x768 screen.
        QVERIFY2(w.minimumSizeHint().width() <= 1366 && w.minimumSizeHint().height() <= 768,
                 qPrintable(QStringLiteral("%1x%2").arg(w.minimumSizeHint().width()).arg(w.minimumSizeHint().height())));
    }
};

QTEST_MAIN(TestUiMainWindow)
#include "test_ui_mainwindow.moc"

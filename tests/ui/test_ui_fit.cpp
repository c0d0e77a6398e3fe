// Every view of the main window on a 1366x768 screen (a common laptop) with the jobs dock open:
// nothing cut off by the window's right edge, no view that has to scroll, and each empty state
// saying what to do with the button that does it. Then, when the real default model is installed,
// the same views with a scored model, the Errors view listing the current version's false
// positives when opened from the navigation, and the jobs panel naming jobs as a person would.
// The project holds real faces (../shared/data/faces112). With FACELAB_SHOTS_DIR set, a
// screenshot of each view is written there (for looking at them; never compared). Last, the
// demo's first run: the default model added and the faces embedded as jobs, the queue ordered by
// uncertainty, fine-tuning chained after, and a cancel that ends the chain.
#include "DataPaths.h"
#include "data/DemoProject.h"
#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "data/QueueStrategy.h"
#include "eval/Evaluation.h"
#include "finetune/ChildVerdict.h"
#include "finetune/FineTuneReportFile.h"
#include "jobs/JobContext.h"
#include "jobs/JobQueue.h"
#include "store/FeedbackTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"
#include "store/ProjectStore.h"
#include "store/ScoreTable.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/ViewRegistry.h"
#include "ui/errors/ErrorsView.h"
#include "ui/evaluate/EvaluateView.h"
#include "ui/jobs/JobsPanel.h"
#include "ui/models/ModelEngine.h"
#include "ui/models/ModelJobs.h"
#include "ui/training/FineTuneEngine.h"
#include "ui/training/TrainingView.h"
#include "ui/widgets/NotificationBar.h"

#include <QAbstractScrollArea>
#include <cmath>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QScopeGuard>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace facelab;

namespace {

constexpr int kScreenW = 1366, kScreenH = 768;

// people x images of ../shared/data/faces112, copied into dir/faces (one folder per person), made
// a project with generated pairs; every third pair labelled with its truth.
QString makeProject(const QString &dir, int people, int images)
{
    const QDir src(QStringLiteral(FACELAB_SOURCE_DIR "/../shared/data/faces112"));
    const QStringList names = src.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    if (names.size() < people)
        return {};
    const QString faces = QDir(dir).filePath(QStringLiteral("faces"));
    for (int i = 0; i < people; ++i) {
        const QDir person(src.filePath(names[i]));
        QDir().mkpath(QDir(faces).filePath(names[i]));
        const QStringList files = person.entryList(QDir::Files, QDir::Name).mid(0, images);
        for (const QString &f : files)
            QFile::copy(person.filePath(f), QDir(faces).filePath(names[i] + QLatin1Char('/') + f));
    }
    const QString folder = QDir(dir).filePath(QStringLiteral("project"));
    const store::ProjectStore st = store::ProjectStore::open(folder, true);
    jobs::PlainJobContext ctx;
    data::importIdentityFolders(st, faces, ctx);
    data::PairGenOptions opt;
    opt.pairs = 60;
    opt.identities = 0;
    opt.seed = 3;
    data::generatePairs(st, opt);
    const store::FeedbackTable feedback(st);
    int i = 0;
    for (const store::PairRecord &p : store::PairTable(st).all())
        if (i++ % 3 == 0 && p.truth)
            feedback.add(p.id, *p.truth ? store::Verdict::Same : store::Verdict::Different);
    return folder;
}

void pump(int ms)
{
    QTest::qWait(ms);
}

void screenshot(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("FACELAB_SHOTS_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    w->grab().save(QDir(dir).filePath(name + QStringLiteral(".png")));
}

QString describe(const QWidget *w)
{
    QString s = QString::fromLatin1(w->metaObject()->className());
    if (!w->objectName().isEmpty())
        s += QLatin1Char(' ') + w->objectName();
    if (const auto *b = qobject_cast<const QAbstractButton *>(w); b && !b->text().isEmpty())
        s += QStringLiteral(" \"%1\"").arg(b->text());
    return s;
}

// Inside a list, tree or scroll area other than the view's own: scrolled there, not cut off.
bool insideScrolledContent(const QWidget *w, const QWidget *view)
{
    for (const QWidget *p = w->parentWidget(); p && p != view; p = p->parentWidget())
        if (qobject_cast<const QAbstractScrollArea *>(p))
            return true;
    return false;
}

// What is cut off in the shown view: the window's right edge crossing a widget, the view needing
// to scroll (sideways, or down unless allowDown), or a scroll area inside it whose content is
// wider than it.
QStringList clipping(ui::MainWindow &w, QWidget *view, bool allowDown = false, bool innerPagesMayScroll = true)
{
    QStringList problems;
    // The scroll area the window puts each view in.
    QScrollArea *scroll = nullptr;
    for (QWidget *p = view->parentWidget(); p && !scroll; p = p->parentWidget())
        scroll = qobject_cast<QScrollArea *>(p);
    if (scroll && scroll->widget()) {
        if (scroll->horizontalScrollBar()->maximum() > 0)
            problems << QStringLiteral("the view scrolls sideways: it is %1 px wide, the window gives it %2")
                            .arg(scroll->widget()->width())
                            .arg(scroll->viewport()->width());
        if (!allowDown && scroll->verticalScrollBar()->maximum() > 0)
            problems << QStringLiteral("the view scrolls down: it is %1 px high, the window gives it %2")
                            .arg(scroll->widget()->height())
                            .arg(scroll->viewport()->height());
    }
    const int right = w.width();
    for (QWidget *c : view->findChildren<QWidget *>()) {
        if (!c->isVisibleTo(&w) || insideScrolledContent(c, view))
            continue;
        const QRect r(c->mapTo(&w, QPoint(0, 0)), c->size());
        if (r.right() >= right)
            problems << QStringLiteral("%1 ends at x = %2, past the window's right edge (%3)")
                            .arg(describe(c))
                            .arg(r.right() + 1)
                            .arg(right);
    }
    for (QScrollArea *sa : view->findChildren<QScrollArea *>()) {
        if (!sa->isVisibleTo(&w) || !sa->widgetResizable())
            continue;
        if (sa->horizontalScrollBar()->maximum() > 0)
            problems << QStringLiteral("%1 holds content %2 px wider than itself")
                            .arg(describe(sa))
                            .arg(sa->horizontalScrollBar()->maximum());
        // A page of the view in a scroll area of its own (not a list): scrolling it down is scrolling.
        if (!innerPagesMayScroll && sa->verticalScrollBar()->maximum() > 0)
            problems << QStringLiteral("%1 scrolls down: its content is %2 px higher than itself")
                            .arg(describe(sa))
                            .arg(sa->verticalScrollBar()->maximum());
    }
    return problems;
}

// Shows each registered view, saves its screenshot and returns what is cut off, per view.
QStringList checkEveryView(ui::MainWindow &w, const QString &suffix)
{
    QStringList problems;
    for (const ui::ViewRegistration &r : ui::registeredViews()) {
        w.showView(r.id);
        pump(250);
        screenshot(&w, QStringLiteral("fit-%1-%2").arg(r.name, suffix));
        for (const QString &p : clipping(w, w.view(r.id)))
            problems << r.name + QStringLiteral(": ") + p;
    }
    return problems;
}

// A finished run's report as the fine-tuning job writes it: seven validation points, the test
// comparison of parent and child on 300 pairs with its paired intervals, forgetting on a reference
// project, the verdict and its reasons, and the notes a real run gives.
finetune::FineTuneReport makeReport(qint64 runId, qint64 parentId, qint64 childId)
{
    finetune::FineTuneReport r;
    r.runId = runId;
    r.versionId = childId;
    r.parentId = parentId;
    r.parent = QStringLiteral("fr_feature");
    r.version = QStringLiteral("fr_feature-ft1");
    r.seconds = 312;
    r.training.device = "cpu (2 threads)";
    r.training.epochsRun = 6;
    r.training.bestEpoch = 4;
    r.training.blocks = 60;
    for (int e = 0; e <= 6; ++e) {
        train::EpochStats s;
        s.epoch = e;
        s.trainLoss = e == 0 ? std::nan("") : 0.9 / (1 + 0.5 * e);
        s.valLoss = 0.8 / (1 + 0.3 * e) + (e > 4 ? 0.02 * (e - 4) : 0);
        s.valAuc = 0.86 + 0.02 * std::min(e, 4) - (e > 4 ? 0.004 * (e - 4) : 0);
        s.valAccuracy = s.valAuc - 0.05;
        s.valThreshold = 0.4;
        s.best = e == 4;
        s.seconds = 50.0 * e;
        r.training.epochs.push_back(s);
    }
    finetune::PairedScores p;
    for (int i = 0; i < 300; ++i) {
        const bool same = i % 3 == 0;
        const double noise = 0.16 * std::sin(i * 1.7) + 0.08 * std::cos(i * 0.37);
        p.parent.push_back((same ? 0.55 : 0.25) + noise);
        p.child.push_back((same ? 0.60 : 0.24) + noise);
        p.same.push_back(same);
    }
    p.parentThreshold = p.parentBestAccThreshold = 0.38;
    p.childThreshold = p.childBestAccThreshold = 0.41;
    eval::EvalOptions o;
    o.threshold = 0.38;
    r.test.available = true;
    r.test.parent = eval::evaluateScores(p.parent, p.same, o);
    o.threshold = 0.41;
    r.test.child = eval::evaluateScores(p.child, p.same, o);
    r.test.paired = finetune::comparePaired(p, 500);
    r.test.unseenPeople = true;
    r.test.testPeople = 3;
    finetune::ForgettingFigures f;
    f.project = QStringLiteral("/data/lfw-reference");
    f.pairs = 3000;
    f.parentAccuracy = 0.962;
    f.childAccuracy = 0.958;
    f.parentAuc = 0.991;
    f.childAuc = 0.989;
    r.forgetting = f;
    r.verdict = finetune::judgeChild(r.test.paired, true, r.forgetting);
    r.notes << QStringLiteral("validation shares people with training: too few identities to hold whole people out");
    return r;
}

} // namespace

class TestUiFit : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::initResources();
        ui::theme::apply(*qApp);
    }

    void jobsAreNamedAsAPersonWould()
    {
        using ui::JobsPanel;
        QCOMPARE(JobsPanel::kindTitle(QStringLiteral("finetune"), QJsonObject{{"model", "default"}}),
                 QStringLiteral("Fine-tune default"));
        QCOMPARE(JobsPanel::kindTitle(QStringLiteral("embed"), QJsonObject{{"model", "default"}}),
                 QStringLiteral("Embed faces with default"));
        QCOMPARE(JobsPanel::kindTitle(QStringLiteral("linearize"), QJsonObject{{"teacher", "default"}}),
                 QStringLiteral("Train a Linearizer of default"));
        QCOMPARE(JobsPanel::kindTitle(QStringLiteral("invert"), QJsonObject{{"model", "default"}, {"identity", "Ann"}}),
                 QStringLiteral("Invert default into Ann"));
        QCOMPARE(JobsPanel::kindTitle(QStringLiteral("model-import"), QJsonObject{{"file", "/m/fr_feature.onnx"}}),
                 QStringLiteral("Add model fr_feature.onnx"));
        // Without params (a run recorded by an older FaceLab) and a kind this one does not know.
        QCOMPARE(JobsPanel::kindTitle(QStringLiteral("embed")), QStringLiteral("Embed faces with"));
        QCOMPARE(JobsPanel::kindTitle(QStringLiteral("finetune")), QStringLiteral("Fine-tune the current model"));
        QCOMPARE(JobsPanel::kindTitle(QStringLiteral("grow-beard")), QStringLiteral("Grow beard"));
    }

    void everyViewFitsA1366x768Screen()
    {
        QTemporaryDir tmp;
        const QString folder = makeProject(tmp.path(), 6, 6);
        QVERIFY2(!folder.isEmpty(), "the development faces (../shared/data/faces112) are missing");

        ui::MainWindow w;
        w.setReportDialogsEnabled(false);
        w.resize(kScreenW, kScreenH);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openProject(folder));
        QVERIFY(w.jobsDock()->isVisible());   // the dock takes its height from the views
        pump(300);
        QCOMPARE(w.size(), QSize(kScreenW, kScreenH));

        // Without a model: each view fits, and its empty state offers what it asks for.
        QStringList problems = checkEveryView(w, QStringLiteral("no-model"));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));

        w.showView(ui::ViewId::Models);
        auto *addDefault = w.view(ui::ViewId::Models)->findChild<QPushButton *>(QStringLiteral("emptyAddDefaultModel"));
        QVERIFY(addDefault && addDefault->isVisible());
        QCOMPARE(addDefault->text(), QStringLiteral("Add the default model"));
        w.showView(ui::ViewId::Evaluate);
        QTRY_VERIFY_WITH_TIMEOUT(w.evaluateView()->messageActionButton()->isVisible(), 30000);
        QCOMPARE(w.evaluateView()->messageActionButton()->text(), QStringLiteral("Add the default model"));
        w.showView(ui::ViewId::Errors);
        QTRY_VERIFY_WITH_TIMEOUT(w.errorsView()->emptyActionButton()->isVisible(), 30000);
        QCOMPARE(w.errorsView()->emptyActionButton()->text(), QStringLiteral("Add the default model"));
        w.showView(ui::ViewId::Faces);
        auto *find = w.view(ui::ViewId::Faces)->findChild<QPushButton *>(QStringLiteral("facesEmptyAction"));
        QVERIFY(find && find->isVisible());
        // The Linearizer and Inversion views (in builds that have them) ask for a model first.
        for (const auto &[id, name] : {std::pair{ui::ViewId::Linearizer, "linearizerAddModel"},
                                       std::pair{ui::ViewId::Inversion, "inversionAddModel"}}) {
            if (QWidget *view = w.view(id)) {
                w.showView(id);
                auto *add = view->findChild<QPushButton *>(QLatin1String(name));
                QVERIFY2(add && add->isVisible(), name);
            }
        }

        if (!ui::engine::available())
            QSKIP("this build has no model engine (FACELAB_WITH_TORCH=OFF): the scored views are not shown");
        if (!ui::engine::defaultModelPresent())
            QSKIP("the default model is missing (packaging/fetch-models.sh): the scored views are not shown");

        // Errors' button adds the default model; then the faces are embedded as the next job.
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        w.showView(ui::ViewId::Errors);   // it follows what its button started while it is shown
        QTRY_COMPARE_WITH_TIMEOUT(w.errorsView()->emptyActionButton()->text(), QStringLiteral("Add the default model"), 30000);
        w.errorsView()->emptyActionButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 180000);
        // Errors evaluates the new version in the background, then asks for its scores.
        const auto errorsHint = [&w] {
            auto *hint = w.errorsView()->findChild<QLabel *>(QStringLiteral("errorsHint"));
            return hint ? hint->text() : QString();
        };
        QTRY_VERIFY2_WITH_TIMEOUT(w.errorsView()->emptyActionButton()->text() == QStringLiteral("Embed the faces"),
                                  qPrintable(errorsHint() + QStringLiteral(" | Evaluate: ") + w.evaluateView()->message()),
                                  30000);
        w.errorsView()->emptyActionButton()->click();
        // The embedding, then the current version's hard pairs mined after it (a dependent job).
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 300000);
        QCOMPARE(done[2][1].toString(), QStringLiteral("Mine hard pairs for fr_feature"));
        for (const QList<QVariant> &d : done)
            QCOMPARE(jobs::statusName(d.at(2).value<jobs::JobStatus>()), QStringLiteral("done"));

        // Opened from the navigation, Errors lists the current version's false positives at its
        // threshold (or says there are none), without a click in Evaluate.
        w.showView(ui::ViewId::Annotate);
        w.errorsView()->setProject(w.project());   // back to its empty state, as after opening
        w.showView(ui::ViewId::Errors);
        QTRY_VERIFY_WITH_TIMEOUT(w.errorsView()->hasListing(), 20000);
        QVERIFY2(w.errorsView()->title().startsWith(QStringLiteral("False positives")), qPrintable(w.errorsView()->title()));
        const auto current = store::ModelTable(*w.project()).current();
        QVERIFY(current.has_value());
        if (current->threshold)   // at the version's own threshold
            QCOMPARE(w.evaluateView()->threshold(), *current->threshold);

        // The jobs panel names them as a person would.
        QStringList names;
        QTreeWidget *tree = w.jobsPanel()->tree();
        for (int i = 0; i < tree->topLevelItemCount(); ++i)
            names << tree->topLevelItem(i)->text(0);
        QVERIFY2(names.contains(QStringLiteral("Embed faces with %1").arg(current->name)), qPrintable(names.join(", ")));
        QVERIFY2(names.contains(QStringLiteral("Add model fr_feature.onnx")), qPrintable(names.join(", ")));

        problems = checkEveryView(w, QStringLiteral("scored"));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    // The Training view with a finished run's result (reloaded from its report file, as when a
    // project is reopened): curves, verdict with its reasons, the parent/child comparison, notes and
    // the buttons, all on the screen without scrolling.
    void trainingResultFitsWithoutScrolling()
    {
        if (!ui::finetuning::available())
            QSKIP("this build has no training engine (FACELAB_WITH_TORCH=OFF)");
        QTemporaryDir tmp;
        const QString folder = makeProject(tmp.path(), 6, 6);
        QVERIFY2(!folder.isEmpty(), "the development faces (../shared/data/faces112) are missing");
        {
            const store::ProjectStore st = store::ProjectStore::open(folder);
            const store::ModelTable models(st);
            const qint64 model = models.addModel(QStringLiteral("fr_feature"), QStringLiteral("onnx"), QStringLiteral("/m/fr_feature.onnx"));
            const qint64 parent = models.addVersion(model, QStringLiteral("fr_feature"), 0, QStringLiteral("models/fr_feature.onnx"),
                                                    QStringLiteral("{}"), 0.38, 0);
            const store::RunTable runs(st);
            const qint64 run = runs.start(QStringLiteral("finetune"), QStringLiteral("{\"model\":\"fr_feature\"}"));
            runs.setStatus(run, store::RunStatus::Done);
            const qint64 child = models.addVersion(model, QStringLiteral("fr_feature-ft1"), parent,
                                                   QStringLiteral("models/fr_feature-ft1.onnx"), QStringLiteral("{}"), 0.41, run);
            QVERIFY(!finetune::writeReportFile(st, makeReport(run, parent, child)).size());
        }
        ui::MainWindow w;
        w.setReportDialogsEnabled(false);
        w.resize(kScreenW, kScreenH);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openProject(folder));
        w.showView(ui::ViewId::Training);
        pump(300);
        ui::TrainingView *view = w.trainingView();
        QVERIFY(view->makeCurrentButton()->isVisible());
        QCOMPARE(view->epochPoints(), 7);
        screenshot(&w, QStringLiteral("fit-training-result"));
        const QStringList problems = clipping(w, view, false, /*innerPagesMayScroll=*/false);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        // Every part of the result is on the screen, not only laid out.
        const QRect screen(QPoint(0, 0), w.size());
        for (const char *name : {"trainingVerdict", "versionComparison", "trainingNotes", "trainingMakeCurrent", "lossPlot",
                                 "accuracyPlot"}) {
            auto *part = view->findChild<QWidget *>(QLatin1String(name));
            QVERIFY2(part && part->isVisible(), name);
            const QRect r(part->mapTo(&w, QPoint(0, 0)), part->size());
            QVERIFY2(screen.contains(r), qPrintable(QStringLiteral("%1 at %2,%3 %4x%5 is not inside the window")
                                                        .arg(QLatin1String(name)).arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height())));
        }
    }

    void demoRunsAsJobsTheUserCanCancel()
    {
        if (!ui::engine::available() || !ui::engine::defaultModelPresent())
            QSKIP("no model engine or no default model (packaging/fetch-models.sh): the demo has nothing to run");
        const QDir real(QString::fromStdString(facelab::dataDir()));
        if (!QFileInfo::exists(real.filePath(QStringLiteral("samples/face-api/sample1.jpg"))))
            QSKIP("the demo photos are missing (packaging/fetch-models.sh)");
        // A data folder of its own (the demo project is made there), with the installed models and photos.
        QTemporaryDir dataDir;
        QVERIFY(QFile::link(real.filePath(QStringLiteral("models")), QDir(dataDir.path()).filePath(QStringLiteral("models"))));
        QVERIFY(QFile::link(real.filePath(QStringLiteral("samples")), QDir(dataDir.path()).filePath(QStringLiteral("samples"))));
        const QByteArray before = qgetenv("FACELAB_DATA_DIR");
        qputenv("FACELAB_DATA_DIR", dataDir.path().toLocal8Bit());
        const auto restore = qScopeGuard([&] { qputenv("FACELAB_DATA_DIR", before); });

        ui::MainWindow w;
        w.setReportDialogsEnabled(false);
        w.resize(kScreenW, kScreenH);
        w.show();
        w.openDemoProject();
        // Built, the default model added, the faces embedded: then fine-tuning is chained.
        const auto tourOver = [&w] {
            return w.project() && w.project()->setting(QStringLiteral("demo/tour")) == QLatin1String("done");
        };
        QTRY_VERIFY_WITH_TIMEOUT(w.jobQueue()->findActive(jobs::JobKind::FineTune) || tourOver(), 600000);
        QVERIFY2(w.jobQueue()->findActive(jobs::JobKind::FineTune), qPrintable(w.notificationBar()->text()));
        QVERIFY(w.project());
        QCOMPARE(w.project()->folder(), data::demoProjectFolder());
        const auto current = store::ModelTable(*w.project()).current();
        QVERIFY(current.has_value());
        QVERIFY(store::ScoreTable(*w.project()).count(current->id) > 0);
        QCOMPARE(w.project()->setting(QString::fromLatin1(data::kQueueStrategySetting)), QStringLiteral("uncertainty"));
        QVERIFY(w.project()->stats().labelled > 0);   // the demo's verdicts, for fine-tuning to learn from
        QStringList names;
        QTreeWidget *tree = w.jobsPanel()->tree();
        for (int i = 0; i < tree->topLevelItemCount(); ++i)
            names << tree->topLevelItem(i)->text(0);
        QVERIFY2(names.contains(QStringLiteral("Fine-tune %1").arg(current->name)), qPrintable(names.join(", ")));
        QVERIFY2(names.contains(QStringLiteral("Embed faces with %1").arg(current->name)), qPrintable(names.join(", ")));
        screenshot(&w, QStringLiteral("fit-demo-fine-tuning"));

        // A cancel is the user's word: nothing more is chained, and the demo says where it stopped.
        // (Read while it shows: it hides itself after 15 s, and a mining job still running may
        // take longer than that to end on a loaded machine.)
        w.jobQueue()->findActive(jobs::JobKind::FineTune)->cancel();
        QTRY_VERIFY_WITH_TIMEOUT(!w.jobQueue()->findActive(jobs::JobKind::FineTune), 120000);
        QTRY_VERIFY2(w.notificationBar()->text().contains(QStringLiteral("The demo stopped")),
                     qPrintable(w.notificationBar()->text()));
        QTRY_VERIFY_WITH_TIMEOUT(!w.jobQueue()->hasActive(), 120000);
        QTest::qWait(300);
        QVERIFY(!w.jobQueue()->hasActive());
        QCOMPARE(w.project()->setting(QStringLiteral("demo/tour")), QStringLiteral("done"));
    }
};

QTEST_MAIN(TestUiFit)
#include "test_ui_fit.moc"

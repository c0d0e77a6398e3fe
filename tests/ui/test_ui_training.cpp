// Fine-tuning in the GUI, with the real default model (fr_feature.onnx, fetched by
// packaging/fetch-models.sh; skipped with the reason when it is missing): Training > Fine-tune…
// opens the dialog (counts of the verdicts it will use), the job runs in the background while
// Annotate goes on labelling, the Training view gets its curves and the parent/child result, and
// the Models view shows the child under its parent. Cancelling keeps the best epoch (or nothing
// before the first epoch ends); the current version and a parent cannot be deleted.
#include "DataPaths.h"
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "jobs/JobQueue.h"
#include "store/FeedbackTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/annotate/AnnotateView.h"
#include "ui/models/ModelEngine.h"
#include "ui/models/ModelsView.h"
#include "ui/training/FineTuneDialog.h"
#include "ui/training/FineTuneEngine.h"
#include "ui/training/FineTuneJobs.h"
#include "ui/training/QueueStrategyReport.h"
#include "ui/training/TrainingView.h"
#include "ui/widgets/RankProgressPanel.h"
#include "ui/training/VersionComparisonTable.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <qcustomplot.h>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

using namespace facelab;

namespace {

// people x views 112x112 faces (pre-aligned for the face stage): a smooth random base per person,
// each view the base plus noise.
void writePeople(const QString &root, int people, int views)
{
    QRandomGenerator rng(17);
    for (int p = 0; p < people; ++p) {
        QImage small(14, 14, QImage::Format_RGB32);
        for (int y = 0; y < 14; ++y)
            for (int x = 0; x < 14; ++x)
                small.setPixel(x, y, qRgb(rng.bounded(256), rng.bounded(256), rng.bounded(256)));
        const QImage base = small.scaled(112, 112, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        const QString dir = QStringLiteral("%1/Person_%2").arg(root).arg(p);
        QDir().mkpath(dir);
        for (int v = 0; v < views; ++v) {
            QImage face = base.copy();
            for (int y = 0; y < 112; ++y)
                for (int x = 0; x < 112; ++x) {
                    const QRgb c = face.pixel(x, y);
                    auto n = [&](int ch) { return std::clamp(ch + int(rng.bounded(50)) - 25, 0, 255); };
                    face.setPixel(x, y, qRgb(n(qRed(c)), n(qGreen(c)), n(qBlue(c))));
                }
            QVERIFY(face.save(QStringLiteral("%1/Person_%2_%3.png").arg(dir).arg(p).arg(v)));
        }
    }
}

// With FACELAB_SHOTS_DIR set, saves what the widget shows (for looking at it; never asserted).
void shot(QWidget *w, const char *name)
{
    const QString dir = qEnvironmentVariable("FACELAB_SHOTS_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QTest::qWait(300);
    w->grab().save(QDir(dir).filePath(QLatin1String(name) + QStringLiteral(".png")));
}

int countItems(QTreeWidget *tree)
{
    int n = 0;
    for (QTreeWidgetItemIterator it(tree); *it; ++it)
        ++n;
    return n;
}

QTreeWidgetItem *itemFor(QTreeWidget *tree, qint64 versionId)
{
    for (QTreeWidgetItemIterator it(tree); *it; ++it)
        if ((*it)->data(0, Qt::UserRole + 1).toLongLong() == versionId)
            return *it;
    return nullptr;
}

} // namespace

class TestUiTraining : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_folder;
    qint64 m_parent = 0;
    std::unique_ptr<ui::MainWindow> m_window;

    ui::MainWindow &window() { return *m_window; }
    // Waits for the running fine-tuning job to end; returns its status.
    QString waitForJob(QSignalSpy &done, int before)
    {
        [&] { QTRY_VERIFY_WITH_TIMEOUT(int(done.count()) > before, 900000); }();
        return done.count() > before ? jobs::statusName(done.last()[2].value<jobs::JobStatus>()) : QString();
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::initResources();
        if (!qEnvironmentVariableIsEmpty("FACELAB_SHOTS_DIR"))
            ui::theme::apply(*qApp);   // screenshots as the app looks
        if (!ui::engine::available() || !ui::finetuning::available())
            QSKIP("this build has no model or training engine (FACELAB_WITH_TORCH=OFF)");
        qputenv("FACELAB_ENGINE", FACELAB_ENGINE_PATH);   // what runs a data-parallel worker
        const QString model = QDir(QString::fromStdString(facelab::modelsDir())).filePath(QStringLiteral("fr_feature.onnx"));
        if (!QFileInfo::exists(model))
            QSKIP(qPrintable(QStringLiteral("the default model %1 is missing: run packaging/fetch-models.sh").arg(model)));

        // Faces, generated pairs (train / validation / test), the default model, and verdicts equal
        // to the truth on every pair but a few training pairs (left for Annotate).
        writePeople(m_dir.filePath(QStringLiteral("faces")), 10, 4);
        m_folder = m_dir.filePath(QStringLiteral("project"));
        {
            const store::ProjectStore st = store::ProjectStore::open(m_folder, true);
            jobs::PlainJobContext ctx;
            data::importIdentityFolders(st, m_dir.filePath(QStringLiteral("faces")), ctx);
            data::PairGenOptions g;
            g.pairs = 80;
            g.identities = 0;
            data::generatePairs(st, g);
            data::indexFaces(st, ctx);
            m_parent = ui::engine::ensureDefaultModel(st, ctx);
            store::FeedbackTable fb(st);
            int leftOut = 0;
            for (const store::PairRecord &pr : store::PairTable(st).all()) {
                if (!pr.truth)
                    continue;
                if (pr.split == QLatin1String("train") && leftOut < 6) {
                    ++leftOut;
                    continue;
                }
                fb.add(pr.id, *pr.truth ? store::Verdict::Same : store::Verdict::Different);
            }
        }
        m_window = std::make_unique<ui::MainWindow>();
        m_window->setReportDialogsEnabled(false);
        m_window->resize(1300, 860);
        m_window->show();
        QVERIFY(m_window->openProject(m_folder));
    }

    void cleanupTestCase() { m_window.reset(); }

    void fineTuneFromTheDialogMakesAChildUnderItsParent()
    {
        ui::MainWindow &w = window();
        QAction *act = w.findChild<QAction *>(QStringLiteral("actionFineTune"));
        QVERIFY(act);
        QVERIFY2(act->isEnabled(), qPrintable(act->toolTip()));
        act->trigger();
        ui::FineTuneDialog *d = nullptr;
        QTRY_VERIFY((d = w.findChild<ui::FineTuneDialog *>()) != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(!d->isCounting(), 60000);
        QVERIFY2(d->preview().ok, qPrintable(d->preview().error));
        QVERIFY2(d->dataLabel()->text().contains(QStringLiteral("training pairs")), qPrintable(d->dataLabel()->text()));
        QVERIFY(d->preview().snapshot.train.size() > 0);
        QVERIFY(d->preview().snapshot.testVerdictsExcluded > 0);   // the test split is held out
        QCOMPARE(d->versionBox()->currentData().toString(), QStringLiteral("fr_feature"));
        d->epochsBox()->setValue(2);
        d->batchBox()->setValue(16);
        d->makeCurrentBox()->setChecked(false);
        // Freezing by block, and the reference project for forgetting: a folder that is not a
        // project stops the run from starting, with a reason.
        QCOMPARE(d->freezeBox()->currentData().toString(), QStringLiteral("none"));
        d->freezeBox()->setCurrentIndex(d->freezeBox()->findData(QStringLiteral("early")));
        QPushButton *startButton = d->findChild<QPushButton *>(QStringLiteral("ftStart"));
        QVERIFY(startButton && startButton->isEnabled());
        d->referenceEdit()->setText(m_dir.filePath(QStringLiteral("faces")));
        QVERIFY(!startButton->isEnabled());
        QLabel *refNote = d->findChild<QLabel *>(QStringLiteral("ftReferenceNote"));
        QVERIFY(refNote && refNote->text().contains(QStringLiteral("not a FaceLab project")));
        d->referenceEdit()->setText(m_folder);   // the project being trained is no reference either
        QVERIFY(!startButton->isEnabled());
        d->referenceEdit()->clear();
        QVERIFY(startButton->isEnabled());
        QCOMPARE(d->request().training.freeze, train::FreezePreset::Early);
        // Two processes: the window's job is rank 0, facelab-engine a worker.
        QCOMPARE(d->workersBox()->value(), 1);
        d->workersBox()->setValue(2);
        QCOMPARE(d->request().parallel.workers, 2);
        shot(d, "finetune_dialog");

        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        startButton->click();
        QVERIFY(w.fineTuneJobs()->isRunning());
        QCOMPARE(QSettings().value(QStringLiteral("finetune/epochs")).toInt(), 2);   // remembered
        ui::TrainingView *view = w.trainingView();
        QVERIFY(view->isVisible());   // the window shows the Training view
        QVERIFY(!act->isEnabled());   // one fine-tuning at a time

        // Labelling goes on while it trains: a verdict is written at once.
        QTRY_VERIFY_WITH_TIMEOUT(!view->snapshotText().contains(QStringLiteral("Taking")), 300000);
        QVERIFY2(view->snapshotText().contains(QStringLiteral("labelling goes on")), qPrintable(view->snapshotText()));
        QVERIFY(view->deviceText().contains(QStringLiteral("CPU")) || view->deviceText().contains(QStringLiteral("CUDA")));
        const qint64 labelled = w.project()->stats().labelled;
        w.showView(ui::MainWindow::View::Annotate);
        QVERIFY(w.annotateView()->currentPairId() > 0);
        w.annotateView()->answer(store::Verdict::Same);
        QCOMPARE(w.project()->stats().labelled, labelled + 1);
        QVERIFY(w.fineTuneJobs()->isRunning());
        w.showView(ui::MainWindow::View::Training);
        // Every process's progress, one row each, while it trains.
        QTRY_VERIFY_WITH_TIMEOUT(view->rankPanel()->rankCount() == 2 || !w.fineTuneJobs()->isRunning(), 600000);
        QCOMPARE(view->rankPanel()->rankCount(), 2);
        qInfo("%s | %s", qPrintable(view->rankPanel()->rowText(0)), qPrintable(view->rankPanel()->rowText(1)));
        if (!qEnvironmentVariableIsEmpty("FACELAB_SHOTS_DIR")) {
            QTRY_VERIFY_WITH_TIMEOUT(view->epochPoints() >= 2 || !w.fineTuneJobs()->isRunning(), 600000);
            shot(&w, "training_running");
        }

        QCOMPARE(waitForJob(done, 0), QStringLiteral("done"));
        shot(&w, "training_done");
        QCOMPARE(view->epochPoints(), 3);   // epoch 0 (starting weights), 1, 2
        QVERIFY(view->stepPoints() > 0);
        QVERIFY(view->bestEpoch() >= 1);
        const qint64 child = view->resultVersion();
        QVERIFY(child > 0);
        QVERIFY(!view->resultPanel()->isHidden());
        QVERIFY2(view->statusText().startsWith(QStringLiteral("Done")), qPrintable(view->statusText()));
        const finetune::FineTuneReport *rep = w.fineTuneJobs()->lastReport();
        QVERIFY(rep);
        if (rep->test.available) {
            QCOMPARE(view->comparison()->cellText(1, 0), QStringLiteral("Accuracy"));
            QCOMPARE(view->comparison()->cellText(0, 2), rep->version);
        }
        // The early blocks stayed fixed.
        QVERIFY(rep->training.frozenBlocks > 0 && rep->training.frozenBlocks < rep->training.blocks);
        QVERIFY(rep->training.frozenScalars > 0 && rep->training.trainableScalars > 0);
        // The verdict in words, and the default button follows it: only a better child gets
        // "Make current" as the default action.
        QVERIFY(!rep->verdict.verdict.isEmpty());
        QVERIFY2(view->verdictLabel()->text().contains(rep->verdict.summary.toHtmlEscaped()),
                 qPrintable(view->verdictLabel()->text()));
        QCOMPARE(view->makeCurrentButton()->isDefault(), rep->verdict.better());
        QCOMPARE(view->compareButton()->isDefault(), !rep->verdict.better());
        QCOMPARE(view->makeCurrentButton()->text(),
                 rep->verdict.better() ? QStringLiteral("Make current") : QStringLiteral("Make current anyway"));

        // Reopening the project shows the same result again (kept in reports/finetune-run<N>.json).
        {
            ui::TrainingView reopened;
            reopened.setProject(w.project());
            QCOMPARE(reopened.resultVersion(), child);
            QVERIFY2(reopened.statusText().startsWith(QStringLiteral("Last run")), qPrintable(reopened.statusText()));
            QCOMPARE(reopened.epochPoints(), 3);
            QCOMPARE(reopened.bestEpoch(), rep->training.bestEpoch);
            QVERIFY(reopened.verdictLabel()->text().contains(rep->verdict.summary.toHtmlEscaped()));
            if (rep->test.available)
                QCOMPARE(reopened.comparison()->cellText(0, 2), rep->version);
            QCOMPARE(reopened.makeCurrentButton()->isDefault(), rep->verdict.better());
        }

        // The Models view: the child under its parent, made by the fine-tuning run.
        w.showView(ui::MainWindow::View::Models);
        ui::ModelsView *models = w.modelsView();
        QTreeWidgetItem *item = itemFor(models->versionList(), child);
        QVERIFY(item);
        QVERIFY(item->parent());
        QCOMPARE(item->parent()->data(0, Qt::UserRole + 1).toLongLong(), m_parent);
        QVERIFY2(item->text(ui::ModelsView::ColRun).contains(QStringLiteral("fine-tune")),
                 qPrintable(item->text(ui::ModelsView::ColRun)));
        QVERIFY2(item->text(ui::ModelsView::ColMetrics).contains(QStringLiteral(" / ")),
                 qPrintable(item->text(ui::ModelsView::ColMetrics)));
        QCOMPARE(store::ModelTable(*w.project()).current()->id, m_parent);   // not made current
        models->selectVersion(child);
        shot(&w, "models_lineage");

        // "Make current" from the result.
        w.showView(ui::MainWindow::View::Training);
        QVERIFY(view->makeCurrentButton()->isEnabled());
        view->makeCurrentButton()->click();
        QCOMPARE(store::ModelTable(*w.project()).current()->id, child);
        QVERIFY(!view->makeCurrentButton()->isEnabled());
        store::ModelTable(*w.project()).setCurrent(m_parent);
        models->refresh();
    }

    void queueStrategiesReportShowsTheBenchmark()
    {
        // The active-learning benchmark's report in the project shows as a plot with the winner.
        QDir(m_folder).mkpath(QStringLiteral("reports"));
        const QString file = QDir(m_folder).filePath(QStringLiteral("reports/active_learning.json"));
        auto run = [](const char *strategy, int budget, double delta) {
            return QJsonObject{{"strategy", strategy}, {"budget", budget}, {"same", budget / 2}, {"different", budget / 2},
                               {"test_pairs", 450}, {"delta_auc", delta}, {"delta_auc_ci95", QJsonArray{delta - 0.02, delta + 0.02}},
                               {"delta_accuracy", delta}, {"delta_accuracy_ci95", QJsonArray{delta - 0.03, delta + 0.03}},
                               {"verdict", "not better"}};
        };
        const QJsonObject report{{"kind", "facelab-active-learning-benchmark"}, {"side_px", 24}, {"epochs", 3}, {"seed", 1},
                                 {"runs", QJsonArray{run("random", 100, 0.004), run("random", 400, 0.010),
                                                     run("uncertainty", 100, 0.012), run("uncertainty", 400, 0.030)}}};
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(report).toJson());
        f.close();
        ui::TrainingView view;
        view.resize(1200, 800);
        view.setProject(window().project());
        QVERIFY(view.strategyReport()->hasReport());
        const QString summary = view.strategyReport()->summaryText();
        QVERIFY2(summary.contains(QStringLiteral("Best: <b>uncertainty</b>")), qPrintable(summary));
        QVERIFY2(summary.contains(QStringLiteral("0.021")), qPrintable(summary));   // mean 0.021 vs random 0.007
        QCOMPARE(view.strategyReport()->plot()->graphCount(), 3);   // two strategies and the zero line
        view.strategiesButton()->setChecked(true);
        view.show();
        shot(&view, "training_queue_strategies");
        // A file that is not such a report says so, naming the file.
        QFile bad(file);
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\"kind\": \"something else\"}");
        bad.close();
        view.strategyReport()->load(file);
        QVERIFY(!view.strategyReport()->hasReport());
        QVERIFY(view.strategyReport()->summaryText().contains(QStringLiteral("active_learning.json")));
        QFile::remove(file);
        // Without one of its own, a project shows the measurement FaceLab ships, marked as such.
        ui::TrainingView shipped;
        shipped.setProject(window().project());
        QVERIFY(shipped.strategyReport()->hasReport());
        QVERIFY2(shipped.strategyReport()->summaryText().contains(QStringLiteral("Not this project")),
                 qPrintable(shipped.strategyReport()->summaryText()));
        QVERIFY(shipped.strategyReport()->plot()->graphCount() >= 3);
    }

    void cancelKeepsTheBestEpochOrNothing()
    {
        ui::MainWindow &w = window();
        ui::TrainingView *view = w.trainingView();
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        finetune::FineTuneRequest req;
        req.training.epochs = 300;   // far more than it gets to: the cancel comes after a few
        req.training.batchPairs = 16;

        // Cancelled before the first epoch ends: no new version. A run that may make its child
        // current is followed by mining the child's hard pairs, queued as dependent on it: with no
        // child, the mining never runs.
        const int versions = int(store::ModelTable(*w.project()).versions().size());
        auto miningRuns = [&] {
            int n = 0;
            for (const auto &r : store::RunTable(*w.project()).recent())
                n += r.kind == QStringLiteral("mine-pairs");
            return n;
        };
        const int mined = miningRuns();
        req.makeCurrent = true;
        QVERIFY(w.fineTuneJobs()->start(req));
        jobs::Job *mining = w.jobQueue()->active().back();
        QCOMPARE(mining->kind(), jobs::JobKind::MinePairs);
        QCOMPARE(mining->status(), jobs::JobStatus::Waiting);
        QVERIFY2(mining->title().startsWith(QStringLiteral("Mine hard pairs for ")) && mining->title().contains(QStringLiteral("-ft")),
                 qPrintable(mining->title()));
        QTRY_VERIFY(view->cancelButton()->isVisible());
        view->cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(int(done.count()), 2, 600000);
        for (const auto &d : done) {
            QCOMPARE(d[2].value<jobs::JobStatus>(), jobs::JobStatus::Cancelled);
        }
        QCOMPARE(miningRuns(), mined);
        req.makeCurrent = false;
        const int finished = int(done.count());
        QCOMPARE(view->resultVersion(), qint64(0));
        QVERIFY2(view->statusText().contains(QStringLiteral("no new version")), qPrintable(view->statusText()));
        QCOMPARE(int(store::ModelTable(*w.project()).versions().size()), versions);

        // Cancelled after an epoch: the best epoch is kept, the run recorded as cancelled.
        QVERIFY(w.fineTuneJobs()->start(req));
        QTRY_VERIFY_WITH_TIMEOUT(view->epochPoints() >= 3, 600000);
        shot(&w, "training_midrun");
        view->cancelButton()->click();
        waitForJob(done, finished);   // the job itself ends 'done': it kept a version; its run says cancelled
        const qint64 kept = view->resultVersion();
        QVERIFY(kept > 0);
        QVERIFY2(view->statusText().startsWith(QStringLiteral("Cancelled")), qPrintable(view->statusText()));
        QCOMPARE(store::RunTable(*w.project()).recent(1).value(0).status, QStringLiteral("cancelled"));
        QVERIFY(itemFor(w.modelsView()->versionList(), kept));
        shot(&w, "training_cancelled");
    }

    void deletingRefusesTheCurrentVersionAndParents()
    {
        ui::MainWindow &w = window();
        ui::ModelsView *models = w.modelsView();
        models->refresh();
        const store::ModelTable table(*w.project());
        const qint64 current = table.current()->id;
        QCOMPARE(current, m_parent);
        QVERIFY2(models->deleteRefusal(current).contains(QStringLiteral("current")), qPrintable(models->deleteRefusal(current)));
        // A parent that is not current: the refusal names its children.
        const auto kids = table.children(m_parent);
        QVERIFY(!kids.isEmpty());
        table.setCurrent(kids.front().id);
        models->refresh();
        QVERIFY2(models->deleteRefusal(m_parent).contains(kids.front().name), qPrintable(models->deleteRefusal(m_parent)));
        table.setCurrent(m_parent);
        models->refresh();
        // Asking anyway says why (a message box) and deletes nothing.
        const int before = countItems(models->versionList());
        QTimer::singleShot(300, [] {
            if (QWidget *box = QApplication::activeModalWidget())
                box->close();
        });
        QVERIFY(!models->removeVersion(current));
        QCOMPARE(countItems(models->versionList()), before);
        // A leaf that is not current goes, with its file.
        const store::ModelVersionRecord leaf = kids.back();
        QVERIFY(models->deleteRefusal(leaf.id).isEmpty());
        QVERIFY(models->removeVersion(leaf.id));
        QCOMPARE(countItems(models->versionList()), before - 1);
        QVERIFY(!table.version(leaf.id).has_value());
        QVERIFY(!QFileInfo::exists(QDir(w.project()->folder()).filePath(leaf.file)));
    }
};

QTEST_MAIN(TestUiTraining)
#include "test_ui_training.moc"

// The Linearizer in the GUI, with real faces (shared/data/faces112) and the real default model
// (fr_feature.onnx; skipped with the reason when either is missing): Training > Train Linearizer…
// opens its dialog, the job runs in the background and feeds the view's live curves, the view
// then shows the surrogate's sandwich flow, its per-stage projections and the spectrum of A; the
// rank sweep runs from the view; unlearning an identity saves an edited surrogate that a second
// job, started after it, embeds.
#include "DataPaths.h"
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "jobs/JobQueue.h"
#include "store/EmbeddingTable.h"
#include "store/ModelTable.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/linearizer/LinearizerJobs.h"
#include "ui/linearizer/LinearizerView.h"
#include "ui/models/ModelEngine.h"
#include "ui/widgets/RankProgressPanel.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

using namespace facelab;

namespace {

const QString kFaces = QStringLiteral(FACELAB_SOURCE_DIR "/../shared/data/faces112");

void shot(QWidget *w, const char *name)
{
    const QString dir = qEnvironmentVariable("FACELAB_SHOTS_DIR");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QTest::qWait(300);
    w->grab().save(QDir(dir).filePath(QLatin1String(name) + QStringLiteral(".png")));
}

} // namespace

class TestUiLinearizer : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_folder;
    std::unique_ptr<ui::MainWindow> m_window;

    // Waits until `count` jobs have finished since the spy was made; returns the last status.
    jobs::JobStatus waitFor(QSignalSpy &done, int count)
    {
        [&] { QTRY_VERIFY_WITH_TIMEOUT(int(done.count()) >= count, 600000); }();
        if (done.count() >= count && done.last()[2].value<jobs::JobStatus>() != jobs::JobStatus::Done)
            qWarning("%s: %s", qPrintable(done.last()[1].toString()), qPrintable(done.last()[3].toString()));
        return done.count() >= count ? done.last()[2].value<jobs::JobStatus>() : jobs::JobStatus::Failed;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::initResources();
        if (!qEnvironmentVariableIsEmpty("FACELAB_SHOTS_DIR"))
            ui::theme::apply(*qApp);
        if (!ui::engine::available())
            QSKIP("this build has no model engine (FACELAB_WITH_TORCH=OFF)");
        qputenv("FACELAB_ENGINE", FACELAB_ENGINE_PATH);   // what runs the data-parallel worker
        const QString model = QString::fromStdString(facelab::modelsDir() + "/fr_feature.onnx");
        if (!QFileInfo::exists(model))
            QSKIP(qPrintable(model + " missing: run packaging/fetch-models.sh"));
        if (!QDir(kFaces).exists())
            QSKIP(qPrintable(kFaces + " missing: the development faces come with shared/"));
        // 6 real people x 6 crops each.
        const QDir faces(kFaces);
        const QString root = m_dir.filePath("faces");
        const QStringList names = faces.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        for (int k = 0; k < 6; ++k) {
            QDir(root).mkpath(names[k]);
            const QStringList files = QDir(faces.filePath(names[k])).entryList(QDir::Files, QDir::Name);
            for (int i = 0; i < 6; ++i)
                QVERIFY(QFile::copy(faces.filePath(names[k] + "/" + files[i]), root + "/" + names[k] + "/" + files[i]));
        }
        m_folder = m_dir.filePath("project");
        {
            const store::ProjectStore st = store::ProjectStore::open(m_folder, true);
            jobs::PlainJobContext ctx;
            data::importIdentityFolders(st, root, ctx);
            data::indexFaces(st, ctx);
            ui::engine::ensureDefaultModel(st, ctx);
        }
        m_window = std::make_unique<ui::MainWindow>();
        m_window->setReportDialogsEnabled(false);
        m_window->resize(1366, 768);
        m_window->show();
        QVERIFY(m_window->openProject(m_folder));
    }

    void cleanupTestCase() { m_window.reset(); }

    void trainFromTheMenuFeedsTheView()
    {
        ui::MainWindow &w = *m_window;
        ui::LinearizerView *view = w.linearizerView();
        QVERIFY(view);
        QVERIFY(view->currentSurrogate().isEmpty());   // none yet
        QMenu *training = w.findChild<QMenu *>(QStringLiteral("menuTraining"));
        QVERIFY(training);
        emit training->aboutToShow();
        QAction *act = w.findChild<QAction *>(QStringLiteral("actionTrainLinearizer"));
        QVERIFY(act && act->isEnabled());
        act->trigger();
        QDialog *d = nullptr;
        QTRY_VERIFY((d = w.findChild<QDialog *>(QStringLiteral("linearizerDialog"))) != nullptr);
        QCOMPARE(d->findChild<QComboBox *>(QStringLiteral("linTeacher"))->currentText(), QStringLiteral("fr_feature"));
        d->findChild<QSpinBox *>(QStringLiteral("linEpochs"))->setValue(3);
        d->findChild<QSpinBox *>(QStringLiteral("linLatent"))->setValue(64);
        d->findChild<QSpinBox *>(QStringLiteral("linBlocks"))->setValue(2);
        d->findChild<QSpinBox *>(QStringLiteral("linHidden"))->setValue(128);
        // Two processes: this window's job is rank 0, facelab-engine a worker ($FACELAB_ENGINE).
        d->findChild<QSpinBox *>(QStringLiteral("linWorkers"))->setValue(2);
        shot(d, "linearizer_dialog");
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        d->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        QVERIFY(w.jobQueue()->findActive(jobs::JobKind::TrainLinearizer));
        QCOMPARE(waitFor(done, 1), jobs::JobStatus::Done);
        QCOMPARE(view->trainingPoints(), 4);   // epoch 0 and three trained epochs, from the snapshots
        // Both processes' progress was shown: one row each, at the last step.
        QCOMPARE(view->rankPanel()->rankCount(), 2);
        QVERIFY(!view->rankPanel()->isHidden());
        qInfo("%s | %s", qPrintable(view->rankPanel()->rowText(0)), qPrintable(view->rankPanel()->rowText(1)));
        QVERIFY2(view->rankPanel()->rowText(1).startsWith(QStringLiteral("rank 1 · step ")), qPrintable(view->rankPanel()->rowText(1)));

        // The view loads the new surrogate off the GUI thread, then shows all of it.
        QTRY_VERIFY_WITH_TIMEOUT(view->currentSurrogate() == QStringLiteral("fr_feature-lin1"), 60000);
        QTRY_VERIFY(!view->isLoading());
        QCOMPARE(view->faceList()->count(), 36);
        QCOMPARE(view->projectionPlot(0)->graphCount(), 6);   // one colour per identity
        QCOMPARE(view->projectionPlot(2)->graphCount(), 6);
        QCOMPARE(view->spectrumPlot()->graph(0)->dataCount(), 64);
        view->selectFace(3);
        QVERIFY2(view->flowSummary()->text().contains(QStringLiteral("cosine")), qPrintable(view->flowSummary()->text()));
        w.showView(ui::MainWindow::View::Linearizer);
        for (int t = 0; t < 4; ++t) {
            view->tabs()->setCurrentIndex(t);
            shot(&w, QStringLiteral("linearizer_tab%1").arg(t).toLatin1().constData());
        }
    }

    void rankSweepAndUnlearnRunAsJobs()
    {
        ui::MainWindow &w = *m_window;
        ui::LinearizerView *view = w.linearizerView();
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        QPushButton *sweep = nullptr;
        for (QPushButton *b : view->findChildren<QPushButton *>())
            if (b->text() == QStringLiteral("Rank sweep"))
                sweep = b;
        QVERIFY(sweep && sweep->isEnabled());
        sweep->click();
        QCOMPARE(waitFor(done, 1), jobs::JobStatus::Done);

        // Unlearning then embedding: the second job runs after the first and finds its version.
        QTRY_VERIFY_WITH_TIMEOUT(!view->isLoading() && !view->data().identities.isEmpty(), 60000);   // reloaded after the sweep
        const QString who = view->data().identities[0];
        jobs::Job *embed = w.linearizerJobs()->unlearn(QStringLiteral("fr_feature-lin1"), who);
        QVERIFY(embed);
        QCOMPARE(embed->status(), jobs::JobStatus::Waiting);
        QCOMPARE(waitFor(done, 3), jobs::JobStatus::Done);
        const store::ProjectStore st = store::ProjectStore::open(m_folder);
        const auto v = store::ModelTable(st).versionByName(QStringLiteral("fr_feature-lin1-forget-") + QString(who).replace(' ', '_'));
        QVERIFY(v);
        QCOMPARE(store::EmbeddingTable(st).count(v->id), qint64(36));
    }
};

QTEST_MAIN(TestUiLinearizer)
#include "test_ui_linearizer.moc"

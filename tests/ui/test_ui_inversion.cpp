// Model inversion in the GUI, with real faces (shared/data/faces112) and the real default model
// (fr_feature.onnx; skipped with the reason when either is missing): Training > Invert identity…
// opens its dialog and runs the inversion, and its compare with a fine-tuned child, as jobs whose
// snapshots feed the view's live previews and loss curves; the gallery then shows the stored images
// beside the identity's real faces with their scores; a judge adds its rank beside the model's; a
// cancel keeps the last images; a bad request reaches the user as a message naming the problem.
#include "DataPaths.h"
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "jobs/JobQueue.h"
#include "store/InversionTable.h"
#include "store/ModelTable.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/inversion/InversionJobs.h"
#include "ui/inversion/InversionView.h"
#include "ui/models/ModelEngine.h"
#include "ui/widgets/NotificationBar.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

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

QStringList labelTexts(QWidget *w, const QString &name)
{
    QStringList texts;
    for (QLabel *l : w->findChildren<QLabel *>(name))
        texts << l->text();
    return texts;
}

} // namespace

class TestUiInversion : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_folder;
    QStringList m_people;
    std::unique_ptr<ui::MainWindow> m_window;

    // Waits until `count` jobs have finished since the spy was made; returns the last status.
    jobs::JobStatus waitFor(QSignalSpy &done, int count)
    {
        [&] { QTRY_VERIFY_WITH_TIMEOUT(int(done.count()) >= count, 600000); }();
        return done.count() >= count ? done.last()[2].value<jobs::JobStatus>() : jobs::JobStatus::Failed;
    }

    ui::InversionView *view() const { return m_window->inversionView(); }

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
        const QString model = QString::fromStdString(facelab::modelsDir() + "/fr_feature.onnx");
        if (!QFileInfo::exists(model))
            QSKIP(qPrintable(model + " missing: run packaging/fetch-models.sh"));
        if (!QDir(kFaces).exists())
            QSKIP(qPrintable(kFaces + " missing: the development faces come with shared/"));
        // 4 real people x 4 aligned crops each.
        const QDir faces(kFaces);
        const QString root = m_dir.filePath("faces");
        m_people = faces.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name).mid(0, 4);
        QCOMPARE(m_people.size(), 4);
        for (const QString &name : m_people) {
            QDir(root).mkpath(name);
            const QStringList files = QDir(faces.filePath(name)).entryList(QDir::Files, QDir::Name);
            for (int i = 0; i < 4; ++i)
                QVERIFY(QFile::copy(faces.filePath(name + "/" + files[i]), root + "/" + name + "/" + files[i]));
        }
        m_folder = m_dir.filePath("project");
        {
            const store::ProjectStore st = store::ProjectStore::open(m_folder, true);
            jobs::PlainJobContext ctx;
            data::importIdentityFolders(st, root, ctx);
            data::indexFaces(st, ctx);
            ui::engine::ensureDefaultModel(st, ctx);
            // A child version of the same weights, so "compare with" has a parent/child pair and
            // the judge another version (fine-tuning itself is tested in test_ui_training).
            const store::ModelTable models(st);
            const auto parent = models.versionByName(QStringLiteral("fr_feature"));
            QVERIFY(parent);
            models.addVersion(parent->modelId, QStringLiteral("fr_feature-ft1"), parent->id, parent->file,
                              parent->preprocessingJson, parent->threshold, 0);
        }
        m_window = std::make_unique<ui::MainWindow>();
        m_window->setReportDialogsEnabled(false);
        m_window->resize(1366, 768);
        m_window->show();
        QVERIFY(m_window->openProject(m_folder));
        QVERIFY(view());
    }

    void cleanupTestCase() { m_window.reset(); }

    void invertFromTheMenuWithACompare()
    {
        ui::MainWindow &w = *m_window;
        QMenu *training = w.findChild<QMenu *>(QStringLiteral("menuTraining"));
        QVERIFY(training);
        emit training->aboutToShow();
        QAction *act = w.findChild<QAction *>(QStringLiteral("actionInvertIdentity"));
        QVERIFY(act && act->isEnabled());
        act->trigger();
        QDialog *d = nullptr;
        QTRY_VERIFY((d = w.findChild<QDialog *>(QStringLiteral("inversionDialog"))) != nullptr);
        auto *identity = d->findChild<QComboBox *>(QStringLiteral("invIdentity"));
        QCOMPARE(identity->count(), 4);
        identity->setCurrentText(m_people[0]);
        QCOMPARE(d->findChild<QComboBox *>(QStringLiteral("invModel"))->currentText(), QStringLiteral("fr_feature"));
        // Compare defaults to the model's fine-tuned child; the judge to none.
        QCOMPARE(d->findChild<QComboBox *>(QStringLiteral("invCompare"))->currentText(), QStringLiteral("fr_feature-ft1"));
        QCOMPARE(d->findChild<QComboBox *>(QStringLiteral("invJudge"))->currentIndex(), 0);
        QCOMPARE(d->findChild<QSpinBox *>(QStringLiteral("invSteps"))->value(), inversion::InversionOptions().steps);
        d->findChild<QSpinBox *>(QStringLiteral("invSteps"))->setValue(12);
        d->findChild<QSpinBox *>(QStringLiteral("invBatch"))->setValue(2);
        d->findChild<QSpinBox *>(QStringLiteral("invPreview"))->setValue(4);
        shot(d, "inversion_dialog");
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        d->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        int inverts = 0;
        for (jobs::Job *j : w.jobQueue()->active())
            inverts += j->kind() == jobs::JobKind::Invert;
        QCOMPARE(inverts, 2);   // the model, then its child
        QCOMPARE(waitFor(done, 2), jobs::JobStatus::Done);
        QCOMPARE(done[0][2].value<jobs::JobStatus>(), jobs::JobStatus::Done);

        // Live: the followed job's snapshots, its previews decoded off the GUI thread.
        QTRY_COMPARE(view()->previewCount(), 2);
        QCOMPARE(view()->previewStep(), 12);
        QCOMPARE(view()->lossPoints(), 12);
        QVERIFY2(view()->liveText()->text().contains(QStringLiteral("done")), qPrintable(view()->liveText()->text()));

        // Gallery: the identity's real faces, then both runs of the compare, the model's first.
        QTRY_VERIFY_WITH_TIMEOUT(!view()->isLoading() && view()->gallery().runs.size() == 2, 30000);
        const ui::InversionGallery &g = view()->gallery();
        QCOMPARE(g.identity, m_people[0]);
        QCOMPARE(g.faces.size(), 4);
        QCOMPARE(g.runs[0].model, QStringLiteral("fr_feature"));
        QCOMPARE(g.runs[1].model, QStringLiteral("fr_feature-ft1"));
        QVERIFY(!g.runs[0].compareGroup.isEmpty());
        QCOMPARE(g.runs[0].compareGroup, g.runs[1].compareGroup);
        for (const ui::GalleryRun &r : g.runs) {
            QCOMPARE(r.steps, 12);
            QCOMPARE(r.stepsRun, 12);
            QVERIFY(!r.cancelled());
            QVERIFY2(r.prior == QLatin1String("measured") || r.prior == QLatin1String("batchnorm"), qPrintable(r.prior));
            QVERIFY2(r.priorDetail.contains(QStringLiteral("statistics")), qPrintable(r.priorDetail));
            QCOMPARE(r.images.size(), 2);
            for (const ui::GalleryImage &im : r.images) {
                QVERIFY(QFileInfo::exists(im.path));
                QCOMPARE(im.image.size(), QSize(112, 112));
                QCOMPARE(im.own.version, r.model);
                QVERIFY(std::isfinite(im.own.cosine));
                QVERIFY(im.own.rank >= 1 && im.own.rank <= 4);
                QVERIFY(im.judges.isEmpty());
            }
        }
        QVERIFY(view()->findChild<QWidget *>(QStringLiteral("inversionCompare")));
        const QStringList captions = labelTexts(view(), QStringLiteral("invCaption"));
        QCOMPARE(captions.size(), 4);
        for (const QString &c : captions)
            QVERIFY2(c.contains(QStringLiteral("cos ")) && c.contains(QStringLiteral("rank ")) && !c.contains(QStringLiteral("judge")),
                     qPrintable(c));
        const QStringList headers = labelTexts(view(), QStringLiteral("inversionRunHeader"));
        QCOMPARE(headers.size(), 2);
        QVERIFY2(headers[0].contains(QStringLiteral("seed 1")) && headers[0].contains(QStringLiteral("prior")), qPrintable(headers[0]));
    }

    void judgeAddsItsRankBesideTheModels()
    {
        ui::MainWindow &w = *m_window;
        const QVector<store::InversionRecord> shown = view()->gallery().records();
        QCOMPARE(shown.size(), 4);
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        // The child judges the parent's images; its own two are left out.
        QVERIFY(w.inversionJobs()->judge(shown, QStringLiteral("fr_feature-ft1")));
        QCOMPARE(waitFor(done, 1), jobs::JobStatus::Done);
        QTRY_VERIFY_WITH_TIMEOUT(!view()->isLoading() && !view()->gallery().runs.isEmpty() &&
                                     !view()->gallery().runs[0].images[0].judges.isEmpty(),
                                 30000);
        const ui::InversionGallery &g = view()->gallery();
        for (const ui::GalleryImage &im : g.runs[0].images) {
            QCOMPARE(im.judges.size(), 1);
            QCOMPARE(im.judges[0].version, QStringLiteral("fr_feature-ft1"));
            QVERIFY(im.judges[0].rank >= 1 && im.judges[0].rank <= 4);
        }
        for (const ui::GalleryImage &im : g.runs[1].images)
            QVERIFY(im.judges.isEmpty());
        const QStringList captions = labelTexts(view(), QStringLiteral("invCaption"));
        QCOMPARE(captions.filter(QStringLiteral("judge fr_feature-ft1:")).size(), 2);
        // Stored: two scores (model and judge) for each of the parent's images.
        const store::ProjectStore st = store::ProjectStore::open(m_folder);
        for (const auto &r : store::InversionTable(st).forRun(g.runs[0].runId))
            QCOMPARE(r.scores.size(), 2);
        w.showView(ui::MainWindow::View::Inversion);
        shot(&w, "inversion_gallery");
        // The view alone at the size it gets in a 1366x768 window (the window itself grows to the
        // tallest view's minimum, the Linearizer's).
        if (!qEnvironmentVariableIsEmpty("FACELAB_SHOTS_DIR")) {
            ui::InversionView alone;
            alone.resize(1176, 520);
            alone.show();
            alone.setProject(w.project());
            QTRY_VERIFY(!alone.isLoading() && alone.gallery().runs.size() == 2);
            shot(&alone, "inversion_view_1366x768");
        }
    }

    void cancelKeepsTheLastImages()
    {
        ui::MainWindow &w = *m_window;
        invert::InvertRequest req;
        req.identity = m_people[1];
        req.options.steps = 400;
        req.options.batch = 2;
        req.options.previewEvery = 2;
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        const QVector<jobs::Job *> started = w.inversionJobs()->invert(req);
        QCOMPARE(started.size(), 1);
        jobs::Job *job = started[0];
        // Once it runs the view follows it (its previews start again from none).
        QTRY_COMPARE_WITH_TIMEOUT(job->status(), jobs::JobStatus::Running, 60000);
        QCOMPARE(view()->previewCount(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(view()->previewStep() >= 2 && view()->previewCount() == 2, 300000);
        job->cancel();
        QCOMPARE(waitFor(done, 1), jobs::JobStatus::Cancelled);
        QCOMPARE(view()->previewCount(), 2);   // the last preview stays
        QVERIFY2(view()->liveText()->text().contains(QStringLiteral("cancelled at step")), qPrintable(view()->liveText()->text()));
        QTRY_VERIFY_WITH_TIMEOUT(!view()->isLoading() && view()->gallery().identity == m_people[1], 30000);
        const ui::InversionGallery &g = view()->gallery();
        QCOMPARE(g.runs.size(), 1);
        QVERIFY(g.runs[0].cancelled());
        QVERIFY(g.runs[0].stepsRun >= 2 && g.runs[0].stepsRun < 400);
        QCOMPARE(g.runs[0].images.size(), 2);
        QVERIFY(!g.runs[0].images[0].image.isNull());
        const QStringList headers = labelTexts(view(), QStringLiteral("inversionRunHeader"));
        QCOMPARE(headers.size(), 1);
        QVERIFY2(headers[0].contains(QStringLiteral("cancelled at step %1 of 400").arg(g.runs[0].stepsRun)), qPrintable(headers[0]));
        shot(&w, "inversion_cancelled");
            }

    void aBadRequestNamesTheProblem()
    {
        ui::MainWindow &w = *m_window;
        invert::InvertRequest req;
        req.identity = QStringLiteral("Nobody Known");
        req.options.steps = 5;
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);
        QCOMPARE(w.inversionJobs()->invert(req).size(), 1);
        QCOMPARE(waitFor(done, 1), jobs::JobStatus::Failed);
        const QString text = w.notificationBar()->text();
        QVERIFY2(text.contains(QStringLiteral("no identity 'Nobody Known'")), qPrintable(text));
        QVERIFY2(view()->liveText()->text().contains(QStringLiteral("failed")), qPrintable(view()->liveText()->text()));
    }
};

QTEST_MAIN(TestUiInversion)
#include "test_ui_inversion.moc"

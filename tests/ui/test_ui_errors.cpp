// The Errors view's exported-folder browser and actions: an export lists its false positives and
// negatives grouped, as many as summary.json says, each pair shown from the folder's own files with
// its info.txt; verdicts go to the open project only when the pairs are its own; "Add to training
// feedback" records the truth as a verdict and asks first for a test-split pair; bad folders say
// which folder and what is wrong. Also "Export error folders…" as a job from the Evaluate view.
#include "UiTestProject.h"

#include "eval/ErrorExport.h"
#include "eval/EvalRun.h"
#include "store/FeedbackTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/ScoreTable.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/annotate/FaceView.h"
#include "ui/errors/ErrorsView.h"
#include "ui/evaluate/EvaluateView.h"
#include "ui/widgets/NotificationBar.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace facelab;
using facelab::test::UiTestProject;

namespace {

qint64 addScoredVersion(const UiTestProject &p, const QString &name)
{
    const store::ProjectStore &st = *p.store;
    const store::ModelTable models(st);
    const qint64 modelId = models.addModel(name, QStringLiteral("onnx"), QStringLiteral("/tmp/%1.onnx").arg(name));
    const qint64 version = models.addVersion(modelId, name, 0, QStringLiteral("models/%1.onnx").arg(name),
                                             QStringLiteral("{}"), 0.5, 0);
    // Same pairs around 0.6, different around 0.35, overlapping: errors on both sides of 0.5.
    QVector<double> values;
    const store::PairTable pairs(st);
    for (int i = 0; i < p.pairIds.size(); ++i) {
        const bool same = pairs.pair(p.pairIds[i]).truth.value_or(false);
        const double jitter = 0.03 * double((i * 7) % 11) - 0.15;
        values << (same ? 0.6 + jitter - 0.05 : 0.35 - jitter + 0.05);
    }
    store::ScoreTable(st).put(version, p.pairIds, values);
    return version;
}

eval::ErrorExportReport exportAll(const UiTestProject &p, qint64 version, const QString &out)
{
    const store::ProjectStore &st = *p.store;
    const eval::EvalPairs pairs = eval::loadEvalPairs(st, *store::ModelTable(st).version(version), eval::TruthSource::Verdicts);
    jobs::PlainJobContext ctx;
    return eval::exportErrors(st, pairs, eval::evaluatePairs(pairs, {}), out, ctx);
}

QJsonObject readSummary(const QString &out)
{
    QFile f(out + QStringLiteral("/summary.json"));
    f.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(f.readAll()).object();
}

int rowOf(const ui::ErrorsView &v, const std::function<bool(const ui::BrowsedPair &)> &pred)
{
    for (int i = 0; i < v.rows().size(); ++i)
        if (pred(v.rows()[i]))
            return i;
    return -1;
}

// FACELAB_TEST_SCREENSHOTS=DIR saves what the user would see (for looking at it, not checked).
void screenshot(QWidget *w, const QString &name)
{
    const QString dir = qEnvironmentVariable("FACELAB_TEST_SCREENSHOTS");
    if (dir.isEmpty())
        return;
    QDir().mkpath(dir);
    QCoreApplication::processEvents();
    w->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

void setSplit(const store::ProjectStore &st, qint64 pairId, const QString &split)
{
    QSqlQuery q(st.db());
    q.prepare(QStringLiteral("UPDATE pairs SET split = ? WHERE id = ?"));
    q.addBindValue(split);
    q.addBindValue(pairId);
    QVERIFY(q.exec());
}

} // namespace

class TestUiErrors : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::initResources();
    }

    void exportedFolderListsWhatTheSummarySays()
    {
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        const qint64 version = addScoredVersion(*project, QStringLiteral("mobile"));
        QTemporaryDir tmp;
        const QString out = tmp.filePath(QStringLiteral("errors"));
        const eval::ErrorExportReport rep = exportAll(*project, version, out);
        const QJsonObject summary = readSummary(out);
        const int fp = summary.value(QStringLiteral("false_positive_count")).toInt();
        const int fn = summary.value(QStringLiteral("false_negative_count")).toInt();
        QVERIFY(fp >= 1 && fn >= 1);

        ui::ErrorsView view;
        view.resize(1100, 700);
        view.setProject(project->store.get());
        view.show();
        QVERIFY2(view.openFolder(out), qPrintable(view.message()));
        QVERIFY(view.isBrowsingFolder());
        QVERIFY(view.message().isEmpty());
        QCOMPARE(view.title(), QStringLiteral("Exported errors: errors"));
        QCOMPARE(view.pairCount(), fp + fn);
        QCOMPARE(view.tree()->topLevelItemCount(), 2);
        QCOMPARE(view.tree()->topLevelItem(0)->childCount(), fp);
        QCOMPARE(view.tree()->topLevelItem(1)->childCount(), fn);
        QCOMPARE(view.tree()->topLevelItem(0)->text(0), QStringLiteral("False positives (%1)").arg(fp));
        QCOMPARE(view.tree()->topLevelItem(1)->text(0), QStringLiteral("False negatives (%1)").arg(fn));
        QVERIFY(view.tree()->topLevelItem(0)->child(0)->text(0).startsWith(QStringLiteral("pair_")));

        // The first (worst) false positive is shown from the folder's files, with its info.txt.
        QCOMPARE(view.selectedPair(), rep.errors.falsePositives.first().pairId);
        const QString pairDir = out + QLatin1Char('/') + rep.errors.falsePositives.first().folder;
        QCOMPARE(view.foldersToOpen(), QStringList{pairDir});
        QTRY_COMPARE(view.faceA()->state(), ui::FaceView::State::Shown);
        QTRY_COMPARE(view.faceB()->state(), ui::FaceView::State::Shown);
        QVERIFY(view.infoText()->isVisible());
        QVERIFY(view.infoText()->toPlainText().contains(QStringLiteral("pair id: %1").arg(view.selectedPair())));
        QVERIFY(view.infoText()->toPlainText().contains(QStringLiteral("error: false positive")));
        // The project's own pairs: verdicts can be recorded.
        QVERIFY(view.truthWrongButton()->isEnabled());
        QVERIFY(view.feedbackButton()->isEnabled());
        QVERIFY(view.openFolderButton()->isEnabled());

        // "Truth is wrong" on a false positive records "same" and marks the row (the export keeps it).
        const qint64 pair = view.selectedPair();
        QSignalSpy corrected(&view, &ui::ErrorsView::truthCorrected);
        QTest::mouseClick(view.truthWrongButton(), Qt::LeftButton);
        QCOMPARE(corrected.count(), 1);
        const auto rows = project->feedbackRows();
        QVERIFY(!rows.isEmpty());
        QCOMPARE(rows.last().pairId, pair);
        QCOMPARE(rows.last().verdict, QStringLiteral("same"));
        QCOMPARE(store::FeedbackTable(*project->store).history(pair).first().modelVersionId, version);
        QCOMPARE(view.pairCount(), fp + fn);
        QVERIFY(view.tree()->currentItem()->text(0).endsWith(QStringLiteral("truth corrected")));
        QVERIFY(!view.truthWrongButton()->isEnabled());
        QVERIFY(!view.feedbackButton()->isEnabled());
    }

    // Another project's export, or no project: browsable, but no verdict can be recorded, and the
    // buttons say why.
    void foreignExportDisablesVerdicts()
    {
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        const qint64 version = addScoredVersion(*project, QStringLiteral("mobile"));
        QTemporaryDir tmp;
        const QString out = tmp.filePath(QStringLiteral("errors"));
        exportAll(*project, version, out);
        auto other = UiTestProject::withImages(6, 4, 30, QSize(40, 44));   // same names, other images

        ui::ErrorsView view;
        view.setProject(other->store.get());
        view.show();
        QVERIFY(view.openFolder(out));
        QVERIFY(view.pairCount() > 0);
        QVERIFY(!view.truthWrongButton()->isEnabled());
        QVERIFY(!view.feedbackButton()->isEnabled());
        QVERIFY2(view.truthWrongButton()->toolTip().contains(QStringLiteral("another project")),
                 qPrintable(view.truthWrongButton()->toolTip()));
        QVERIFY(view.feedbackButton()->toolTip().contains(QStringLiteral("another project")));
        QVERIFY(view.openFolderButton()->isEnabled());   // the export's own folder still opens
        QVERIFY(!view.markTruthWrong());
        QVERIFY(!view.addToTrainingFeedback(true));
        QVERIFY(other->feedbackRows().isEmpty());

        view.setProject(nullptr);
        QVERIFY(view.openFolder(out));
        QVERIFY(!view.feedbackButton()->isEnabled());
        QVERIFY(view.feedbackButton()->toolTip().contains(QStringLiteral("No project is open")));
    }

    void addToTrainingFeedbackRecordsTheTruthAndWarnsForTestPairs()
    {
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        const qint64 version = addScoredVersion(*project, QStringLiteral("mobile"));
        QTemporaryDir tmp;
        const QString out = tmp.filePath(QStringLiteral("errors"));
        const eval::ErrorExportReport rep = exportAll(*project, version, out);
        QVERIFY(rep.errors.falseNegatives.size() >= 2);
        const qint64 testPair = rep.errors.falseNegatives[0].pairId, trainPair = rep.errors.falseNegatives[1].pairId;
        setSplit(*project->store, testPair, QStringLiteral("test"));

        ui::ErrorsView view;
        view.setProject(project->store.get());
        view.show();
        QStringList asked;
        bool answer = false;
        view.setConfirmation([&](const QString &warning) {
            asked << warning;
            return answer;
        });
        QVERIFY(view.openFolder(out));

        // A training-split false negative: its truth (same) becomes the user's verdict, no question.
        view.selectRow(rowOf(view, [&](const ui::BrowsedPair &r) { return r.pair.pairId == trainPair; }));
        QCOMPARE(view.selectedPair(), trainPair);
        QVERIFY(view.feedbackWarning().isEmpty());
        QSignalSpy added(&view, &ui::ErrorsView::feedbackAdded);
        QTest::mouseClick(view.feedbackButton(), Qt::LeftButton);
        QVERIFY(asked.isEmpty());
        QCOMPARE(added.count(), 1);
        QCOMPARE(project->feedbackRows().size(), 1);
        QCOMPARE(project->feedbackRows().last().pairId, trainPair);
        QCOMPARE(project->feedbackRows().last().verdict, QStringLiteral("same"));
        const store::FeedbackRecord rec = store::FeedbackTable(*project->store).history(trainPair).first();
        QCOMPARE(rec.modelVersionId, version);
        QCOMPARE(rec.score, rep.errors.falseNegatives[1].score);
        QVERIFY(!view.feedbackButton()->isEnabled());   // once is enough
        QVERIFY(view.tree()->currentItem()->text(0).endsWith(QStringLiteral("in feedback")));

        // A test-split pair: the warning comes first; "no" records nothing, "yes" records it.
        view.selectRow(rowOf(view, [&](const ui::BrowsedPair &r) { return r.pair.pairId == testPair; }));
        QCOMPARE(view.selectedPair(), testPair);
        QVERIFY(view.feedbackWarning().contains(QStringLiteral("is in the test split")));
        QVERIFY(!view.addToTrainingFeedback(false));
        QTest::mouseClick(view.feedbackButton(), Qt::LeftButton);
        QCOMPARE(asked.size(), 1);
        QVERIFY(asked.first().contains(QStringLiteral("Pair %1 is in the test split").arg(testPair)));
        QCOMPARE(project->feedbackRows().size(), 1);
        answer = true;
        QTest::mouseClick(view.feedbackButton(), Qt::LeftButton);
        QCOMPARE(asked.size(), 2);
        QCOMPARE(project->feedbackRows().size(), 2);
        QCOMPARE(project->feedbackRows().last().pairId, testPair);
        QCOMPARE(project->feedbackRows().last().verdict, QStringLiteral("same"));

        // A pair whose truth already is the user's verdict needs no feedback.
        const eval::ErrorPair fp = rep.errors.falsePositives.first();
        store::FeedbackTable(*project->store).add(fp.pairId, store::Verdict::Different);
        view.selectRow(rowOf(view, [&](const ui::BrowsedPair &r) { return r.pair.pairId == fp.pairId; }));
        QVERIFY(!view.feedbackButton()->isEnabled());
        QVERIFY(view.feedbackButton()->toolTip().contains(QStringLiteral("already")));
    }

    // In a listing of the evaluation, "Open folder" opens the folders of the two image files.
    void openFolderOfAListedPairIsItsImagesFolders()
    {
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        const qint64 version = addScoredVersion(*project, QStringLiteral("mobile"));
        const store::ProjectStore &st = *project->store;
        const eval::EvalPairs pairs = eval::loadEvalPairs(st, *store::ModelTable(st).version(version), eval::TruthSource::Verdicts);
        ui::ErrorsView view;
        view.setProject(project->store.get());
        view.showErrors(pairs, 0.5, true);
        QVERIFY(view.pairCount() > 0);
        QVERIFY(!view.isBrowsingFolder());
        const store::PairRecord rec = store::PairTable(st).pair(view.selectedPair());
        QStringList expected{QFileInfo(rec.a.absPath).absolutePath()};
        if (QFileInfo(rec.b.absPath).absolutePath() != expected.first())
            expected << QFileInfo(rec.b.absPath).absolutePath();
        QCOMPARE(view.foldersToOpen(), expected);
        QVERIFY(!view.infoText()->isVisible());
    }

    void badFoldersSayWhichAndWhy_data()
    {
        QTest::addColumn<QString>("setup");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << "empty" << "the folder is empty";
        QTest::newRow("not an export") << "photos" << "no summary.json";
        QTest::newRow("malformed json") << "malformed" << "summary.json is not valid JSON";
        QTest::newRow("missing") << "missing" << "does not exist";
    }

    void badFoldersSayWhichAndWhy()
    {
        QFETCH(QString, setup);
        QFETCH(QString, expected);
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        const qint64 version = addScoredVersion(*project, QStringLiteral("mobile"));
        const store::ProjectStore &st = *project->store;
        ui::ErrorsView view;
        view.setProject(project->store.get());
        view.show();
        view.showErrors(eval::loadEvalPairs(st, *store::ModelTable(st).version(version), eval::TruthSource::Verdicts), 0.5, true);
        const int listed = view.pairCount();
        QVERIFY(listed > 0);

        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("chosen"));
        if (setup != QLatin1String("missing"))
            QDir().mkpath(dir);
        auto write = [&](const QString &name, const QByteArray &bytes) {
            QFile f(dir + QLatin1Char('/') + name);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        };
        if (setup == QLatin1String("photos"))
            write(QStringLiteral("holiday.jpg"), "x");
        if (setup == QLatin1String("malformed"))
            write(QStringLiteral("summary.json"), "{\"false_positives\": [");
        QVERIFY(!view.openFolder(dir));
        QVERIFY2(view.message().contains(expected), qPrintable(view.message()));
        QVERIFY2(view.message().contains(QFileInfo(dir).absoluteFilePath()), qPrintable(view.message()));
        QVERIFY(view.findChild<QLabel *>(QStringLiteral("errorsFolderError"))->isVisible());
        // The list shown before stays.
        QVERIFY(!view.isBrowsingFolder());
        QCOMPARE(view.pairCount(), listed);
    }

    // "Export error folders…" without its dialog: a job (progress, run record) whose result the
    // Errors view browses; the counts are those of the Evaluate view at its threshold.
    void exportJobFromTheEvaluateView()
    {
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        addScoredVersion(*project, QStringLiteral("mobile"));
        ui::MainWindow w;
        w.setReportDialogsEnabled(false);
        w.resize(1300, 850);
        w.show();
        QVERIFY(w.openProject(project->folder));
        w.showView(ui::MainWindow::View::Evaluate);
        ui::EvaluateView *ev = w.evaluateView();
        QTRY_VERIFY_WITH_TIMEOUT(!ev->isLoading() && ev->hasResult(), 20000);
        QVERIFY(ev->exportErrorsButton()->isEnabled());
        ev->setThreshold(0.47);
        const eval::Confusion c = ev->confusion();

        QTemporaryDir tmp;
        // A chosen folder with other files gets a subfolder; an empty or new one is used as it is.
        QFile(tmp.filePath(QStringLiteral("notes.txt"))).open(QIODevice::WriteOnly);
        const QString out = ui::EvaluateView::errorExportFolder(tmp.path(), QStringLiteral("mobile"), 0.47);
        QCOMPARE(out, QDir(tmp.path()).absoluteFilePath(QStringLiteral("errors_mobile_t0.470")));
        QCOMPARE(ui::EvaluateView::errorExportFolder(out, QStringLiteral("mobile"), 0.47), out);

        QSignalSpy exported(ev, &ui::EvaluateView::errorsExported);
        QVERIFY(ev->exportErrorsTo(out));
        QVERIFY(!ev->exportErrorsButton()->isEnabled());   // one export at a time
        QVERIFY(!ev->exportErrorsTo(out));
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 30000);
        QCOMPARE(exported.first().first().toString(), out);
        QVERIFY(ev->exportErrorsButton()->isEnabled());
        QVERIFY2(w.notificationBar()->text().contains(QStringLiteral("Exported %1 false positives and %2 false negatives")
                                                          .arg(c.fp)
                                                          .arg(c.fn)),
                 qPrintable(w.notificationBar()->text()));
        const QJsonObject summary = readSummary(out);
        QCOMPARE(summary.value(QStringLiteral("threshold")).toDouble(), 0.47);
        QCOMPARE(summary.value(QStringLiteral("false_positive_count")).toInt(), int(c.fp));
        QCOMPARE(summary.value(QStringLiteral("false_negative_count")).toInt(), int(c.fn));
        // The Errors view browses it.
        ui::ErrorsView *errors = w.errorsView();
        QVERIFY(errors->openFolder(out));
        QCOMPARE(errors->pairCount(), int(c.fp + c.fn));
        QVERIFY(errors->feedbackButton()->isEnabled() || errors->truthWrongButton()->isEnabled());
        w.showView(ui::MainWindow::View::Errors);
        QTRY_COMPARE(errors->faceA()->state(), ui::FaceView::State::Shown);
        screenshot(&w, QStringLiteral("errors-exported-folder"));
        w.showView(ui::MainWindow::View::Evaluate);
        screenshot(&w, QStringLiteral("evaluate-after-export"));
    }
};

QTEST_MAIN(TestUiErrors)
#include "test_ui_errors.moc"

// The Evaluate view: the same AUC as eval::evaluateScores on the same pairs, live confusion counts
// as the threshold moves (programmatically, typed into the spin box, dragged on the histogram),
// a click on a histogram bar listing exactly that bar's pairs in the Errors view, a clear message
// instead of plots when there is nothing to evaluate, a second version compared on the same plots,
// and the plots exported to PNG and PDF.
#include "UiTestProject.h"

#include "eval/EvalPairs.h"
#include "eval/ErrorExport.h"
#include "eval/EvalRun.h"
#include "eval/Evaluation.h"
#include "jobs/RunRecorded.h"
#include "store/DecisionThreshold.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/ScoreTable.h"
#include "ui/Resources.h"
#include "ui/MainWindow.h"
#include "ui/errors/ErrorsView.h"
#include "ui/evaluate/EvaluateView.h"
#include "ui/evaluate/HistogramMouse.h"
#include "ui/annotate/AnnotateView.h"
#include "ui/annotate/FaceView.h"
#include "ui/annotate/ModelStrip.h"
#include "ui/models/ModelsView.h"
#include <QPushButton>
#include <QTreeWidget>

#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QTemporaryDir>
#include <QMouseEvent>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <qcustomplot.h>

using namespace facelab;
using facelab::test::UiTestProject;

namespace {

qint64 addVersion(const store::ProjectStore &st, const QString &name, std::optional<double> threshold)
{
    const store::ModelTable models(st);
    const qint64 modelId = models.addModel(name, QStringLiteral("onnx"), QStringLiteral("/tmp/%1.onnx").arg(name));
    return models.addVersion(modelId, name, 0, QStringLiteral("models/%1.onnx").arg(name), QStringLiteral("{}"),
                             threshold, 0);
}

// Same pairs score around 0.6, different ones around 0.35, overlapping a little; `shift` moves the
// different pairs up (a worse model).
void putScores(const UiTestProject &p, qint64 version, double shift = 0)
{
    QVector<double> values;
    const store::ProjectStore &st = *p.store;
    const store::PairTable pairs(st);
    for (int i = 0; i < p.pairIds.size(); ++i) {
        const bool same = pairs.pair(p.pairIds[i]).truth.value_or(false);
        const double jitter = 0.03 * double((i * 7) % 11) - 0.15;
        values << (same ? 0.6 + jitter : 0.35 + shift - jitter);
    }
    store::ScoreTable(st).put(version, p.pairIds, values);
}

eval::Confusion countAt(const eval::EvalPairs &pairs, double t)
{
    eval::Confusion c;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const bool predicted = pairs.scores[i] >= t;
        if (pairs.same[i])
            (predicted ? c.tp : c.fn) += 1;
        else
            (predicted ? c.fp : c.tn) += 1;
    }
    return c;
}

bool sameCounts(const eval::Confusion &a, const eval::Confusion &b)
{
    return a.tp == b.tp && a.tn == b.tn && a.fp == b.fp && a.fn == b.fn;
}

void sendMouse(QWidget *w, QEvent::Type type, QPointF pos, Qt::MouseButtons buttons)
{
    QMouseEvent e(type, pos, w->mapToGlobal(pos), type == QEvent::MouseMove ? Qt::NoButton : Qt::LeftButton,
                  buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

} // namespace

class TestUiEvaluate : public QObject
{
    Q_OBJECT

    struct Fixture
    {
        std::unique_ptr<UiTestProject> project;
        qint64 version = 0;
        std::unique_ptr<ui::EvaluateView> view;
    };

    Fixture make(bool scored = true, std::optional<double> threshold = 0.5)
    {
        Fixture f;
        f.project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        f.version = addVersion(*f.project->store, QStringLiteral("mobile"), threshold);
        store::ModelTable(*f.project->store).setCurrent(f.version);
        if (scored)
            putScores(*f.project, f.version);
        f.view = std::make_unique<ui::EvaluateView>();
        f.view->resize(1200, 800);
        f.view->setProject(f.project->store.get());
        f.view->show();
        return f;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::initResources();
    }

    void aucMatchesTheCore()
    {
        Fixture f = make();
        QTRY_VERIFY_WITH_TIMEOUT(!f.view->isLoading() && f.view->hasResult(), 20000);
        QVERIFY(f.view->message().isEmpty());
        const store::ProjectStore &st = *f.project->store;
        const auto pairs = eval::loadEvalPairs(st, *store::ModelTable(st).version(f.version), eval::TruthSource::Verdicts);
        QVERIFY(pairs.size() >= 20);
        eval::EvalOptions o;
        o.threshold = 0.5;
        o.folds = 10;
        const eval::EvalResult expected = eval::evaluateScores(pairs.scores, pairs.same, o);
        const eval::EvalResult &got = f.view->data().primary.result;
        QCOMPARE(got.auc, expected.auc);
        QCOMPARE(got.eer, expected.eer);
        QCOMPARE(got.best.threshold, expected.best.threshold);
        QCOMPARE(got.kfold.accuracyMean, expected.kfold.accuracyMean);
        QVERIFY(got.auc > 0.5 && got.auc < 1.0);   // overlapping classes: a real curve
        // The version's threshold is the starting point, and the counts match it.
        QCOMPARE(f.view->threshold(), 0.5);
        QVERIFY(sameCounts(f.view->confusion(), countAt(pairs, 0.5)));
        QVERIFY(f.view->findChild<QLabel *>(QStringLiteral("evalMetrics"))->text().contains(QString::number(expected.auc, 'f', 4)));
        // The ROC plot shows every ROC point, the log FAR axis drops FAR = 0.
        QCOMPARE(f.view->rocPlot()->graph(1)->dataCount(), int(expected.roc.points().size()));
        f.view->logFarBox()->setChecked(true);
        QCOMPARE(f.view->rocPlot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(f.view->rocPlot()->graph(1)->dataCount() < int(expected.roc.points().size()));
    }

    void thresholdMovesTheCounts()
    {
        Fixture f = make();
        QTRY_VERIFY_WITH_TIMEOUT(!f.view->isLoading() && f.view->hasResult(), 20000);
        const eval::EvalPairs &pairs = f.view->data().primary.pairs;

        // Programmatically.
        for (double t : {0.2, 0.4, 0.47, 0.55, 0.8}) {
            f.view->setThreshold(t);
            QVERIFY2(sameCounts(f.view->confusion(), countAt(pairs, t)), qPrintable(QString::number(t)));
            QCOMPARE(f.view->thresholdBox()->value(), t);
            QCOMPARE(f.view->findChild<QLabel *>(QStringLiteral("confusionTP"))->text(),
                     QStringLiteral("TP %1").arg(countAt(pairs, t).tp));
        }

        // Typed into the spin box.
        QDoubleSpinBox *box = f.view->thresholdBox();
        box->setFocus();
        box->selectAll();
        QTest::keyClicks(box, QStringLiteral("0.42"));
        QTest::keyClick(box, Qt::Key_Enter);
        QCOMPARE(f.view->threshold(), 0.42);
        QVERIFY(sameCounts(f.view->confusion(), countAt(pairs, 0.42)));
        QTest::keyClick(box, Qt::Key_Up);   // one step: 0.01
        QVERIFY(std::abs(f.view->threshold() - 0.43) < 1e-9);
        QVERIFY(sameCounts(f.view->confusion(), countAt(pairs, f.view->threshold())));

        // Dragged on the histogram: a press alone (it may become a click on a bar) leaves the
        // threshold; moving with the button down drags it, wherever the drag started.
        QCustomPlot *hist = f.view->histogramPlot();
        hist->replot();
        const double y = hist->yAxis->coordToPixel(hist->yAxis->range().center());
        const QPointF at30(hist->xAxis->coordToPixel(0.30), y);
        const QPointF at60(hist->xAxis->coordToPixel(0.60), y);
        const double typed = f.view->threshold();
        sendMouse(hist, QEvent::MouseButtonPress, at30, Qt::LeftButton);
        QCOMPARE(f.view->threshold(), typed);
        sendMouse(hist, QEvent::MouseMove, at60, Qt::LeftButton);
        QVERIFY(std::abs(f.view->threshold() - 0.60) < 0.01);
        QVERIFY(sameCounts(f.view->confusion(), countAt(pairs, f.view->threshold())));
        QVERIFY(std::abs(f.view->thresholdBox()->value() - f.view->threshold()) < 1e-4);
        sendMouse(hist, QEvent::MouseMove, at30, Qt::LeftButton);
        QVERIFY(std::abs(f.view->threshold() - 0.30) < 0.01);
        QVERIFY(sameCounts(f.view->confusion(), countAt(pairs, f.view->threshold())));
        sendMouse(hist, QEvent::MouseButtonRelease, at30, Qt::NoButton);
        // Moving without a button pressed leaves it alone.
        const double before = f.view->threshold();
        sendMouse(hist, QEvent::MouseMove, at60, Qt::NoButton);
        QCOMPARE(f.view->threshold(), before);
        // Grabbing the line itself moves it by less than a drag distance, too.
        hist->replot();
        const QPointF onLine(hist->xAxis->coordToPixel(f.view->threshold()) + 2, y);
        QVERIFY(f.view->histogramMouse()->nearThreshold(onLine));
        sendMouse(hist, QEvent::MouseButtonPress, onLine, Qt::LeftButton);
        sendMouse(hist, QEvent::MouseMove, onLine + QPointF(3, 0), Qt::LeftButton);
        sendMouse(hist, QEvent::MouseButtonRelease, onLine + QPointF(3, 0), Qt::NoButton);
        QCOMPARE(f.view->threshold(), hist->xAxis->pixelToCoord(onLine.x() + 3));
    }

    void noScoresSaysWhatToDo()
    {
        Fixture f = make(false);
        QTRY_VERIFY_WITH_TIMEOUT(!f.view->isLoading() && !f.view->message().isEmpty() &&
                                     f.view->message() != QStringLiteral("Evaluating…"),
                                 20000);
        QVERIFY(!f.view->hasResult());
        QVERIFY2(f.view->message().contains(QStringLiteral("embed the faces")), qPrintable(f.view->message()));
        QVERIFY(!f.view->exportPng(QStringLiteral("/nonexistent/a.png"), QStringLiteral("/nonexistent/b.png")));
        // The button under the message does what it asks: embed with the version evaluated.
        QPushButton *action = f.view->messageActionButton();
        QVERIFY(action->isVisible());
        QCOMPARE(action->text(), QStringLiteral("Embed the faces"));
        QSignalSpy embed(f.view.get(), &ui::EvaluateView::embedRequested);
        action->click();
        QCOMPARE(embed.count(), 1);
        QCOMPARE(embed.at(0).at(0).toLongLong(), f.view->versionBox()->currentData().toLongLong());
    }

    void noModelSaysWhatToDo()
    {
        auto project = UiTestProject::withImages(2, 2, 4, QSize(32, 32));
        ui::EvaluateView view;
        view.setProject(project->store.get());
        view.show();
        QVERIFY(view.message().contains(QStringLiteral("no model")));
        QVERIFY(view.messageActionButton()->isVisible());
        QCOMPARE(view.messageActionButton()->text(), QStringLiteral("Add the default model"));
        QSignalSpy add(&view, &ui::EvaluateView::addDefaultModelRequested);
        view.messageActionButton()->click();
        QCOMPARE(add.count(), 1);
        view.setProject(nullptr);
        QVERIFY(view.message().contains(QStringLiteral("Open a project")));
        QVERIFY(!view.messageActionButton()->isVisible());
    }

    void compareWithASecondVersion()
    {
        Fixture f = make();
        const qint64 other = addVersion(*f.project->store, QStringLiteral("big"), std::nullopt);
        putScores(*f.project, other, 0.15);
        f.view->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!f.view->isLoading() && f.view->hasResult(), 20000);
        QComboBox *cmp = f.view->compareBox();
        const int idx = cmp->findData(other);
        QVERIFY(idx > 0);
        cmp->setCurrentIndex(idx);
        f.view->evaluate();
        QTRY_VERIFY_WITH_TIMEOUT(!f.view->isLoading() && f.view->data().compare.has_value(), 20000);
        QVERIFY(f.view->data().compare->ok);
        QVERIFY(f.view->data().compare->result.auc < f.view->data().primary.result.auc);
        QVERIFY(f.view->rocPlot()->graph(2)->visible());
        QVERIFY(f.view->rocPlot()->graph(2)->dataCount() > 2);
        QVERIFY(f.view->rocPlot()->graph(2)->pen().color() != f.view->rocPlot()->graph(1)->pen().color());
    }

    // FP cell -> Errors view listing eval::listErrors' false positives; "Truth is wrong" records the
    // opposite verdict, re-evaluates (keeping the chosen threshold), and the pair is no longer an FP.
    void falsePositivesOpenInErrorsAndTruthCanBeCorrected()
    {
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        const qint64 version = addVersion(*project->store, QStringLiteral("mobile"), 0.5);
        putScores(*project, version);
        ui::MainWindow w;
        w.setReportDialogsEnabled(false);
        w.resize(1300, 850);
        w.show();
        QVERIFY(w.openProject(project->folder));
        w.showView(ui::MainWindow::View::Evaluate);
        ui::EvaluateView *ev = w.evaluateView();
        QTRY_VERIFY_WITH_TIMEOUT(!ev->isLoading() && ev->hasResult(), 20000);
        const double t = 0.42;
        ev->setThreshold(t);
        const eval::Confusion before = ev->confusion();
        QVERIFY(before.fp >= 2);
        const auto expected = eval::listErrors(ev->data().primary.pairs, t);

        QTest::mouseClick(ev->findChild<QLabel *>(QStringLiteral("confusionFP")), Qt::LeftButton);
        ui::ErrorsView *errors = w.errorsView();
        QVERIFY(errors->isVisible());
        QCOMPARE(errors->title(), QStringLiteral("False positives (%1)").arg(before.fp));
        QCOMPARE(errors->pairCount(), int(before.fp));
        QCOMPARE(errors->tree()->topLevelItemCount(), int(before.fp));
        for (int i = 0; i < expected.falsePositives.size(); ++i)
            QCOMPARE(errors->rows()[i].pair.pairId, expected.falsePositives[i].pairId);
        for (const auto &r : errors->rows()) {
            QVERIFY(!r.pair.truthSame);
            QVERIFY(r.pair.score >= t);
        }
        const qint64 pair = errors->selectedPair();
        QCOMPARE(pair, expected.falsePositives.first().pairId);
        QTRY_COMPARE(errors->faceA()->state(), ui::FaceView::State::Shown);
        QTRY_COMPARE(errors->faceB()->state(), ui::FaceView::State::Shown);

        QSignalSpy evaluated(ev, &ui::EvaluateView::evaluated);
        QTest::mouseClick(errors->truthWrongButton(), Qt::LeftButton);
        const auto rows = project->feedbackRows();
        QVERIFY(!rows.isEmpty());
        QCOMPARE(rows.last().pairId, pair);
        QCOMPARE(rows.last().verdict, QStringLiteral("same"));
        QCOMPARE(errors->pairCount(), int(before.fp) - 1);
        QCOMPARE(errors->tree()->topLevelItemCount(), int(before.fp) - 1);
        QTRY_VERIFY_WITH_TIMEOUT(evaluated.count() >= 1 && !ev->isLoading(), 20000);
        QCOMPARE(ev->threshold(), t);
        QCOMPARE(ev->confusion().fp, before.fp - 1);
        QCOMPARE(ev->confusion().tp, before.tp + 1);

        // FN cell lists the false negatives.
        w.showView(ui::MainWindow::View::Evaluate);
        QTest::mouseClick(ev->findChild<QLabel *>(QStringLiteral("confusionFN")), Qt::LeftButton);
        QCOMPARE(errors->pairCount(), int(ev->confusion().fn));
        for (const auto &r : errors->rows())
            QVERIFY(r.pair.truthSame && r.pair.score < t);
    }

    // A click on a bar of either histogram lists exactly the pairs of that class whose score falls in
    // that bar (counted here from the bin edges, not through the view's binning); a click above the
    // bars moves the threshold instead and opens nothing.
    void histogramBarClickListsThatBarsPairs()
    {
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        const qint64 version = addVersion(*project->store, QStringLiteral("mobile"), 0.5);
        putScores(*project, version);
        ui::MainWindow w;
        w.setReportDialogsEnabled(false);
        w.resize(1300, 850);
        w.show();
        QVERIFY(w.openProject(project->folder));
        w.showView(ui::MainWindow::View::Evaluate);
        ui::EvaluateView *ev = w.evaluateView();
        QTRY_VERIFY_WITH_TIMEOUT(!ev->isLoading() && ev->hasResult(), 20000);
        ev->setThreshold(0.45);
        QCustomPlot *hist = ev->histogramPlot();
        hist->replot();
        const ui::ScoreHistogram &h = ev->histogram();
        const eval::EvalPairs &pairs = ev->data().primary.pairs;
        int opened = 0;
        connect(ev, &ui::EvaluateView::pairsRequested, this, [&opened] { ++opened; });

        for (const bool same : {true, false}) {
            // The fullest bar of the class among those where halfway up is this class's bar: the other
            // class has none there, or a taller one (where bars overlap, the lower bar is hit).
            const auto &mine = same ? h.sameShare : h.differentShare;
            const auto &other = same ? h.differentShare : h.sameShare;
            int bin = -1;
            for (int b = 0; b < h.bins; ++b)
                if (mine[b] > 0 && (other[b] == 0 || other[b] > mine[b]) && (bin < 0 || mine[b] > mine[bin]))
                    bin = b;
            QVERIFY(bin >= 0);
            const QPointF at(hist->xAxis->coordToPixel(h.center(bin)), hist->yAxis->coordToPixel(mine[bin] / 2));
            const auto bar = ev->histogramMouse()->barAt(at);
            QVERIFY(bar && bar->same == same && bar->bin == bin);
            QVector<qint64> expected;
            for (std::size_t i = 0; i < pairs.size(); ++i)
                if (bool(pairs.same[i]) == same && pairs.scores[i] >= h.low(bin) && pairs.scores[i] < h.high(bin))
                    expected << pairs.pairIds[int(i)];
            QVERIFY(!expected.isEmpty());

            w.showView(ui::MainWindow::View::Evaluate);
            hist->replot();
            const int openedBefore = opened;
            sendMouse(hist, QEvent::MouseButtonPress, at, Qt::LeftButton);
            sendMouse(hist, QEvent::MouseButtonRelease, at, Qt::NoButton);
            QCOMPARE(opened, openedBefore + 1);
            QCOMPARE(ev->threshold(), 0.45);   // a click on a bar is not a threshold move
            ui::ErrorsView *errors = w.errorsView();
            QVERIFY(errors->isVisible());
            const QString title = errors->title();
            QVERIFY2(title.startsWith(same ? QStringLiteral("Same-person pairs with similarity ")
                                           : QStringLiteral("Different-person pairs with similarity ")),
                     qPrintable(title));
            QVERIFY2(title.contains(QStringLiteral("%1–%2 (%3)").arg(h.low(bin), 0, 'f', 2).arg(h.high(bin), 0, 'f', 2).arg(expected.size())),
                     qPrintable(title));
            QVector<qint64> listed;
            for (const auto &r : errors->rows()) {
                listed << r.pair.pairId;
                QCOMPARE(r.pair.truthSame, same);
            }
            QCOMPARE(errors->tree()->topLevelItemCount(), int(expected.size()));
            std::sort(listed.begin(), listed.end());
            std::sort(expected.begin(), expected.end());
            QCOMPARE(listed, expected);
        }

        // Above every bar: the threshold moves there, nothing opens.
        w.showView(ui::MainWindow::View::Evaluate);
        hist->replot();
        const QPointF above(hist->xAxis->coordToPixel(0.40), hist->yAxis->coordToPixel(hist->yAxis->range().upper) + 3);
        QVERIFY(!ev->histogramMouse()->barAt(above));
        const int openedBefore = opened;
        sendMouse(hist, QEvent::MouseButtonPress, above, Qt::LeftButton);
        sendMouse(hist, QEvent::MouseButtonRelease, above, Qt::NoButton);
        QCOMPARE(opened, openedBefore);
        QVERIFY(std::abs(ev->threshold() - 0.40) < 0.01);
        QVERIFY(w.evaluateView()->isVisible());
    }

    // One threshold rule wherever the window decides "same" by the model: Annotate's model line
    // (and its queue order), Models, Evaluate and the Errors listed from the navigation all use the
    // version's stored threshold, else its last evaluation run's best threshold, else the default,
    // and say which.
    void everyViewDecidesAtTheSameThreshold()
    {
        auto project = UiTestProject::withImages(6, 4, 30, QSize(32, 32));
        const store::ProjectStore &st = *project->store;
        const qint64 version = addVersion(st, QStringLiteral("mobile"), std::nullopt);
        store::ModelTable(st).setCurrent(version);
        putScores(*project, version, 0.1);   // overlapping classes: the best threshold is not the default
        ui::MainWindow w;
        w.setReportDialogsEnabled(false);
        w.resize(1300, 850);
        w.show();
        QVERIFY(w.openProject(project->folder));
        ui::EvaluateView *ev = w.evaluateView();
        ui::ModelStrip *strip = w.annotateView()->modelStrip();

        auto checkEverywhere = [&](double t, const QString &caption) {
            QCOMPARE(w.annotateView()->modelThreshold(), t);
            QVERIFY(std::abs(strip->threshold() - t) < 0.006);   // the box shows two decimals
            QCOMPARE(strip->findChild<QLabel *>(QStringLiteral("thresholdCaption"))->text(), caption);
            w.showView(ui::MainWindow::View::Models);
            QVERIFY(std::abs(w.modelsView()->thresholdBox()->value() - t) < 0.0006);
            QSignalSpy evaluated(ev, &ui::EvaluateView::evaluated);
            ev->invalidate();
            w.showView(ui::MainWindow::View::Evaluate);
            QTRY_VERIFY_WITH_TIMEOUT(evaluated.count() > 0 && !ev->isLoading() && ev->hasResult(), 20000);
            QCOMPARE(ev->threshold(), t);
            // Errors from the navigation: the false positives at that threshold, no others.
            w.errorsView()->showEmptyState(QString());
            w.showView(ui::MainWindow::View::Errors);
            QTRY_VERIFY_WITH_TIMEOUT(w.errorsView()->hasListing(), 20000);
            const eval::EvalPairs &pairs = ev->data().primary.pairs;
            int fp = 0;
            for (std::size_t i = 0; i < pairs.size(); ++i)
                fp += !pairs.same[i] && pairs.scores[i] >= t;
            QCOMPARE(w.errorsView()->rows().size(), fp);
            for (const auto &r : w.errorsView()->rows())
                QVERIFY(!r.pair.truthSame && r.pair.score >= t);
        };
        checkEverywhere(store::kDefaultDecisionThreshold, QStringLiteral("threshold (default)"));

        // An evaluation run (as `facelab eval` records it): its best threshold becomes the rule.
        jobs::PlainJobContext ctx;
        const auto rec = *store::ModelTable(st).version(version);
        const eval::EvalRunResult run = jobs::runRecorded(
            st, jobs::JobKind::Eval, eval::evalRunParams(rec, eval::TruthSource::Verdicts, {}), ctx,
            [&](jobs::JobContext &c) { return eval::runEvaluation(st, rec, eval::TruthSource::Verdicts, {}, c); });
        const double best = run.result.best.threshold;
        QVERIFY(std::abs(best - store::kDefaultDecisionThreshold) > 0.01);
        QCOMPARE(store::decisionThreshold(st, rec).evalRunId, run.runId);
        w.annotateView()->refreshModel();
        w.modelsView()->refresh();
        checkEverywhere(best, QStringLiteral("threshold (last evaluation)"));

        // A stored threshold (typed in Models) wins over both.
        w.showView(ui::MainWindow::View::Models);
        w.modelsView()->thresholdBox()->setValue(0.47);
        QCOMPARE(store::ModelTable(st).version(version)->threshold, std::optional<double>(0.47));
        checkEverywhere(0.47, QStringLiteral("threshold"));
    }

    void exportsPngAndPdf()
    {
        Fixture f = make();
        QTRY_VERIFY_WITH_TIMEOUT(!f.view->isLoading() && f.view->hasResult(), 20000);
        QTemporaryDir out;
        const QString roc = out.filePath(QStringLiteral("roc.png")), hist = out.filePath(QStringLiteral("hist.png"));
        QVERIFY(f.view->exportPng(roc, hist));
        QVERIFY(QFileInfo(roc).size() > 0);
        QVERIFY(QFileInfo(hist).size() > 0);
        QImage img(roc);
        QVERIFY(!img.isNull());
        const QString rocPdf = out.filePath(QStringLiteral("roc.pdf")), histPdf = out.filePath(QStringLiteral("hist.pdf"));
        QVERIFY(f.view->exportPdf(rocPdf, histPdf));
        QVERIFY(QFileInfo(rocPdf).size() > 0);
        QVERIFY(QFileInfo(histPdf).size() > 0);
    }
};

QTEST_MAIN(TestUiEvaluate)
#include "test_ui_evaluate.moc"

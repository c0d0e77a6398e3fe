// The model engine in the GUI: the Annotate view's model line (score after the verdict by
// default, before it when asked, "not scored yet", a banner without a model), the queue ordered
// most-uncertain-first, the Models view (lineage, preprocessing, threshold written to the store,
// the LibTorch/OpenCV disagreement flag), the Faces view (images left out, picking another face),
// and, when the real default model is installed, "Add default model" + "Embed faces" as jobs.
#include "UiTestProject.h"

#include "DataPaths.h"
#include "data/PairQueue.h"
#include "data/QueueStrategy.h"
#include "jobs/JobQueue.h"
#include "store/FaceTable.h"
#include "store/FeedbackTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"
#include "store/ScoreTable.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/annotate/AnnotateView.h"
#include "ui/annotate/ModelStrip.h"
#include "ui/faces/FacePicker.h"
#include "ui/faces/FacesView.h"
#include "ui/models/ModelEngine.h"
#include "ui/models/ModelJobs.h"
#include "ui/models/ModelsView.h"
#include "ui/models/PreprocessingDialog.h"
#include "ui/widgets/NotificationBar.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTreeWidget>
#include <cmath>

using namespace facelab;
using facelab::test::UiTestProject;

namespace {

const char *const kPrep = R"({"channel_order":"RGB","mean":[127,127,127],"std":[128,128,128],"width":112,"height":112})";

// A model version registered the way an import registers one, without a real model file:
// the run's params hold the import report (diff < 0: no comparison ran).
qint64 registerVersion(const store::ProjectStore &st, const QString &name, qint64 parentId, double diff,
                       const QString &note = {}, std::optional<double> threshold = std::nullopt)
{
    const store::ModelTable models(st);
    const store::RunTable runs(st);
    QJsonObject report{{"file", QStringLiteral("/tmp/%1.onnx").arg(name)},
                       {"parameters", 1000000},
                       {"inputs", QJsonArray{QJsonObject{{"name", "input"}, {"shape", QJsonArray{-1, 3, 112, 112}}}}},
                       {"outputs", QJsonArray{QJsonObject{{"name", "embedding"}, {"shape", QJsonArray{-1, 128}}}}},
                       {"max_abs_diff_vs_opencv", diff >= 0 ? QJsonValue(diff) : QJsonValue()},
                       {"agrees_with_opencv", diff >= 0 && diff <= 1e-4},
                       {"opencv_note", note},
                       {"preprocessing", QJsonDocument::fromJson(kPrep).object()}};
    const qint64 run = runs.start(parentId > 0 ? QStringLiteral("fine-tune") : QStringLiteral("model-import"),
                                  QString::fromUtf8(QJsonDocument(report).toJson(QJsonDocument::Compact)),
                                  store::RunStatus::Done);
    const qint64 modelId = parentId > 0 ? models.version(parentId)->modelId
                                        : models.addModel(name, QStringLiteral("onnx"), report.value("file").toString());
    return models.addVersion(modelId, name, parentId, QStringLiteral("models/%1.onnx").arg(name), QString::fromLatin1(kPrep),
                             threshold, run);
}

// An iResNet checkpoint registered as an import does: no second runtime reads it.
qint64 registerNativeVersion(const store::ProjectStore &st, const QString &name, bool partial)
{
    const store::ModelTable models(st);
    const store::RunTable runs(st);
    const QJsonObject report{{"family", "iresnet"},
                             {"architecture", "iresnet18"},
                             {"tensors", partial ? "90 of 187 tensors (97 missing)" : "187 of 187 tensors"},
                             {"partial", partial},
                             {"cross_check", QJsonObject{{"applicable", false}, {"runtime", ""}, {"max_abs_diff", QJsonValue()},
                                                         {"note", "no second runtime reads iresnet checkpoints"}}},
                             {"preprocessing", QJsonDocument::fromJson(kPrep).object()}};
    const qint64 run = runs.start(QStringLiteral("model-import"), QString::fromUtf8(QJsonDocument(report).toJson(QJsonDocument::Compact)),
                                  store::RunStatus::Done);
    return models.addVersion(models.addModel(name, QStringLiteral("iresnet"), QStringLiteral("/tmp/%1.pth").arg(name)), name, 0,
                             QStringLiteral("models/%1.pth").arg(name), QString::fromLatin1(kPrep), std::nullopt, run);
}

QString fmt(double s)
{
    return QString::number(s, 'f', 3);
}

} // namespace

class TestUiModels : public QObject
{
    Q_OBJECT

private:
    // 12 pairs; a version "mobile" (threshold 0.5) that scored every pair but one. Pair i's
    // score is 0.5 ± 0.02 (12 - i): the later the pair, the less sure the model.
    struct Scored
    {
        std::unique_ptr<UiTestProject> project;
        qint64 version = 0;
        QHash<qint64, double> scores;
        qint64 unscored = 0;
        QVector<qint64> byUncertainty;   // scored pairs, most uncertain first
    };
    Scored makeScored(bool scoreNow = true)
    {
        Scored s;
        s.project = UiTestProject::withImages(4, 3, 12);
        const store::ProjectStore &st = *s.project->store;
        s.version = registerVersion(st, QStringLiteral("mobile"), 0, 2e-6, {}, 0.5);
        store::ModelTable(st).setCurrent(s.version);
        const QVector<qint64> &ids = s.project->pairIds;
        s.unscored = ids[5];
        QVector<qint64> scoredIds;
        QVector<double> values;
        for (int i = 0; i < ids.size(); ++i) {
            if (ids[i] == s.unscored)
                continue;
            const double v = 0.5 + (i % 2 ? -1 : 1) * 0.02 * (12 - i);
            s.scores.insert(ids[i], v);
            scoredIds << ids[i];
            values << v;
        }
        if (scoreNow)
            store::ScoreTable(st).put(s.version, scoredIds, values);
        s.byUncertainty = scoredIds;
        std::sort(s.byUncertainty.begin(), s.byUncertainty.end(),
                  [&](qint64 a, qint64 b) { return std::abs(s.scores[a] - 0.5) < std::abs(s.scores[b] - 0.5); });
        return s;
    }

    std::unique_ptr<ui::AnnotateView> showAnnotate(const store::ProjectStore *st)
    {
        auto v = std::make_unique<ui::AnnotateView>();
        v->resize(1100, 760);
        v->setProject(st);
        v->show();
        v->activateWindow();
        if (!QTest::qWaitForWindowActive(v.get()))
            qWarning("window not active; shortcuts may not fire");
        v->setFocus();
        return v;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::initResources();
    }

    void init()
    {
        QSettings().remove(QStringLiteral("annotate/showModelBeforeVerdict"));
    }

    void scoreShownAfterTheVerdictNotBefore()
    {
        Scored s = makeScored();
        auto view = showAnnotate(s.project->store.get());
        ui::ModelStrip *strip = view->modelStrip();
        QCOMPARE(view->modelVersion(), s.version);
        QVERIFY(!view->modelShownBeforeVerdict());

        // Before the verdict: the model and threshold, not the score or the prediction.
        const qint64 first = view->currentPairId();
        const double firstScore = s.scores.value(first);
        QCOMPARE(strip->state(), ui::ModelStrip::State::Hidden);
        QVERIFY2(strip->text().contains(QStringLiteral("mobile")), qPrintable(strip->text()));
        QVERIFY2(!strip->text().contains(fmt(firstScore)), qPrintable(strip->text()));
        QVERIFY(!strip->text().contains(QStringLiteral("predicts")));
        QCOMPARE(strip->threshold(), 0.5);

        // The verdict: the line under the buttons reports the model's view of that pair.
        QTest::keyClick(view.get(), Qt::Key_S);
        QVERIFY(view->currentPairId() != first);
        QVERIFY2(view->lastAnswerText().contains(fmt(firstScore)), qPrintable(view->lastAnswerText()));
        QVERIFY2(view->lastAnswerText().contains(firstScore >= 0.5 ? QStringLiteral("→ same") : QStringLiteral("→ different")),
                 qPrintable(view->lastAnswerText()));
        // The next pair has no verdict: hidden again.
        QCOMPARE(strip->state(), ui::ModelStrip::State::Hidden);
        QVERIFY(!strip->text().contains(fmt(s.scores.value(view->currentPairId()))));

        // Back to the answered pair: score, threshold, prediction and whether it agrees with you.
        QTest::keyClick(view.get(), Qt::Key_Backspace);
        QCOMPARE(view->currentPairId(), first);
        QCOMPARE(strip->state(), ui::ModelStrip::State::Shown);
        QVERIFY2(strip->text().contains(fmt(firstScore)), qPrintable(strip->text()));
        QVERIFY(strip->text().contains(QStringLiteral("predicts")));
        QVERIFY(strip->text().contains(firstScore >= 0.5 ? QStringLiteral("agrees") : QStringLiteral("disagrees")));

        // "Always" (View menu, remembered): shown before answering.
        QTest::keyClick(view.get(), Qt::Key_PageDown);
        const qint64 second = view->currentPairId();
        QCOMPARE(strip->state(), ui::ModelStrip::State::Hidden);
        view->showModelBeforeVerdictAction()->trigger();
        QVERIFY(view->modelShownBeforeVerdict());
        QCOMPARE(strip->state(), ui::ModelStrip::State::Shown);
        QVERIFY2(strip->text().contains(fmt(s.scores.value(second))), qPrintable(strip->text()));
        QCOMPARE(QSettings().value(QStringLiteral("annotate/showModelBeforeVerdict")).toBool(), true);
        ui::AnnotateView other;
        QVERIFY(other.modelShownBeforeVerdict());

        // A pair the model has not scored says so.
        QVERIFY(view->queue()->jumpTo(s.unscored));
        view->reloadQueue(true);
        QCOMPARE(view->currentPairId(), s.unscored);
        QCOMPARE(strip->state(), ui::ModelStrip::State::Unscored);
        QVERIFY2(strip->text().contains(QStringLiteral("not scored yet")), qPrintable(strip->text()));

        // The threshold is the version's own, editable here: written to the store.
        strip->thresholdBox()->setValue(0.42);
        QCOMPARE(*store::ModelTable(*s.project->store).version(s.version)->threshold, 0.42);
        view->showModelBeforeVerdictAction()->trigger();
        QVERIFY(!view->modelShownBeforeVerdict());
    }

    void queueFollowsUncertaintyWhenScoresExist()
    {
        Scored s = makeScored();
        const store::ProjectStore &st = *s.project->store;
        // The uncertainty strategy (Pairs > Queue strategy; the default mix interleaves hard pairs).
        st.setSetting(QString::fromLatin1(data::kQueueStrategySetting), QStringLiteral("uncertainty"));
        auto view = showAnnotate(&st);
        data::PairQueue *q = view->queue();
        QCOMPARE(q->modelVersion(), s.version);
        // Most uncertain first (the store's order, which also spreads repeated faces a little).
        const QVector<qint64> expected = store::PairTable(st).queueOrder(s.version, 0.5);
        QVector<qint64> order;
        for (int i = 0; i < q->size(); ++i)
            order << q->idAt(i);
        QCOMPARE(order, expected);
        QCOMPARE(order.front(), s.byUncertainty.front());
        QCOMPARE(view->currentPairId(), s.byUncertainty.front());
        QVERIFY(order != store::PairTable(st).queueOrder());
        // The top of the queue is the uncertain end; the unscored pair comes after every scored one.
        for (int i = 0; i < 3; ++i)
            QVERIFY(s.byUncertainty.mid(0, 5).contains(order[i]));
        QCOMPARE(order.back(), s.unscored);

        // Labelled pairs go after the unlabelled ones, however uncertain.
        store::FeedbackTable(st).add(s.byUncertainty.front(), store::Verdict::Same);
        view->reloadQueue(false);
        QCOMPARE(view->currentPairId(), s.byUncertainty.at(1));
        QCOMPARE(q->indexOf(s.byUncertainty.front()), q->size() - 1);
    }

    void queueReorderedWhenScoresArrive()
    {
        // No scores yet: import order; then an "embedding run" writes scores: re-ordered.
        Scored s = makeScored(/*scoreNow=*/false);
        const store::ProjectStore &st = *s.project->store;
        auto view = showAnnotate(&st);
        QCOMPARE(view->queue()->modelVersion(), 0);
        QCOMPARE(view->modelStrip()->state(), ui::ModelStrip::State::NotScored);
        QVERIFY(view->modelStrip()->text().contains(QStringLiteral("not scored")));
        QVector<qint64> ids, before;
        QVector<double> values;
        for (auto it = s.scores.cbegin(); it != s.scores.cend(); ++it) {
            ids << it.key();
            values << it.value();
        }
        store::ScoreTable(st).put(s.version, ids, values);
        view->refreshModel(/*scoresUpdated=*/true);
        QCOMPARE(view->queue()->modelVersion(), s.version);
        QCOMPARE(view->currentPairId(), s.byUncertainty.front());
        QCOMPARE(view->modelStrip()->state(), ui::ModelStrip::State::Hidden);

        // Another version becomes current: its order.
        const qint64 other = registerVersion(st, QStringLiteral("other"), 0, 1e-6, {}, 0.0);
        QVector<double> flipped;
        for (double v : values)
            flipped << -v + 0.02;   // near 0 for the pairs that were far from 0.5 ... a different order
        store::ScoreTable(st).put(other, ids, flipped);
        store::ModelTable(st).setCurrent(other);
        view->refreshModel();
        QCOMPARE(view->modelVersion(), other);
        QCOMPARE(view->queue()->modelVersion(), other);
        QCOMPARE(view->currentPairId(), store::PairTable(st).queueOrder(other, 0.0).front());
    }

    void modelsViewShowsLineagePreprocessingThresholdAndFlag()
    {
        auto p = UiTestProject::withImages(3, 2, 4);
        const store::ProjectStore &st = *p->store;
        const qint64 base = registerVersion(st, QStringLiteral("base"), 0, 3.1e-6);
        const qint64 child = registerVersion(st, QStringLiteral("base-ft1"), base, -1, {}, 0.37);
        const qint64 bad = registerVersion(st, QStringLiteral("odd"), 0, 2.5e-3,
                                           QStringLiteral("OpenCV dnn ran the model; outputs differ"));
        store::ModelTable(st).setCurrent(base);

        ui::ModelsView view;
        view.resize(1200, 760);
        view.setProject(&st);
        view.show();
        QTreeWidget *list = view.versionList();
        // Lineage: the fine-tuned version sits under its parent.
        QCOMPARE(list->topLevelItemCount(), 2);
        QTreeWidgetItem *baseItem = list->topLevelItem(0);
        QCOMPARE(baseItem->text(ui::ModelsView::ColName), QStringLiteral("base"));
        QCOMPARE(baseItem->childCount(), 1);
        QCOMPARE(baseItem->child(0)->text(ui::ModelsView::ColName), QStringLiteral("base-ft1"));
        QCOMPARE(list->topLevelItem(1)->text(ui::ModelsView::ColName), QStringLiteral("odd"));
        QCOMPARE(baseItem->child(0)->text(ui::ModelsView::ColThreshold), QStringLiteral("0.370"));

        // Details of the current one: preprocessing as recorded.
        QCOMPARE(view.selectedVersion(), base);
        auto text = [&view](const char *name) { return view.findChild<QLabel *>(QLatin1String(name))->text(); };
        QCOMPARE(text("prepOrder"), QStringLiteral("RGB"));
        QCOMPARE(text("prepMean"), QStringLiteral("127"));
        QCOMPARE(text("prepStd"), QStringLiteral("128"));
        QVERIFY2(text("prepSize").contains(QStringLiteral("112 × 112")), qPrintable(text("prepSize")));
        QVERIFY(view.findChild<QLabel *>(QStringLiteral("currentBadge"))->isVisible());
        QVERIFY2(text("versionCheck").contains(QStringLiteral("Agree")), qPrintable(text("versionCheck")));

        // Threshold edit: written to the store.
        view.thresholdBox()->setValue(0.315);
        QCOMPARE(*store::ModelTable(st).version(base)->threshold, 0.315);
        QCOMPARE(list->topLevelItem(0)->text(ui::ModelsView::ColThreshold), QStringLiteral("0.315"));

        // The flag: above 1e-4; not for the one that agrees, and not for a fine-tuned version that
        // was not compared (that is not a failure).
        QVERIFY(!view.isFlagged(base));
        QVERIFY(view.isFlagged(bad));
        QVERIFY(!view.isFlagged(child));
        QTreeWidgetItem *badItem = list->topLevelItem(1);
        QVERIFY(badItem->text(ui::ModelsView::ColCheck).contains(QStringLiteral("2.5e-03")));
        QCOMPARE(badItem->foreground(ui::ModelsView::ColCheck).color(), ui::theme::different());
        view.selectVersion(bad);
        QVERIFY2(text("versionCheck").contains(QStringLiteral("Disagree")), qPrintable(text("versionCheck")));
        QVERIFY(text("versionCheckNote").contains(QStringLiteral("outputs differ")));
        view.selectVersion(child);
        QVERIFY2(text("versionCheck").contains(QStringLiteral("No comparison")), qPrintable(text("versionCheck")));
        QVERIFY2(text("versionLineage").contains(QStringLiteral("base")), qPrintable(text("versionLineage")));

        // Other families: no second runtime is "not applicable", not a red mark; a forced partial
        // load is flagged and named partial in the list and the details.
        const qint64 native = registerNativeVersion(st, QStringLiteral("magface"), false);
        const qint64 partial = registerNativeVersion(st, QStringLiteral("magface-half"), true);
        view.refresh();
        QVERIFY(!view.isFlagged(native));
        QVERIFY(view.isFlagged(partial));
        view.selectVersion(native);
        QVERIFY2(text("versionCheck").contains(QStringLiteral("Not applicable")), qPrintable(text("versionCheck")));
        view.selectVersion(partial);
        QVERIFY2(text("versionCheckNote").contains(QStringLiteral("PARTIAL")), qPrintable(text("versionCheckNote")));
        bool named = false;
        for (int i = 0; i < list->topLevelItemCount(); ++i)
            named |= list->topLevelItem(i)->text(ui::ModelsView::ColName) == QStringLiteral("magface-half (partial)");
        QVERIFY(named);
        view.selectVersion(child);

        // Make current.
        QSignalSpy current(&view, &ui::ModelsView::currentChanged);
        view.findChild<QPushButton *>(QStringLiteral("makeCurrentButton"))->click();
        QCOMPARE(current.count(), 1);
        QCOMPARE(store::ModelTable(st).current()->id, child);
    }

    void facesViewListsImagesLeftOutAndLetsYouPick()
    {
        auto p = UiTestProject::withImages(3, 3, 6, QSize(320, 240));
        const store::ProjectStore &st = *p->store;
        const store::FaceTable faces(st);
        const qint64 noFace = p->imageIds[0], broken = p->imageIds[1], several = p->imageIds[2];
        faces.record(noFace, {}, -1, QStringLiteral("none"), QStringLiteral("no face found (320x240 image)"));
        faces.record(broken, {}, -1, QStringLiteral("unreadable"), QStringLiteral("not a readable image (truncated)"));
        store::FaceRecord a, b;
        a.box = QRectF(30, 40, 80, 100);
        a.score = 0.98;
        b.box = QRectF(200, 60, 70, 90);
        b.score = 0.91;
        faces.record(several, {a, b}, 0, QStringLiteral("found"));
        for (int i = 3; i < p->imageIds.size(); ++i)
            faces.record(p->imageIds[i], {a}, 0, QStringLiteral("found"));

        ui::FacesView view;
        view.resize(1200, 760);
        view.setProject(&st);
        view.show();
        QTRY_VERIFY(!view.isLoading());
        QTRY_COMPARE(view.listing().none.size(), 1);
        QCOMPARE(view.listing().counts.none, 1);
        QCOMPARE(view.listing().counts.unreadable, 1);
        QCOMPARE(view.listing().several.size(), 1);
        QCOMPARE(view.findChild<QLabel *>(QStringLiteral("countNone"))->text(), QStringLiteral("1"));

        // The no-face image is listed with its note.
        QTreeWidget *list = view.imageList();
        bool listed = false;
        for (QTreeWidgetItemIterator it(list); *it; ++it)
            if ((*it)->data(0, Qt::UserRole + 1).toLongLong() == noFace) {
                listed = true;
                QCOMPARE((*it)->text(0), QFileInfo(p->imagePath.value(noFace)).fileName());
                QVERIFY((*it)->text(1).contains(QStringLiteral("no face found")));
            }
        QVERIFY(listed);
        QVERIFY(view.selectImage(broken));
        QVERIFY(view.findChild<QLabel *>(QStringLiteral("faceDetailText"))->text().contains(QStringLiteral("truncated")));

        // Several faces: both boxes drawn, the chosen one highlighted; clicking the other asks for it.
        QVERIFY(view.selectImage(several));
        ui::FacePicker *picker = view.picker();
        QTRY_VERIFY(picker->isShown());
        const auto recs = faces.faces(several);
        QCOMPARE(recs.size(), 2);
        QCOMPARE(picker->chosenFace(), recs[0].id);
        const QRectF other = picker->boxRect(recs[1].id);
        QVERIFY(!other.isEmpty());
        QCOMPARE(picker->faceAt(other.center()), recs[1].id);
        QSignalSpy ask(&view, &ui::FacesView::chooseFaceRequested);
        QTest::mouseClick(picker, Qt::LeftButton, {}, other.center().toPoint());
        QCOMPARE(ask.count(), 1);
        QCOMPARE(ask[0][0].toLongLong(), several);
        QCOMPARE(ask[0][1].toLongLong(), recs[1].id);
        // Clicking the chosen one asks nothing.
        QTest::mouseClick(picker, Qt::LeftButton, {}, picker->boxRect(recs[0].id).center().toPoint());
        QCOMPARE(ask.count(), 1);
    }

    void preprocessingDialogGivesAPresetOrASpec()
    {
        ui::PreprocessingDialog d(QStringLiteral("/tmp/unknown.onnx"));
        QVERIFY(d.spec().isEmpty());
        d.setPreset(QStringLiteral("arcface"));
        QCOMPARE(d.spec(), QStringLiteral("arcface"));
        d.setPreset(QStringLiteral("custom"));
        d.findChild<QComboBox *>(QStringLiteral("channelOrder"))->setCurrentText(QStringLiteral("BGR"));
        d.findChild<QDoubleSpinBox *>(QStringLiteral("std1"))->setValue(255);
        const QJsonObject o = QJsonDocument::fromJson(d.spec().toUtf8()).object();
        QCOMPARE(o.value("channel_order").toString(), QStringLiteral("BGR"));
        QCOMPARE(o.value("std").toArray().at(1).toDouble(), 255.0);
        QCOMPARE(o.value("mean").toArray().size(), 3);
    }

    void windowWithoutAModelStillLabelsAndSaysHowToGetOne()
    {
        auto p = UiTestProject::withImages(3, 3, 6);
        ui::MainWindow w;
        w.show();
        QVERIFY(w.openProject(p->folder));
        QStringList rows;
        for (int i = 0; i < w.navigation()->count(); ++i)
            rows << w.navigation()->item(i)->text();
        QStringList expected{"Annotate", "Models", "Faces", "Runs", "Evaluate", "Errors", "Training"};
#ifdef FACELAB_HAVE_LINEARIZER
        expected << QStringLiteral("Linearizer");
#endif
#ifdef FACELAB_HAVE_INVERSION
        expected << QStringLiteral("Inversion");
#endif
        QCOMPARE(rows, expected);
        ui::ModelStrip *strip = w.annotateView()->modelStrip();
        if (ui::engine::available()) {
            QCOMPARE(strip->state(), ui::ModelStrip::State::NoModel);
            QVERIFY2(strip->text().contains(QStringLiteral("No model yet")), qPrintable(strip->text()));
            // Where the default model comes from, while it is not there; else its button is enough.
            if (!ui::engine::defaultModelPresent())
                QVERIFY(strip->text().contains(QStringLiteral("packaging/fetch-models.sh")));
            QVERIFY(strip->text().contains(QStringLiteral("add")));
        } else {
            QCOMPARE(strip->state(), ui::ModelStrip::State::NoEngine);
            QVERIFY(strip->text().contains(QStringLiteral("no model engine")));
        }
        // Labelling works without a model.
        const qint64 first = w.annotateView()->currentPairId();
        w.annotateView()->answer(store::Verdict::Same);
        QCOMPARE(store::FeedbackTable(*w.project()).current(first), store::Verdict::Same);

        // The Models menu, and the views.
        auto *menu = w.findChild<QMenu *>(QStringLiteral("menuModels"));
        QVERIFY(menu);
        QStringList names;
        for (QAction *a : menu->actions())
            if (!a->isSeparator())
                names << a->objectName();
        QCOMPARE(names, (QStringList{"actionAddModelFile", "actionAddDefaultModel", "actionEmbedFaces", "actionFindFaces",
                                     "actionExportModel"}));
        QVERIFY(w.findChild<QAction *>(QStringLiteral("actionFindFaces"))->isEnabled());
        QVERIFY(!w.findChild<QAction *>(QStringLiteral("actionExportModel"))->isEnabled());   // nothing to export
        w.showView(ui::MainWindow::View::Models);
        QVERIFY(w.modelsView()->isVisible());
        w.showView(ui::MainWindow::View::Faces);
        QVERIFY(w.facesView()->isVisible());
        // Training stays disabled.
        for (const char *n : {"actionFineTune", "actionTrainLinearizer", "actionInvertIdentity"})
            QVERIFY(!w.findChild<QAction *>(QLatin1String(n))->isEnabled());
    }

    void defaultModelAndEmbeddingRunAsJobs()
    {
        if (!ui::engine::available())
            QSKIP("this build has no model engine (FACELAB_WITH_TORCH=OFF)");
        const QString model = QDir(QString::fromStdString(facelab::modelsDir())).filePath(QStringLiteral("fr_feature.onnx"));
        if (!QFileInfo::exists(model))
            QSKIP(qPrintable(QStringLiteral("the default model %1 is missing: run packaging/fetch-models.sh").arg(model)));

        // Generated 112x112 faces: the face stage takes them as pre-aligned crops.
        auto p = UiTestProject::withImages(4, 3, 12, QSize(112, 112));
        ui::MainWindow w;
        w.setReportDialogsEnabled(false);
        w.show();
        QVERIFY(w.openProject(p->folder));
        QSignalSpy done(w.jobQueue(), &jobs::JobQueue::finished);

        QVERIFY(w.modelJobs()->addDefaultModel());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 180000);
        QCOMPARE(jobs::statusName(done[0][2].value<jobs::JobStatus>()), QStringLiteral("done"));
        const auto v = store::ModelTable(*w.project()).current();
        QVERIFY(v.has_value());
        QCOMPARE(v->name, QStringLiteral("fr_feature"));
        QCOMPARE(w.annotateView()->modelVersion(), v->id);
        QCOMPARE(w.annotateView()->modelStrip()->state(), ui::ModelStrip::State::NotScored);
        w.modelsView()->refresh();
        QVERIFY(!w.modelsView()->isFlagged(v->id));   // LibTorch agrees with OpenCV dnn on the real model

        jobs::Job *embedJob = w.modelJobs()->embed();
        QVERIFY(embedJob);
        // Mining the current version's hard pairs follows the embedding, queued at once as dependent
        // on it: it waits while the embedding runs.
        QCOMPARE(w.jobQueue()->active().size(), 2);
        jobs::Job *mining = w.jobQueue()->active().back();
        QCOMPARE(mining->kind(), jobs::JobKind::MinePairs);
        QCOMPARE(mining->title(), QStringLiteral("Mine hard pairs for fr_feature"));
        QCOMPARE(mining->status(), jobs::JobStatus::Waiting);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 300000);
        QCOMPARE(done[1][1].toString(), QStringLiteral("Embedding faces with fr_feature"));
        QCOMPARE(jobs::statusName(done[1][2].value<jobs::JobStatus>()), QStringLiteral("done"));
        QCOMPARE(done[2][1].toString(), QStringLiteral("Mine hard pairs for fr_feature"));
        QVERIFY2(jobs::statusName(done[2][2].value<jobs::JobStatus>()) == QStringLiteral("done"), qPrintable(done[2][3].toString()));
        qint64 mined = 0;
        for (const auto &pr : store::PairTable(*w.project()).all())
            mined += pr.origin == QStringLiteral("mined") && pr.split == QStringLiteral("train");
        QVERIFY(mined > 0);   // 4 people with 3 faces each: unpaired faces of one person and of two
        QCOMPARE(store::ScoreTable(*w.project()).count(v->id), qint64(p->pairIds.size()) + mined);
        // The Annotate queue took them in (mined pairs are new, so without a verdict).
        QCOMPARE(qint64(w.annotateView()->queue()->size()), qint64(p->pairIds.size()) + mined);
        QVERIFY2(w.notificationBar()->text().contains(QStringLiteral("hard pairs mined for fr_feature")),
                 qPrintable(w.notificationBar()->text()));
        // Re-ordered by the new scores, score shown once answered.
        ui::AnnotateView *a = w.annotateView();
        QCOMPARE(a->queue()->modelVersion(), v->id);
        const qint64 first = a->currentPairId();
        QCOMPARE(first, store::PairTable(*w.project()).queueOrder(v->id, a->modelThreshold()).front());
        const double score = *store::ScoreTable(*w.project()).get(v->id, first);
        QCOMPARE(a->modelStrip()->state(), ui::ModelStrip::State::Hidden);
        a->answer(store::Verdict::Same);
        QVERIFY2(a->lastAnswerText().contains(fmt(score)), qPrintable(a->lastAnswerText()));
        a->back();
        QCOMPARE(a->modelStrip()->state(), ui::ModelStrip::State::Shown);
        QVERIFY(a->modelStrip()->text().contains(fmt(score)));
        // Runs recorded.
        QStringList kinds;
        for (const auto &r : store::RunTable(*w.project()).recent())
            kinds << r.kind + QLatin1Char(':') + r.status;
        QVERIFY2(kinds.contains(QStringLiteral("model-import:done")), qPrintable(kinds.join(',')));
        QVERIFY2(kinds.contains(QStringLiteral("embed:done")), qPrintable(kinds.join(',')));
        QVERIFY2(kinds.contains(QStringLiteral("mine-pairs:done")), qPrintable(kinds.join(',')));

        // The default model is there: its action says so.
        QVERIFY(!w.modelJobs()->addDefaultAction()->isEnabled());

        // Export as a job: the file is written and checked with OpenCV dnn.
        const QString out = QDir(p->tmp.path()).filePath(QStringLiteral("exported.onnx"));
        QVERIFY(w.modelJobs()->exportVersion(v->id, out));
        // An embedding cancelled: the mining after it never runs (no mining run is recorded).
        auto miningRuns = [&] {
            int n = 0;
            for (const auto &r : store::RunTable(*w.project()).recent())
                n += r.kind == QStringLiteral("mine-pairs");
            return n;
        };
        const int runsBefore = miningRuns();
        // (Queued behind the export, in the same exclusive group, it has not started: the cancel is
        // not a race with the work.)
        jobs::Job *again = w.modelJobs()->embed();
        QVERIFY(again);
        QCOMPARE(again->status(), jobs::JobStatus::Waiting);
        again->cancel();
        QTRY_VERIFY_WITH_TIMEOUT(done.count() >= 5, 60000);
        QStringList ended;
        for (const auto &d : done)
            ended << d[1].toString() + QLatin1Char(':') + jobs::statusName(d[2].value<jobs::JobStatus>());
        QVERIFY2(done[4][1].toString() == QStringLiteral("Mine hard pairs for fr_feature"), qPrintable(ended.join(", ")));
        QVERIFY2(done[4][2].value<jobs::JobStatus>() == jobs::JobStatus::Cancelled, qPrintable(ended.join(", ")));
        QVERIFY2(done[4][3].toString().contains(QStringLiteral("not started")), qPrintable(done[4][3].toString()));
        QCOMPARE(miningRuns(), runsBefore);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 6, 180000);
        QVERIFY2(jobs::statusName(done[5][2].value<jobs::JobStatus>()) == QStringLiteral("done"), qPrintable(done[5][3].toString()));
        QVERIFY(QFileInfo(out).size() > 0);
        QVERIFY(w.notificationBar()->text().contains(QStringLiteral("Exported")));

        // A model file FaceLab does not recognise (a valid 3-channel graph, the face detector): the
        // preprocessing is asked for; declining adds nothing.
        const QString other = QDir(QString::fromStdString(facelab::modelsDir())).filePath(QStringLiteral("fr_detect.onnx"));
        if (QFileInfo::exists(other)) {
            QStringList asked;
            w.modelJobs()->setPreprocessingChooser([&asked](const QString &file) {
                asked << file;
                return QString();
            });
            const int versions = int(store::ModelTable(*w.project()).versions().size());
            QVERIFY(w.modelJobs()->addModelFile(other));
            QTRY_COMPARE_WITH_TIMEOUT(done.count(), 7, 60000);
            QCOMPARE(asked, QStringList{other});
            QCOMPARE(int(store::ModelTable(*w.project()).versions().size()), versions);
            QVERIFY2(w.notificationBar()->text().contains(QStringLiteral("not added")),
                     qPrintable(w.notificationBar()->text()));
        }
        // A file that is not there: the error names it.
        const QString missing = QDir(p->tmp.path()).filePath(QStringLiteral("nope.onnx"));
        const int before = int(done.count());
        QVERIFY(w.modelJobs()->addModelFile(missing));
        QTRY_COMPARE_WITH_TIMEOUT(int(done.count()), before + 1, 60000);
        QCOMPARE(jobs::statusName(done.last()[2].value<jobs::JobStatus>()), QStringLiteral("failed"));
        QVERIFY2(w.notificationBar()->text().contains(missing), qPrintable(w.notificationBar()->text()));
    }
};

QTEST_MAIN(TestUiModels)
#include "test_ui_models.moc"

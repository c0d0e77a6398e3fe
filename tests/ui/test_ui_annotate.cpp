// The Annotate view driven like a user: keys and clicks write verdicts at once, undo marks rows
// undone (never deletes), Back moves to the previous pair, identity names stay hidden until
// asked for, and a missing or broken image becomes a placeholder instead of a crash.
#include "UiTestProject.h"

#include "data/ImageCache.h"
#include "data/PairQueue.h"
#include "store/FeedbackTable.h"
#include "store/PairTable.h"
#include "ui/Resources.h"
#include "ui/annotate/AnnotateView.h"
#include "ui/annotate/FaceView.h"
#include "ui/annotate/VerdictButton.h"

#include <QAction>
#include <QPushButton>
#include <QFile>
#include <QLabel>
#include <QSettings>
#include <QStandardPaths>
#include <QStackedWidget>
#include <QTest>

using namespace facelab;
using facelab::test::UiTestProject;

class TestUiAnnotate : public QObject
{
    Q_OBJECT

private:
    // A shown, focused view on a fresh project.
    struct Fixture
    {
        std::unique_ptr<UiTestProject> project;
        std::unique_ptr<ui::AnnotateView> view;
        QVector<qint64> order;   // the queue's labelling order (the store spreads repeated faces)
    };
    Fixture make(int identities = 4, int perIdentity = 3, int pairs = 12)
    {
        Fixture f;
        f.project = UiTestProject::withImages(identities, perIdentity, pairs);
        f.view = std::make_unique<ui::AnnotateView>();
        f.view->resize(1000, 700);
        f.view->setProject(f.project->store.get());
        f.view->show();
        f.view->activateWindow();
        if (!QTest::qWaitForWindowActive(f.view.get()))
            qWarning("window not active; shortcuts may not fire");
        f.view->setFocus();
        f.order = store::PairTable(*f.project->store).queueOrder();
        return f;
    }
    static int cursor(const Fixture &f) { return f.view->queue()->cursor(); }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        ui::initResources();
    }

    void keysAndClicksWriteVerdictsAtOnce()
    {
        Fixture f = make();
        const QVector<qint64> ids = f.order;
        QCOMPARE(f.view->page(), ui::AnnotateView::Page::Pair);
        QCOMPARE(f.view->currentPairId(), ids[0]);

        QTest::keyClick(f.view.get(), Qt::Key_S);
        auto rows = f.project->feedbackRows();   // a separate connection sees it: committed
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].pairId, ids[0]);
        QCOMPARE(rows[0].verdict, QStringLiteral("same"));
        QCOMPARE(f.view->currentPairId(), ids[1]);

        QTest::keyClick(f.view.get(), Qt::Key_D);
        QTest::keyClick(f.view.get(), Qt::Key_Space);
        QTest::keyClick(f.view.get(), Qt::Key_Left);    // = Same
        QTest::keyClick(f.view.get(), Qt::Key_Right);   // = Different
        QTest::keyClick(f.view.get(), Qt::Key_Down);    // = Skip
        QTest::mouseClick(f.view->sameButton(), Qt::LeftButton);
        QTest::mouseClick(f.view->differentButton(), Qt::LeftButton);
        QTest::mouseClick(f.view->skipButton(), Qt::LeftButton);

        rows = f.project->feedbackRows();
        const QStringList expected = {"same", "different", "skip", "same", "different", "skip", "same", "different", "skip"};
        QCOMPARE(rows.size(), expected.size());
        for (int i = 0; i < rows.size(); ++i) {
            QCOMPARE(rows[i].pairId, ids[i]);
            QCOMPARE(rows[i].verdict, expected[i]);
            QVERIFY(!rows[i].undone);
        }
        QCOMPARE(cursor(f), 9);
        QCOMPARE(f.view->queue()->labelled(), 6);
        QCOMPARE(f.view->queue()->skipped(), 3);
    }

    void undoMarksUndoneAndReturnsToThePair()
    {
        Fixture f = make();
        const QVector<qint64> ids = f.order;
        QTest::keyClick(f.view.get(), Qt::Key_S);
        QTest::keyClick(f.view.get(), Qt::Key_D);
        QTest::keyClick(f.view.get(), Qt::Key_S);
        QCOMPARE(f.view->currentPairId(), ids[3]);

        QTest::keyClick(f.view.get(), Qt::Key_Z, Qt::ControlModifier);
        auto rows = f.project->feedbackRows();
        QCOMPARE(rows.size(), 3);                  // never deleted
        QVERIFY(rows[2].undone);
        QVERIFY(!rows[1].undone);
        QCOMPARE(f.view->currentPairId(), ids[2]);  // back on the undone pair
        QVERIFY(!f.view->sameButton()->isChecked());
        QVERIFY(!store::FeedbackTable(*f.project->store).current(ids[2]).has_value());

        // Repeatable.
        QTest::keyClick(f.view.get(), Qt::Key_Z, Qt::ControlModifier);
        rows = f.project->feedbackRows();
        QCOMPARE(rows.size(), 3);
        QVERIFY(rows[1].undone);
        QCOMPARE(f.view->currentPairId(), ids[1]);
        QCOMPARE(f.view->queue()->labelled(), 1);

        // Answer again: a new row, the undone ones stay as the audit trail.
        QTest::keyClick(f.view.get(), Qt::Key_S);
        rows = f.project->feedbackRows();
        QCOMPARE(rows.size(), 4);
        QCOMPARE(rows[3].pairId, ids[1]);
        QCOMPARE(rows[3].verdict, QStringLiteral("same"));

        // Undo everything, then once more: nothing to undo, no crash.
        for (int i = 0; i < 5; ++i)
            f.view->undo();
        rows = f.project->feedbackRows();
        QCOMPARE(rows.size(), 4);
        QVERIFY(std::all_of(rows.begin(), rows.end(), [](const UiTestProject::Row &r) { return r.undone; }));
        QCOMPARE(f.view->queue()->labelled(), 0);
    }

    void backShowsThePreviousPairAndItsVerdict()
    {
        Fixture f = make();
        const QVector<qint64> ids = f.order;
        QTest::keyClick(f.view.get(), Qt::Key_S);
        QTest::keyClick(f.view.get(), Qt::Key_D);
        QCOMPARE(f.view->currentPairId(), ids[2]);
        QTest::keyClick(f.view.get(), Qt::Key_Backspace);
        QCOMPARE(f.view->currentPairId(), ids[1]);
        QVERIFY(f.view->differentButton()->isChecked());   // the verdict already given is visible
        QVERIFY(!f.view->sameButton()->isChecked());
        QTest::keyClick(f.view.get(), Qt::Key_Backspace);
        QCOMPARE(f.view->currentPairId(), ids[0]);
        QVERIFY(f.view->sameButton()->isChecked());
        // At the first pair Back stays put.
        QTest::keyClick(f.view.get(), Qt::Key_Backspace);
        QCOMPARE(f.view->currentPairId(), ids[0]);
        // Changing a verdict on Back: a new row, counts follow.
        QTest::keyClick(f.view.get(), Qt::Key_D);
        QCOMPARE(store::FeedbackTable(*f.project->store).current(ids[0]), store::Verdict::Different);
        QCOMPARE(f.view->queue()->different(), 2);
        QCOMPARE(f.view->queue()->same(), 0);
        QCOMPARE(f.view->currentPairId(), ids[1]);
        // Forward without answering.
        QTest::keyClick(f.view.get(), Qt::Key_PageDown);
        QCOMPARE(f.view->currentPairId(), ids[2]);
        QCOMPARE(f.project->feedbackRows().size(), 3);
    }

    void identityNamesHiddenByDefault()
    {
        QSettings().remove(QStringLiteral("annotate/showIdentities"));
        Fixture f = make();
        const qint64 pair = f.view->currentPairId();
        const auto [a, b] = f.project->pairImages.value(pair);
        auto *nameA = f.view->findChild<QLabel *>(QStringLiteral("identityA"));
        auto *nameB = f.view->findChild<QLabel *>(QStringLiteral("identityB"));
        QVERIFY(nameA && nameB);
        QVERIFY(!f.view->identitiesShown());
        QVERIFY(!nameA->isVisible());
        QVERIFY(!nameA->text().contains(f.project->imageIdentity.value(a)));
        // Nothing else on screen gives it away (file names carry the identity).
        for (QLabel *l : f.view->findChildren<QLabel *>())
            QVERIFY2(!l->isVisible() || !l->text().contains(QStringLiteral("Person_")), qPrintable(l->text()));
        QVERIFY(f.view->faceA()->toolTip().isEmpty());

        QTest::keyClick(f.view.get(), Qt::Key_I, Qt::ControlModifier);
        QVERIFY(f.view->identitiesShown());
        QVERIFY(nameA->isVisible());
        QCOMPARE(nameA->text(), f.project->imageIdentity.value(a));
        QCOMPARE(nameB->text(), f.project->imageIdentity.value(b));
        QCOMPARE(QSettings().value(QStringLiteral("annotate/showIdentities")).toBool(), true);

        // Remembered: a new view starts with names shown; toggling back hides them.
        ui::AnnotateView second;
        QVERIFY(second.identitiesShown());
        f.view->showIdentitiesAction()->trigger();
        QVERIFY(!f.view->identitiesShown());
        QVERIFY(!nameA->isVisible());
        QCOMPARE(QSettings().value(QStringLiteral("annotate/showIdentities")).toBool(), false);
    }

    void missingAndBrokenImagesShowAPlaceholder()
    {
        Fixture f = make();
        const QVector<qint64> ids = f.order;
        // Pair 2: image A deleted; pair 3: image B is not an image at all.
        const QString missing = f.project->imagePath.value(f.project->pairImages.value(ids[1]).first);
        const QString broken = f.project->imagePath.value(f.project->pairImages.value(ids[2]).second);
        QVERIFY(QFile::remove(missing));
        {
            QFile file(broken);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write("this is not a PNG");
        }
        f.view->imageCache()->clear();   // forget what was prefetched before the damage
        QTest::keyClick(f.view.get(), Qt::Key_S);
        QCOMPARE(f.view->currentPairId(), ids[1]);
        QTRY_COMPARE(f.view->faceA()->state(), ui::FaceView::State::Failed);
        QVERIFY2(f.view->faceA()->errorText().contains(QStringLiteral("not found")),
                 qPrintable(f.view->faceA()->errorText()));
        QTRY_COMPARE(f.view->faceB()->state(), ui::FaceView::State::Shown);
        QVERIFY(!f.view->faceA()->grab().isNull());   // paints the placeholder
        // Still answerable.
        QTest::keyClick(f.view.get(), Qt::Key_D);
        QCOMPARE(f.view->currentPairId(), ids[2]);
        QTRY_COMPARE(f.view->faceB()->state(), ui::FaceView::State::Failed);
        QVERIFY2(f.view->faceB()->errorText().contains(QStringLiteral("readable")),
                 qPrintable(f.view->faceB()->errorText()));
        QVERIFY(!f.view->grab().isNull());
        QCOMPARE(f.project->feedbackRows().size(), 2);
    }

    void nextPairIsDecodedAhead()
    {
        Fixture f = make();
        QTRY_COMPARE(f.view->faceA()->state(), ui::FaceView::State::Shown);
        const auto next = f.project->pairImages.value(f.order[1]);
        const QSize size = f.view->faceA()->decodeSize();
        QTRY_VERIFY(f.view->imageCache()->find(f.project->imagePath.value(next.first), size).has_value());
        QTRY_VERIFY(f.view->imageCache()->find(f.project->imagePath.value(next.second), size).has_value());
        QTest::keyClick(f.view.get(), Qt::Key_S);
        // Shown at once: no decode between the answer and the paint.
        QCOMPARE(f.view->faceA()->state(), ui::FaceView::State::Shown);
        QCOMPARE(f.view->faceB()->state(), ui::FaceView::State::Shown);
    }

    void imagesKeepTheirAspect()
    {
        Fixture f = make();
        const QString path = f.project->imagePath.value(f.project->imageIds[0]);
        const data::DecodedImage d = data::ImageCache::decode(path, QSize(400, 400));
        QVERIFY(d.ok());
        QCOMPARE(d.sourceSize, QSize(96, 120));
        QCOMPARE(d.image.size(), QSize(96, 120));   // never upscaled by the decoder
        const data::DecodedImage small = data::ImageCache::decode(path, QSize(48, 48));
        QCOMPARE(small.image.size(), QSize(38, 48));   // 96:120 kept
    }

    void doneWhenEveryPairHasAVerdict()
    {
        Fixture f = make(3, 3, 6);
        const int n = f.view->queue()->size();
        for (int i = 0; i < n; ++i)
            QTest::keyClick(f.view.get(), i == 2 ? Qt::Key_Space : Qt::Key_S);
        QCOMPARE(f.view->page(), ui::AnnotateView::Page::Done);
        auto *title = f.view->findChild<QLabel *>(QStringLiteral("doneTitle"));
        QVERIFY(title->text().contains(QStringLiteral("End of the queue")));
        // Keys do nothing at the end; Back returns to the last pair.
        QTest::keyClick(f.view.get(), Qt::Key_S);
        QCOMPARE(f.project->feedbackRows().size(), n);
        // Review the skipped pair, answer it: now every pair has a verdict.
        auto *review = f.view->findChild<QPushButton *>(QStringLiteral("reviewButton"));
        QTest::mouseClick(review, Qt::LeftButton);
        QCOMPARE(f.view->page(), ui::AnnotateView::Page::Pair);
        QCOMPARE(f.view->currentPairId(), f.order[2]);
        QTest::keyClick(f.view.get(), Qt::Key_D);
        QCOMPARE(f.view->page(), ui::AnnotateView::Page::Done);
        QVERIFY(title->text().contains(QStringLiteral("All")));
        QTest::keyClick(f.view.get(), Qt::Key_Backspace);
        QCOMPARE(f.view->page(), ui::AnnotateView::Page::Pair);
        // Review from the start: answering a labelled pair moves on instead of ending.
        QTest::keyClick(f.view.get(), Qt::Key_PageDown);
        QCOMPARE(f.view->page(), ui::AnnotateView::Page::Done);
        QTest::mouseClick(review, Qt::LeftButton);
        QCOMPARE(f.view->page(), ui::AnnotateView::Page::Pair);
        QCOMPARE(f.view->queue()->cursor(), 0);
        QTest::keyClick(f.view.get(), Qt::Key_S);
        QCOMPARE(f.view->page(), ui::AnnotateView::Page::Pair);
        QCOMPARE(f.view->queue()->cursor(), 1);
    }

    void emptyProjectShowsWhatToDo()
    {
        auto p = UiTestProject::withImages(2, 2, 0);
        ui::AnnotateView v;
        v.setProject(p->store.get());
        QCOMPARE(v.page(), ui::AnnotateView::Page::Empty);
        QTest::keyClick(&v, Qt::Key_S);   // nothing to answer, nothing written
        QCOMPARE(p->feedbackRows().size(), 0);
        v.setProject(nullptr);
        QCOMPARE(v.page(), ui::AnnotateView::Page::NoProject);
    }
};

QTEST_MAIN(TestUiAnnotate)
#include "test_ui_annotate.moc"

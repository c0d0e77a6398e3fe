// data::PairQueue: the labelling order snapshot with a bounded window of records.
#include "UiTestProject.h"

#include "data/PairQueue.h"
#include "store/FeedbackTable.h"
#include "store/PairTable.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTest>

using namespace facelab;
using facelab::test::UiTestProject;

class TestUiPairQueue : public QObject
{
    Q_OBJECT

private slots:
    void largeProjectOpensWithABoundedWindow()
    {
        // FACELAB_UI_QUEUE_PAIRS=100000 runs the same checks on a bigger project (slow to build).
        const int n = qEnvironmentVariableIsSet("FACELAB_UI_QUEUE_PAIRS")
                          ? std::max(1000, qEnvironmentVariableIntValue("FACELAB_UI_QUEUE_PAIRS"))
                          : 20000;
        auto p = UiTestProject::large(n);
        QCOMPARE(p->pairIds.size(), n);

        QElapsedTimer t;
        t.start();
        data::PairQueue q(*p->store, 50);
        const qint64 openMs = t.elapsed();
        qInfo("opened a %d-pair queue in %lld ms", n, openMs);   // reported, not asserted
        QCOMPARE(q.size(), n);
        const QVector<qint64> order = store::PairTable(*p->store).queueOrder();
        QCOMPARE(order.size(), n);
        QCOMPARE(q.windowSize(), 0);   // nothing per pair read on open
        QCOMPARE(q.total(), n);
        QCOMPARE(q.unlabelled(), n);

        const int bound = 2 * q.radius() + 1;
        QVERIFY(q.current().has_value());
        QVERIFY(q.windowSize() <= bound);
        for (int i = 0; i < 700; ++i) {
            QVERIFY(q.next());
            const auto r = q.current();
            QVERIFY(r.has_value());
            QCOMPARE(r->id, order[i + 1]);
            QVERIFY(q.windowSize() <= bound);
            q.upcoming(3);
            QVERIFY(q.windowSize() <= bound);
        }
        // Jumps far away and back stay bounded too.
        QVERIFY(q.jumpTo(order.last()));
        QCOMPARE(q.cursor(), n - 1);
        QCOMPARE(q.current()->id, order.last());
        QVERIFY(q.windowSize() <= bound);
        QVERIFY(q.at(0).has_value());
        QVERIFY(q.windowSize() <= bound);
        QVERIFY(q.jumpTo(order[n / 2]));
        QCOMPARE(q.cursor(), n / 2);
        QCOMPARE(q.current()->id, order[n / 2]);
        QVERIFY(q.windowSize() <= bound);
        QVERIFY(q.next());
        QVERIFY(!q.atEnd());
        q.setCursor(q.size());
        QVERIFY(q.atEnd());
        QVERIFY(!q.current().has_value());
        QVERIFY(!q.next());
        QVERIFY(q.previous());
        QCOMPARE(q.currentId(), order.last());
    }

    void orderCountsAndRefresh()
    {
        auto p = UiTestProject::withImages(4, 3, 10);
        const QVector<qint64> ids = p->pairIds;
        store::FeedbackTable fb(*p->store);
        fb.add(ids[0], store::Verdict::Same);
        fb.add(ids[1], store::Verdict::Skip);
        fb.add(ids[2], store::Verdict::Different);

        data::PairQueue q(*p->store);
        QCOMPARE(q.size(), 10);
        QCOMPARE(q.labelled(), 2);
        QCOMPARE(q.skipped(), 1);
        QCOMPARE(q.unlabelled(), 7);
        // Unlabelled first, then skipped, then labelled; the cursor starts on the first unlabelled.
        const QVector<qint64> order = store::PairTable(*p->store).queueOrder();
        QCOMPARE(q.cursor(), 0);
        QCOMPARE(q.currentId(), order[0]);
        const QSet<qint64> unl(ids.begin() + 3, ids.end());
        for (int i = 0; i < 7; ++i)
            QVERIFY(unl.contains(q.idAt(i)));
        QCOMPARE(q.firstSkippedIndex(), 7);
        QCOMPARE(q.idAt(7), ids[1]);
        QCOMPARE((QSet<qint64>{q.idAt(8), q.idAt(9)}), (QSet<qint64>{ids[0], ids[2]}));
        QCOMPARE(q.indexOf(ids[1]), 7);
        QCOMPARE(q.indexOf(order[5]), 5);
        QCOMPARE(q.indexOf(999999), -1);
        QVERIFY(!q.jumpTo(999999));
        QCOMPARE(q.cursor(), 0);

        // A verdict, then refresh: record and counts follow.
        const qint64 first = q.currentId();
        fb.add(first, store::Verdict::Same);
        q.refresh(first);
        QCOMPARE(q.current()->verdict, store::Verdict::Same);
        QCOMPARE(q.labelled(), 3);
        QCOMPARE(q.same(), 2);
        QCOMPARE(q.unlabelled(), 6);
        // Changing a skip into a verdict.
        QVERIFY(q.jumpTo(ids[1]));
        fb.add(ids[1], store::Verdict::Different);
        q.refresh(ids[1]);
        QCOMPARE(q.skipped(), 0);
        QCOMPARE(q.different(), 2);
        // Undo: back to skip.
        QCOMPARE(fb.undoLast(), ids[1]);
        q.refresh(ids[1]);
        QCOMPARE(q.skipped(), 1);
        QCOMPARE(q.current()->verdict, store::Verdict::Skip);

        const auto up = q.upcoming(2);
        QCOMPARE(up.size(), 2);
        QCOMPARE(up[0].id, q.idAt(8));
        QCOMPARE(up[1].id, q.idAt(9));
        // The snapshot order does not move when verdicts change; reload takes a new one.
        QCOMPARE(q.idAt(0), first);
        q.reload();
        QVERIFY(q.currentId() != first);
        QVERIFY(q.indexOf(first) >= 7);   // now among the labelled ones at the end
        QCOMPARE(q.unlabelled(), 6);
    }

    void everythingLabelledStartsAtTheEndOrTheSkipped()
    {
        auto p = UiTestProject::withImages(3, 2, 4);
        store::FeedbackTable fb(*p->store);
        for (qint64 id : p->pairIds)
            fb.add(id, store::Verdict::Same);
        data::PairQueue q(*p->store);
        QVERIFY(q.atEnd());
        fb.add(p->pairIds[2], store::Verdict::Skip);
        q.reload();
        QVERIFY(!q.atEnd());
        QCOMPARE(q.currentId(), p->pairIds[2]);
    }

    void emptyProject()
    {
        auto p = UiTestProject::withImages(2, 2, 0);
        data::PairQueue q(*p->store);
        QVERIFY(q.isEmpty());
        QVERIFY(q.atEnd());
        QVERIFY(!q.current().has_value());
        QVERIFY(!q.next());
        QVERIFY(!q.previous());
        QVERIFY(q.upcoming(3).isEmpty());
    }
};

QTEST_MAIN(TestUiPairQueue)
#include "test_ui_pairqueue.moc"

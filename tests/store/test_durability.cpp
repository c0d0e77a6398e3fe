// Kills a process in the middle of a stream of verdicts (SIGKILL, no chance to clean up) and
// checks that every verdict it acknowledged is in the database and the file is intact.
#include "store/ImageTable.h"
#include "store/PairTable.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace facelab::store;

class DurabilityTest : public QObject
{
    Q_OBJECT
private slots:
    void killedWriterLosesNoAcknowledgedVerdict_data();
    void killedWriterLosesNoAcknowledgedVerdict();
};

void DurabilityTest::killedWriterLosesNoAcknowledgedVerdict_data()
{
    QTest::addColumn<int>("killAfterAcks");
    QTest::newRow("early") << 5;
    QTest::newRow("mid") << 150;
    QTest::newRow("late") << 600;
}

void DurabilityTest::killedWriterLosesNoAcknowledgedVerdict()
{
    QFETCH(int, killAfterAcks);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {
        const ProjectStore st = ProjectStore::open(dir.path(), true);
        ImageTable images(st);
        const qint64 root = images.ensureRoot(dir.path(), "identities");
        QVector<qint64> ids;
        for (int i = 0; i < 20; ++i)
            ids << images.insert(root, {QStringLiteral("img%1.png").arg(i), QStringLiteral("h%1").arg(i), 10, 8, 8, 0}).first;
        PairTable pairs(st);
        for (int i = 0; i + 1 < ids.size(); ++i)
            pairs.insert({ids[i], ids[i + 1], std::nullopt, "generated", "train"});
    }

    QProcess writer;
    writer.setProcessChannelMode(QProcess::SeparateChannels);
    writer.start(QStringLiteral(VERDICT_WRITER), {dir.path()});
    QVERIFY2(writer.waitForStarted(10000), qPrintable(writer.errorString()));

    struct Ack { qint64 id, pair; QString verdict; bool undone; };
    QVector<Ack> acks;
    QByteArray pending;
    QElapsedTimer timer;
    timer.start();
    // Kill at a random byte boundary after enough acks: sometimes mid-line, mid-transaction.
    while (acks.size() < killAfterAcks && timer.elapsed() < 60000) {
        if (!writer.waitForReadyRead(5000))
            break;
        pending += writer.readAllStandardOutput();
        int nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
            const QList<QByteArray> t = pending.left(nl).split(' ');
            pending.remove(0, nl + 1);
            if (t.size() == 5 && t[0] == "ack")
                acks.push_back({t[1].toLongLong(), t[2].toLongLong(), QString::fromLatin1(t[3]), t[4] == "1"});
        }
    }
    QThread::usleep(QRandomGenerator::global()->bounded(2000));
    writer.kill();   // SIGKILL on Unix
    QVERIFY(writer.waitForFinished(10000));
    QCOMPARE(writer.exitStatus(), QProcess::CrashExit);
    QVERIFY2(acks.size() >= killAfterAcks, qPrintable(QStringLiteral("only %1 acks before timeout").arg(acks.size())));

    // A fresh connection in this process, as the next FaceLab start would open it.
    const ProjectStore st = ProjectStore::open(dir.path());
    QSqlQuery check(st.db());
    QVERIFY(check.exec("PRAGMA integrity_check"));
    QVERIFY(check.next());
    QCOMPARE(check.value(0).toString(), QStringLiteral("ok"));

    QSqlQuery q(st.db());
    QVERIFY(q.prepare("SELECT pair_id, verdict, undone FROM feedback WHERE id = ?"));
    for (const Ack &a : acks) {
        q.addBindValue(a.id);
        QVERIFY(q.exec());
        QVERIFY2(q.next(), qPrintable(QStringLiteral("acknowledged verdict %1 is missing").arg(a.id)));
        QCOMPARE(q.value(0).toLongLong(), a.pair);
        QCOMPARE(q.value(1).toString(), a.verdict);
        QCOMPARE(q.value(2).toInt(), a.undone ? 1 : 0);
        q.finish();
    }
}

QTEST_GUILESS_MAIN(DurabilityTest)
#include "test_durability.moc"

// The project store under hostile conditions, on real SQLite files: a read-only project (read-only
// mount, or file permissions for a non-root user), a full disk (a small tmpfs), and a damaged
// table. Mount-based cases SKIP with the reason where this machine does not allow mounting.
#include "ScratchMount.h"

#include "jobs/RunRecorded.h"
#include "store/Connection.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"
#include "store/Schema.h"
#include "store/StoreError.h"

#include <QFile>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace facelab;
using namespace facelab::store;

namespace {

QString dbOf(const QString &folder)
{
    return QDir(folder).filePath(QString::fromLatin1(ProjectStore::kDbFileName));
}

// Images and pairs enough for the pairs table to span several pages.
void fill(const ProjectStore &st, int images)
{
    ImageTable t(st);
    const qint64 root = t.ensureRoot(QStringLiteral("/data/faces"), "identities");
    QVector<qint64> ids;
    for (int i = 0; i < images; ++i) {
        const qint64 idt = t.ensureIdentity(QStringLiteral("P%1").arg(i / 4));
        ids << t.insert(root, {QStringLiteral("P%1/%2.jpg").arg(i / 4).arg(i), QStringLiteral("sha%1").arg(i), 100, 112, 112, idt})
                   .first;
    }
    PairTable p(st);
    for (int i = 0; i + 1 < ids.size(); ++i)
        p.insert({ids[i], ids[i + 1], (i / 4) == ((i + 1) / 4), "generated", "train"});
}

// A run whose process is gone (a child that exited and was reaped), as a killed FaceLab leaves it.
qint64 insertOrphanRun(const ProjectStore &st)
{
    const qint64 id = RunTable(st).start(QStringLiteral("faces"), {});
    const pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, nullptr, 0);
    QSqlQuery q(st.db());
    q.prepare(QStringLiteral("UPDATE runs SET pid = ? WHERE id = ?"));
    q.addBindValue(qint64(gone));
    q.addBindValue(id);
    q.exec();
    return id;
}

// Writes a file until the disk refuses even a byte; returns the bytes written.
qint64 fillDisk(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered))
        return 0;
    qint64 total = 0;
    for (int chunk = 64 * 1024; chunk > 0; chunk /= 4) {
        const QByteArray bytes(chunk, 'x');
        qint64 n;
        while ((n = f.write(bytes)) > 0)
            total += n;
    }
    return total;
}

} // namespace

class StoreHostileTest : public QObject
{
    Q_OBJECT
private slots:
    void readOnlyProjectIsReadableAndRefusesWrites();
    void fullDiskRecordsWhyTheRunFailedAndKeepsReading();
    void damagedTableNamesTheFileAndTheRestIsReadable();
};

void StoreHostileTest::readOnlyProjectIsReadableAndRefusesWrites()
{
    // Root writes through file permissions: a read-only mount is what refuses root. Other users
    // get the same from a folder and file without write permission.
    std::unique_ptr<ScratchMount> mount;
    QTemporaryDir plain;
    QString folder;
    if (geteuid() == 0) {
        mount = std::make_unique<ScratchMount>(QStringLiteral("8m"));
        if (!mount->ok())
            QSKIP(qPrintable(mount->why()));
        folder = mount->filePath(QStringLiteral("p"));
    } else {
        folder = QDir(plain.path()).filePath(QStringLiteral("p"));
    }
    qint64 orphan = 0;
    {
        const ProjectStore st = ProjectStore::open(folder, true);
        QVERIFY(!st.isReadOnly());
        fill(st, 40);
        st.setSetting(QStringLiteral("k"), QStringLiteral("v"));
        orphan = insertOrphanRun(st);
    }
    closeThreadConnection(dbOf(folder));   // the last connection checkpoints and removes -wal and -shm
    // A project an older FaceLab made (its schema one step behind) cannot be upgraded read-only.
    const QString old = QFileInfo(folder).dir().filePath(QStringLiteral("old"));
    {
        const ProjectStore st = ProjectStore::open(old, true);
        execRaw(st.db(), QStringLiteral("PRAGMA user_version=%1").arg(latestSchemaVersion() - 1), "age the schema");
    }
    closeThreadConnection(dbOf(old));
    QVERIFY(!QFile::exists(dbOf(folder) + QStringLiteral("-shm")));
    if (mount) {
        QVERIFY2(mount->remountReadOnly(), qPrintable(mount->why()));
    } else {
        QVERIFY(::chmod(QFile::encodeName(dbOf(folder)).constData(), 0444) == 0);
        QVERIFY(::chmod(QFile::encodeName(folder).constData(), 0555) == 0);
        QVERIFY(::chmod(QFile::encodeName(dbOf(old)).constData(), 0444) == 0);
        QVERIFY(::chmod(QFile::encodeName(old).constData(), 0555) == 0);
    }
    const auto restore = qScopeGuard([&] {
        ::chmod(QFile::encodeName(folder).constData(), 0755);
        ::chmod(QFile::encodeName(old).constData(), 0755);
    });
    try {
        ProjectStore::open(old);
        QFAIL("a read-only project with an older schema opened");
    } catch (const StoreError &e) {
        QCOMPARE(e.kind(), StoreError::Kind::ReadOnly);
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("is read-only and was made by an older FaceLab")), e.what());
    }
    closeThreadConnection(dbOf(old));

    const ProjectStore st = ProjectStore::open(folder);
    QVERIFY(st.isReadOnly());
    const ProjectStats s = st.stats();
    QCOMPARE(s.images, 40);
    QCOMPARE(s.pairs, 39);
    QCOMPARE(st.setting(QStringLiteral("k")), QStringLiteral("v"));
    // The orphan run cannot be marked: it is left as it is, and opening did not fail over it.
    QCOMPARE(st.interruptedOnOpen(), 0);
    QCOMPARE(RunTable(st).run(orphan).status, QStringLiteral("running"));

    try {
        st.setSetting(QStringLiteral("k"), QStringLiteral("w"));
        QFAIL("a write to a read-only project succeeded");
    } catch (const StoreError &e) {
        QCOMPARE(e.kind(), StoreError::Kind::ReadOnly);
        QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("%1 is read-only: write setting").arg(QFileInfo(folder).absoluteFilePath()));
    }
    QCOMPARE(st.setting(QStringLiteral("k")), QStringLiteral("v"));

    // Work on a read-only project runs, unrecorded; a write inside it fails as any write does.
    jobs::PlainJobContext ctx;
    qint64 seenRunId = -1;
    const qint64 images = jobs::runRecorded(st, jobs::JobKind::Eval, {}, ctx, [&](jobs::JobContext &c) {
        seenRunId = c.runId();
        c.log(QStringLiteral("reading"));
        return st.stats().images;
    });
    QCOMPARE(images, 40);
    QCOMPARE(seenRunId, 0);
    {
        jobs::RunRecorder rec(st, QStringLiteral("eval"), {});
        QVERIFY(!rec.recorded());
        QVERIFY2(rec.note().contains(QStringLiteral("read-only")), qPrintable(rec.note()));
    }
    QCOMPARE(RunTable(st).recent().size(), 1);   // only the orphan: nothing was recorded
    closeThreadConnection(dbOf(folder));
}

void StoreHostileTest::fullDiskRecordsWhyTheRunFailedAndKeepsReading()
{
    ScratchMount mount(QStringLiteral("2m"));
    if (!mount.ok())
        QSKIP(qPrintable(mount.why()));
    const QString folder = mount.filePath(QStringLiteral("p"));
    qint64 orphan = 0;
    {
        const ProjectStore st = ProjectStore::open(folder, true);
        fill(st, 40);
        orphan = insertOrphanRun(st);
    }
    closeThreadConnection(dbOf(folder));
    const ProjectStore st = ProjectStore::open(folder);
    QCOMPARE(st.interruptedOnOpen(), 1);   // space left: the orphan is marked as before
    QCOMPARE(QFileInfo(QDir(folder).filePath(QString::fromLatin1(ProjectStore::kReserveFileName))).size(), 256 * 1024);
    const qint64 orphan2 = insertOrphanRun(st);
    // A run that ends well is recorded as before, its log untouched.
    jobs::PlainJobContext okCtx;
    const qint64 okRun = jobs::runRecorded(st, jobs::JobKind::Eval, {}, okCtx, [&](jobs::JobContext &c) {
        c.log(QStringLiteral("counted"));
        return c.runId();
    });
    QCOMPARE(RunTable(st).run(okRun).status, QStringLiteral("done"));
    QCOMPARE(RunTable(st).run(okRun).log, QStringLiteral("counted\n"));

    // A run whose work fills the disk and then fails writing: the failure is recorded as disk full.
    jobs::PlainJobContext ctx;
    qint64 runId = 0;
    try {
        jobs::runRecorded(st, jobs::JobKind::ImportIdentities, {}, ctx, [&](jobs::JobContext &c) {
            runId = c.runId();
            QVERIFY(fillDisk(mount.filePath(QStringLiteral("filler"))) > 0);
            ImageTable t(st);
            Transaction tx(st.db());
            const qint64 root = t.ensureRoot(QStringLiteral("/data/more"), "identities");
            for (int i = 0; i < 100000; ++i)
                t.insert(root, {QStringLiteral("x/%1.jpg").arg(i), QStringLiteral("more%1").arg(i).repeated(20), 1, 1, 1, 0});
            tx.commit();
        });
        QFAIL("100000 images fit on a full disk");
    } catch (const StoreError &e) {
        QCOMPARE(e.kind(), StoreError::Kind::DiskFull);
    }
    QVERIFY(runId > 0);
    const RunRecord r = RunTable(st).run(runId);
    QCOMPARE(r.status, QStringLiteral("failed"));
    QVERIFY2(r.log.contains(QStringLiteral("error: disk full: ")), qPrintable(r.log));
    QVERIFY(!QFile::exists(QDir(folder).filePath(QString::fromLatin1(ProjectStore::kReserveFileName))));

    // The disk full again, with nothing left in the WAL to reuse; a second connection (another
    // FaceLab) keeps -wal and -shm in place. The next command opens the project and reads it,
    // though it cannot mark the orphan run.
    QVERIFY(QFile::remove(mount.filePath(QStringLiteral("filler"))));
    QSqlDatabase holder = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("holder"));
    holder.setDatabaseName(dbOf(folder));
    QVERIFY(holder.open());
    {
        QSqlQuery h(holder);
        QVERIFY(h.exec(QStringLiteral("SELECT count(*) FROM runs")) && h.next());
    }
    {
        QSqlQuery c(st.db());
        QVERIFY(c.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")) && c.next());
        QCOMPARE(c.value(0).toInt(), 0);   // not busy: the WAL is empty now
    }
    QVERIFY(fillDisk(mount.filePath(QStringLiteral("filler2"))) > 0);
    closeThreadConnection(dbOf(folder));
    {
        const ProjectStore again = ProjectStore::open(folder);
        QVERIFY(!again.isReadOnly());
        QCOMPARE(again.interruptedOnOpen(), 0);
        QCOMPARE(again.stats().images, 40);
        QCOMPARE(again.stats().pairs, 39);
        QCOMPARE(RunTable(again).run(runId).status, QStringLiteral("failed"));
        QCOMPARE(RunTable(again).run(orphan2).status, QStringLiteral("running"));
        try {
            again.setSetting(QStringLiteral("k"), QStringLiteral("v"));
            QFAIL("a write succeeded on a full disk");
        } catch (const StoreError &e) {
            QCOMPARE(e.kind(), StoreError::Kind::DiskFull);
        }
        QCOMPARE(again.stats().images, 40);   // the failed write left nothing open
    }
    closeThreadConnection(dbOf(folder));
    holder.close();
    holder = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("holder"));

    // Space is freed: the orphan is marked and the reserve is back.
    QVERIFY(QFile::remove(mount.filePath(QStringLiteral("filler2"))));
    const ProjectStore freed = ProjectStore::open(folder);
    QCOMPARE(freed.interruptedOnOpen(), 1);
    QCOMPARE(RunTable(freed).run(orphan2).status, QStringLiteral("interrupted"));
    QCOMPARE(RunTable(freed).run(orphan).status, QStringLiteral("interrupted"));
    QCOMPARE(QFileInfo(QDir(folder).filePath(QString::fromLatin1(ProjectStore::kReserveFileName))).size(), 256 * 1024);
    closeThreadConnection(dbOf(folder));
}

void StoreHostileTest::damagedTableNamesTheFileAndTheRestIsReadable()
{
    QTemporaryDir dir;
    {
        const ProjectStore st = ProjectStore::open(dir.path(), true);
        fill(st, 400);
    }
    closeThreadConnection(dbOf(dir.path()));
    int rootPage = 0, pageSize = 0;
    {
        const ProjectStore st = ProjectStore::open(dir.path());
        QSqlQuery q(st.db());
        QVERIFY(q.exec("SELECT rootpage FROM sqlite_master WHERE name = 'pairs'") && q.next());
        rootPage = q.value(0).toInt();
        QVERIFY(q.exec("PRAGMA page_size") && q.next());
        pageSize = q.value(0).toInt();
    }
    closeThreadConnection(dbOf(dir.path()));
    QFile f(dbOf(dir.path()));
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek(qint64(rootPage - 1) * pageSize));
    QCOMPARE(f.write(QByteArray(pageSize, char(0xA5))), qint64(pageSize));
    f.close();

    const ProjectStore st = ProjectStore::open(dir.path());
    try {
        st.stats();
        QFAIL("counting a damaged pairs table succeeded");
    } catch (const StoreError &e) {
        QCOMPARE(e.kind(), StoreError::Kind::Damaged);
        QCOMPARE(e.file(), QFileInfo(dbOf(dir.path())).absoluteFilePath());
        QVERIFY2(QString::fromUtf8(e.what()).contains(e.file()), e.what());
    }
    QSqlQuery q(st.db());
    QVERIFY(q.exec("SELECT count(*) FROM images") && q.next());
    QCOMPARE(q.value(0).toInt(), 400);
    closeThreadConnection(dbOf(dir.path()));
}

QTEST_GUILESS_MAIN(StoreHostileTest)
#include "test_store_hostile.moc"

// The project store on real SQLite files: CRUD, schema migration from an older version,
// per-thread connections, interrupted runs, and clear errors for bad project folders.
#include "store/Connection.h"
#include "store/DecisionThreshold.h"
#include "store/EmbeddingTable.h"
#include "store/FaceTable.h"
#include "store/ModelTable.h"
#include "store/ScoreTable.h"
#include "store/FeedbackTable.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"
#include "store/Schema.h"
#include "store/StoreError.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>
#include <QtTest>
#include <sys/wait.h>
#include <unistd.h>

using namespace facelab::store;

namespace {
qint64 scalar(const ProjectStore &st, const QString &sql)
{
    QSqlQuery q(st.db());
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

// The verdict stored on the pair (pairs.verdict), "" when it has none.
QString verdictColumn(const ProjectStore &st, qint64 pairId)
{
    QSqlQuery q(st.db());
    if (!q.exec(QStringLiteral("SELECT verdict FROM pairs WHERE id = %1").arg(pairId)) || !q.next())
        return QStringLiteral("<no pair>");
    return q.value(0).toString();
}

// Pairs whose stored verdict differs from the newest feedback row not undone (the definition).
qint64 verdictColumnMismatches(const ProjectStore &st)
{
    return scalar(st, "SELECT count(*) FROM pairs p WHERE p.verdict IS NOT "
                      "(SELECT f.verdict FROM feedback f WHERE f.pair_id = p.id AND f.undone = 0 ORDER BY f.id DESC LIMIT 1)");
}

// Three identities with two images each, and pairs between them.
struct Fixture
{
    QVector<qint64> images;
    QVector<qint64> pairs;
};

Fixture fill(const ProjectStore &st)
{
    Fixture f;
    ImageTable t(st);
    const qint64 root = t.ensureRoot("/data/faces", "identities");
    for (int i = 0; i < 6; ++i) {
        const qint64 idt = t.ensureIdentity(QStringLiteral("P%1").arg(i / 2));
        f.images << t.insert(root, {QStringLiteral("P%1/%2.jpg").arg(i / 2).arg(i), QStringLiteral("sha%1").arg(i), 100 + i,
                                    112, 112, idt}).first;
    }
    PairTable p(st);
    f.pairs << p.insert({f.images[0], f.images[1], true, "generated", "train"}).first;
    f.pairs << p.insert({f.images[0], f.images[2], false, "generated", "test"}).first;
    f.pairs << p.insert({f.images[2], f.images[3], std::nullopt, "imported", "validation"}).first;
    return f;
}
} // namespace

class StoreTest : public QObject
{
    Q_OBJECT
private slots:
    void createsProjectWithLatestSchema();
    void imagesAreUniqueBySha256PerRoot();
    void pairsAreUnorderedAndNeverSelf();
    void verdictsAreNeverDeletedAndUndoIsRepeatable();
    void statsCountCurrentVerdicts();
    void queueOrderPutsUnlabelledFirst();
    void runsRecordStatusAndBecomeInterruptedOnOpen();
    void migratesADatabaseMadeByAnOlderSchema();
    void migrationFromStep6KeepsEveryVerdict();
    void verdictColumnFollowsVerdictsUndoAndBatches();
    void decisionThresholdIsStoredElseLastEvaluationElseDefault();
    void refusesANewerSchema();
    void eachThreadHasItsOwnConnection();
    void badProjectFoldersGiveClearErrors();
    void foreignKeysAreEnforced();
    void facesRecordTheChoiceAndKeepTheUsersChoice();
    void modelVersionsFormALineage();
    void embeddingsAreCachedPerVersion();
    void removingAVersionKeepsLineageAndVerdicts();
    void queueOrdersByUncertaintyAndSpreadsImages();
};

void StoreTest::createsProjectWithLatestSchema()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.filePath("proj"), true);
    QVERIFY(QFileInfo::exists(dir.filePath("proj/project.sqlite")));
    QCOMPARE(schemaVersion(st.db()), latestSchemaVersion());
    QSqlQuery q(st.db());
    QVERIFY(q.exec("PRAGMA journal_mode") && q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
    QVERIFY(q.exec("PRAGMA foreign_keys") && q.next());
    QCOMPARE(q.value(0).toInt(), 1);
    st.setSetting("k", "v1");
    st.setSetting("k", "v2");
    QCOMPARE(st.setting("k"), QStringLiteral("v2"));
    QCOMPARE(st.setting("missing", "fallback"), QStringLiteral("fallback"));
}

void StoreTest::imagesAreUniqueBySha256PerRoot()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    ImageTable t(st);
    const qint64 r1 = t.ensureRoot("/a", "identities");
    QCOMPARE(t.ensureRoot("/a/", "identities"), r1);   // same folder, cleaned path
    const qint64 r2 = t.ensureRoot("/b", "identities");
    const auto [id1, added1] = t.insert(r1, {"x/1.jpg", "abc", 10, 5, 6, 0});
    QVERIFY(added1);
    const auto [id2, added2] = t.insert(r1, {"y/copy.jpg", "abc", 10, 5, 6, 0});
    QVERIFY(!added2);
    QCOMPARE(id2, id1);
    QVERIFY(t.insert(r2, {"x/1.jpg", "abc", 10, 5, 6, 0}).second);   // another root may hold it
    const ImageRecord r = t.image(id1);
    QCOMPARE(r.absPath, QStringLiteral("/a/x/1.jpg"));
    QCOMPARE(r.width, 5);
    QCOMPARE(r.identityId, 0);
    QCOMPARE(t.findByPath(r1, "x/1.jpg"), id1);
    QCOMPARE(t.findByPath(r1, "nope.jpg"), 0);
    QCOMPARE(t.ensureIdentity("Ann"), t.ensureIdentity("Ann"));
}

void StoreTest::pairsAreUnorderedAndNeverSelf()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    PairTable p(st);
    const auto [id, added] = p.insert({f.images[1], f.images[0], false, "imported", "train"});
    QVERIFY(!added);
    QCOMPARE(id, f.pairs[0]);
    QVERIFY_THROWS_EXCEPTION(StoreError, p.insert({f.images[3], f.images[3], true, "imported", "train"}));
    const PairRecord r = p.pair(f.pairs[0]);
    QCOMPARE(r.a.identity, QStringLiteral("P0"));
    QVERIFY(r.truth.has_value() && *r.truth);
    QCOMPARE(r.split, QStringLiteral("train"));
    QVERIFY(!p.pair(f.pairs[2]).truth.has_value());
    QCOMPARE(p.all().size(), 3);
    QCOMPARE(p.unorderedKeys().size(), 3);
    QVERIFY(p.unorderedKeys().contains(PairTable::unorderedKey(f.images[1], f.images[0])));
    QVERIFY_THROWS_EXCEPTION(StoreError, p.pair(9999));
}

void StoreTest::verdictsAreNeverDeletedAndUndoIsRepeatable()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    FeedbackTable fb(st);
    fb.add(f.pairs[0], Verdict::Same, 0, 0.73);
    fb.add(f.pairs[1], Verdict::Different);
    fb.add(f.pairs[0], Verdict::Different);   // changed mind: newest wins
    QCOMPARE(fb.current(f.pairs[0]), std::optional<Verdict>(Verdict::Different));
    QCOMPARE(fb.undoLast(), f.pairs[0]);
    QCOMPARE(fb.current(f.pairs[0]), std::optional<Verdict>(Verdict::Same));
    QCOMPARE(fb.undoLast(), f.pairs[1]);
    QVERIFY(!fb.current(f.pairs[1]).has_value());
    QCOMPARE(fb.undoLast(), f.pairs[0]);
    QCOMPARE(fb.undoLast(), 0);
    QCOMPARE(scalar(st, "SELECT count(*) FROM feedback"), 3);
    QCOMPARE(scalar(st, "SELECT count(*) FROM feedback WHERE undone = 1 AND undone_at IS NOT NULL"), 3);
    const QVector<FeedbackRecord> h = fb.history(f.pairs[0], false);
    QCOMPARE(h.size(), 2);
    QCOMPARE(h[0].score, 0.73);
    QVERIFY(std::isnan(h[1].score));
}

void StoreTest::statsCountCurrentVerdicts()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    FeedbackTable fb(st);
    fb.add(f.pairs[0], Verdict::Same);
    fb.add(f.pairs[1], Verdict::Skip);
    fb.add(f.pairs[2], Verdict::Same);
    fb.add(f.pairs[2], Verdict::Different);
    const ProjectStats s = st.stats();
    QCOMPARE(s.images, 6);
    QCOMPARE(s.identities, 3);
    QCOMPARE(s.pairs, 3);
    QCOMPARE(s.same, 1);
    QCOMPARE(s.different, 1);
    QCOMPARE(s.skipped, 1);
    QCOMPARE(s.labelled, 2);
    QCOMPARE(s.pairsWithTruth, 2);
}

void StoreTest::queueOrderPutsUnlabelledFirst()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    FeedbackTable fb(st);
    fb.add(f.pairs[0], Verdict::Same);
    fb.add(f.pairs[1], Verdict::Skip);
    QCOMPARE(PairTable(st).queueOrder(), (QVector<qint64>{f.pairs[2], f.pairs[1], f.pairs[0]}));
    fb.undoLast();
    fb.undoLast();
    // Pairs 0 and 1 share an image: pair 2 goes between them.
    QCOMPARE(PairTable(st).queueOrder(), (QVector<qint64>{f.pairs[0], f.pairs[2], f.pairs[1]}));
}

void StoreTest::runsRecordStatusAndBecomeInterruptedOnOpen()
{
    QTemporaryDir dir;
    qint64 done = 0, left = 0;
    {
        const ProjectStore st = ProjectStore::open(dir.path(), true);
        RunTable runs(st);
        done = runs.start("import", R"({"identities":"/x"})");
        runs.appendLog(done, "imported 3");
        runs.setStatus(done, RunStatus::Done);
        runs.addMetric(done, 0, "images", 3);
        left = runs.start("finetune", "{}");
        QCOMPARE(st.interruptedOnOpen(), 0);
        // Reopening while this (live) process still runs it leaves the run alone.
        closeThreadConnection(QDir(dir.path()).filePath("project.sqlite"));
        QCOMPARE(ProjectStore::open(dir.path()).interruptedOnOpen(), 0);
        QCOMPARE(RunTable(st).run(left).status, QStringLiteral("running"));
        // The process that ran it is gone: the pid of a child that has exited and been reaped.
        const pid_t gone = fork();
        if (gone == 0)
            _exit(0);
        QVERIFY(gone > 0);
        QCOMPARE(waitpid(gone, nullptr, 0), gone);
        QSqlQuery q(st.db());
        QVERIFY(q.prepare("UPDATE runs SET pid = ? WHERE id = ?"));
        q.addBindValue(qint64(gone));
        q.addBindValue(left);
        QVERIFY(q.exec());
    }
    // Opening again is what a restart after a killed process does.
    closeThreadConnection(QDir(dir.path()).filePath("project.sqlite"));
    const ProjectStore st = ProjectStore::open(dir.path());
    QCOMPARE(st.interruptedOnOpen(), 1);
    RunTable runs(st);
    QCOMPARE(runs.run(done).status, QStringLiteral("done"));
    QCOMPARE(runs.run(done).log, QStringLiteral("imported 3\n"));
    QVERIFY(!runs.run(done).endedAt.isEmpty());
    const RunRecord r = runs.run(left);
    QCOMPARE(r.status, QStringLiteral("interrupted"));
    QVERIFY(r.log.contains("interrupted"));
    QCOMPARE(runs.recent().size(), 2);
    QCOMPARE(scalar(st, "SELECT value FROM metrics WHERE name = 'images'"), 3);
}

void StoreTest::migratesADatabaseMadeByAnOlderSchema()
{
    QTemporaryDir dir;
    const QString dbPath = dir.filePath("project.sqlite");
    {
        // A version-1 database exactly as FaceLab 0.1 wrote it, with data in it.
        QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "old");
        db.setDatabaseName(dbPath);
        QVERIFY(db.open());
        QSqlQuery q(db);
        for (const QString &sql : migrationStatements(1))
            QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
        QVERIFY(q.exec("PRAGMA user_version=1"));
        QVERIFY(q.exec("INSERT INTO import_roots(path, kind, added_at) VALUES('/r', 'identities', 't')"));
        QVERIFY(q.exec("INSERT INTO identities(name) VALUES('Ann')"));
        QVERIFY(q.exec("INSERT INTO images(root_id, rel_path, sha256, size_bytes, width, height, identity_id, added_at) "
                       "VALUES(1, 'Ann/1.jpg', 's1', 1, 2, 2, 1, 't'), (1, 'Ann/2.jpg', 's2', 1, 2, 2, 1, 't')"));
        QVERIFY(q.exec("INSERT INTO pairs(image_a, image_b, truth, origin, split, created_at) VALUES(1, 2, 1, 'imported', 'test', 't')"));
        QVERIFY(q.exec("INSERT INTO feedback(pair_id, verdict, created_at) VALUES(1, 'same', 't')"));
        QVERIFY(q.exec("INSERT INTO runs(kind, status, started_at) VALUES('import', 'running', 't')"));
        db.close();
    }
    QSqlDatabase::removeDatabase("old");

    const ProjectStore st = ProjectStore::open(dir.path());
    QCOMPARE(schemaVersion(st.db()), latestSchemaVersion());
    QCOMPARE(st.stats().same, 1);
    QCOMPARE(PairTable(st).pair(1).a.identity, QStringLiteral("Ann"));
    QCOMPARE(st.interruptedOnOpen(), 1);
    // Step 2's tables and columns exist and work on the migrated file.
    QCOMPARE(scalar(st, "SELECT count(*) FROM feedback WHERE model_version_id IS NULL AND score IS NULL"), 1);
    QSqlQuery q(st.db());
    QVERIFY2(q.exec("INSERT INTO models(name, family, created_at) VALUES('m', 'onnx', 't')"), qPrintable(q.lastError().text()));
    QVERIFY(q.exec("INSERT INTO model_versions(model_id, name, file, preprocessing_json, created_at) VALUES(1, 'm-v1', 'f', '{}', 't')"));
    QVERIFY(q.exec("INSERT INTO embeddings(model_version_id, image_id, dim, vector) VALUES(1, 1, 1, x'0000803f')"));
    FeedbackTable(st).add(1, Verdict::Different, 1, 0.5);
    QCOMPARE(FeedbackTable(st).history(1).front().modelVersionId, 1);
}

void StoreTest::migrationFromStep6KeepsEveryVerdict()
{
    QTemporaryDir dir;
    const QString dbPath = dir.filePath("project.sqlite");
    const int pairs = 40;
    {
        // A step-6 database (before pairs.verdict) with verdict histories: changed minds, skips,
        // undone verdicts and pairs never judged.
        QSqlDatabase db = QSqlDatabase::addDatabase("QSQLITE", "step6");
        db.setDatabaseName(dbPath);
        QVERIFY(db.open());
        QSqlQuery q(db);
        for (int v = 1; v <= 6; ++v)
            for (const QString &sql : migrationStatements(v))
                QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
        QVERIFY(q.exec("PRAGMA user_version=6"));
        QVERIFY(q.exec("INSERT INTO import_roots(path, kind, added_at) VALUES('/r', 'identities', 't')"));
        for (int i = 1; i <= pairs + 1; ++i)
            QVERIFY(q.exec(QStringLiteral("INSERT INTO images(root_id, rel_path, sha256, size_bytes, width, height, added_at) "
                                          "VALUES(1, '%1.jpg', 's%1', 1, 2, 2, 't')").arg(i)));
        const char *verdicts[] = {"same", "different", "skip"};
        for (int p = 1; p <= pairs; ++p) {
            QVERIFY(q.exec(QStringLiteral("INSERT INTO pairs(image_a, image_b, origin, created_at) VALUES(%1, %2, 'generated', 't')")
                               .arg(p).arg(p + 1)));
            // Pair p gets p % 4 verdicts; every third row of the whole table is undone.
            for (int k = 0; k < p % 4; ++k) {
                const int row = p * 4 + k;
                QVERIFY(q.exec(QStringLiteral("INSERT INTO feedback(pair_id, verdict, created_at, undone) VALUES(%1, '%2', 't', %3)")
                                   .arg(p).arg(verdicts[(p + k) % 3]).arg(row % 3 == 0 ? 1 : 0)));
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase("step6");

    const ProjectStore st = ProjectStore::open(dir.path());
    QCOMPARE(schemaVersion(st.db()), latestSchemaVersion());
    QCOMPARE(verdictColumnMismatches(st), 0);
    const qint64 judged = scalar(st, "SELECT count(DISTINCT pair_id) FROM feedback WHERE undone = 0");
    QVERIFY(judged > 10 && judged < pairs);   // the fixture has both kinds
    QCOMPARE(scalar(st, "SELECT count(*) FROM pairs WHERE verdict IS NOT NULL"), judged);
    FeedbackTable fb(st);
    for (int p = 1; p <= pairs; ++p) {
        const auto v = fb.current(p);
        QCOMPARE(verdictColumn(st, p), v ? verdictName(*v) : QString());
    }
    const ProjectStats s = st.stats();
    QCOMPARE(s.same + s.different + s.skipped, judged);
    QCOMPARE(s.same, scalar(st, "SELECT count(*) FROM pairs WHERE verdict = 'same'"));
}

void StoreTest::verdictColumnFollowsVerdictsUndoAndBatches()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    FeedbackTable fb(st);
    QCOMPARE(verdictColumn(st, f.pairs[0]), QString());
    fb.add(f.pairs[0], Verdict::Same);
    QCOMPARE(verdictColumn(st, f.pairs[0]), QStringLiteral("same"));
    fb.add(f.pairs[0], Verdict::Skip);
    QCOMPARE(verdictColumn(st, f.pairs[0]), QStringLiteral("skip"));
    QCOMPARE(fb.undoLast(), f.pairs[0]);
    QCOMPARE(verdictColumn(st, f.pairs[0]), QStringLiteral("same"));   // back to the older verdict
    QCOMPARE(fb.undoLast(), f.pairs[0]);
    QCOMPARE(verdictColumn(st, f.pairs[0]), QString());
    {
        // A batch (label --from) that is rolled back leaves no trace on the pairs either.
        Transaction tx(st.db());
        fb.add(f.pairs[1], Verdict::Different);
        fb.add(f.pairs[2], Verdict::Same);
        QCOMPARE(verdictColumn(st, f.pairs[1]), QStringLiteral("different"));
    }
    QCOMPARE(verdictColumn(st, f.pairs[1]), QString());
    QCOMPARE(verdictColumn(st, f.pairs[2]), QString());
    {
        Transaction tx(st.db());
        fb.add(f.pairs[1], Verdict::Different);
        fb.add(f.pairs[2], Verdict::Same);
        fb.add(f.pairs[2], Verdict::Different);
        tx.commit();
    }
    QCOMPARE(verdictColumn(st, f.pairs[1]), QStringLiteral("different"));
    QCOMPARE(verdictColumn(st, f.pairs[2]), QStringLiteral("different"));
    QCOMPARE(PairTable(st).pair(f.pairs[2]).verdict, std::optional<Verdict>(Verdict::Different));
    QCOMPARE(PairTable(st).queueOrder().front(), f.pairs[0]);   // the only pair left without a verdict
    QCOMPARE(verdictColumnMismatches(st), 0);
}

void StoreTest::decisionThresholdIsStoredElseLastEvaluationElseDefault()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    ModelTable mt(st);
    const qint64 model = mt.addModel("m", "onnx", {});
    const qint64 a = mt.addVersion(model, "a", 0, "a.onnx", "{}", std::nullopt, 0);
    const qint64 b = mt.addVersion(model, "b", 0, "b.onnx", "{}", std::nullopt, 0);
    DecisionThreshold t = decisionThreshold(st, *mt.version(a));
    QCOMPARE(t.origin, DecisionThreshold::Origin::Default);
    QCOMPARE(t.value, kDefaultDecisionThreshold);
    QVERIFY(t.describe().contains("default"));

    RunTable runs(st);
    auto evalRun = [&](qint64 version, double best, RunStatus status, const QString &kind = "eval") {
        const qint64 r = runs.start(kind, "{}");
        runs.addMetric(r, version, "threshold", 0.9);   // the threshold it was run at is not the rule
        runs.addMetric(r, version, "best_threshold", best);
        runs.setStatus(r, status);
        return r;
    };
    evalRun(a, 0.31, RunStatus::Done);
    const qint64 last = evalRun(a, 0.27, RunStatus::Done);
    evalRun(a, 0.55, RunStatus::Failed);               // not finished: not an evaluation to go by
    evalRun(a, 0.66, RunStatus::Done, "finetune");     // another kind of run
    evalRun(b, 0.12, RunStatus::Done);                 // another version
    t = decisionThreshold(st, *mt.version(a));
    QCOMPARE(t.origin, DecisionThreshold::Origin::Evaluation);
    QCOMPARE(t.value, 0.27);
    QCOMPARE(t.evalRunId, last);
    QVERIFY(t.describe().contains(QString::number(last)));

    mt.setThreshold(a, 0.5);
    t = decisionThreshold(st, *mt.version(a));
    QCOMPARE(t.origin, DecisionThreshold::Origin::Version);
    QCOMPARE(t.value, 0.5);
    QCOMPARE(decisionThreshold(st, *mt.version(b)).value, 0.12);
}

void StoreTest::refusesANewerSchema()
{
    QTemporaryDir dir;
    {
        const ProjectStore st = ProjectStore::open(dir.path(), true);
        QSqlQuery q(st.db());
        QVERIFY(q.exec("PRAGMA user_version=99"));
    }
    closeThreadConnection(QDir(dir.path()).filePath("project.sqlite"));
    try {
        ProjectStore::open(dir.path());
        QFAIL("opened a database from the future");
    } catch (const StoreError &e) {
        const QString m = QString::fromUtf8(e.what());
        QVERIFY2(m.contains("project.sqlite") && m.contains("99") && m.contains("newer"), qPrintable(m));
    }
}

void StoreTest::eachThreadHasItsOwnConnection()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    const QString mine = st.db().connectionName();
    QString theirs;
    bool theirsRegisteredWhileRunning = false;
    // A worker thread writes through its own connection while this one reads.
    QThread *t = QThread::create([&] {
        const ProjectStore worker = ProjectStore::open(dir.path());
        theirs = worker.db().connectionName();
        theirsRegisteredWhileRunning = QSqlDatabase::contains(theirs);
        FeedbackTable fb(worker);
        for (int i = 0; i < 50; ++i)
            fb.add(f.pairs[i % 3], Verdict::Same);
    });
    t->start();
    for (int i = 0; i < 50; ++i)
        st.stats();
    QVERIFY(t->wait(30000));
    delete t;
    QVERIFY(!theirs.isEmpty());
    QVERIFY(theirs != mine);
    QVERIFY(theirsRegisteredWhileRunning);
    QVERIFY2(!QSqlDatabase::contains(theirs), "a finished thread's connection must be removed");
    QCOMPARE(scalar(st, "SELECT count(*) FROM feedback"), 50);
    QCOMPARE(st.db().connectionName(), mine);
}

void StoreTest::badProjectFoldersGiveClearErrors()
{
    QTemporaryDir dir;
    auto message = [](auto fn) {
        try {
            fn();
        } catch (const StoreError &e) {
            return QString::fromUtf8(e.what());
        }
        return QString();
    };
    QString m = message([&] { ProjectStore::open(dir.filePath("nothing")); });
    QVERIFY2(m.contains("not a FaceLab project") && m.contains("nothing"), qPrintable(m));
    QFile file(dir.filePath("plain.txt"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("x");
    file.close();
    m = message([&] { ProjectStore::open(dir.filePath("plain.txt"), true); });
    QVERIFY2(m.contains("is a file"), qPrintable(m));
    // A project.sqlite that is not a database: named in the error, and left as it was.
    QDir().mkpath(dir.filePath("broken"));
    QFile junk(dir.filePath("broken/project.sqlite"));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    const QByteArray garbage(8192, '\x5a');
    junk.write(garbage);
    junk.close();
    m = message([&] { ProjectStore::open(dir.filePath("broken")); });
    QVERIFY2(m.contains("project.sqlite"), qPrintable(m));
    QVERIFY(junk.open(QIODevice::ReadOnly));
    QCOMPARE(junk.readAll(), garbage);
}

void StoreTest::foreignKeysAreEnforced()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    QVERIFY_THROWS_EXCEPTION(StoreError, FeedbackTable(st).add(12345, Verdict::Same));
    QCOMPARE(scalar(st, "SELECT count(*) FROM feedback"), 0);
}

void StoreTest::facesRecordTheChoiceAndKeepTheUsersChoice()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    FaceTable faces(st);
    QCOMPARE(faces.counts().pending, 6);
    FaceRecord a, b;
    a.box = QRectF(10, 20, 30, 40);
    a.score = 0.99;
    a.five = {QPointF(1, 2), QPointF(3, 4), QPointF(5, 6), QPointF(7, 8), QPointF(9, 10)};
    a.landmarks68 = QVector<QPointF>(68, QPointF(0.5, 0.25));
    b = a;
    b.score = 0.8;
    faces.record(f.images[0], {a, b}, 0, "found");
    QCOMPARE(faces.faces(f.images[0]).size(), 2);
    QCOMPARE(faces.chosen(f.images[0])->idx, 0);
    QCOMPARE(faces.chosen(f.images[0])->five[4], QPointF(9, 10));
    QCOMPARE(faces.chosen(f.images[0])->landmarks68.size(), 68);
    QCOMPARE(ImageTable(st).image(f.images[0]).faceStatus, QStringLiteral("found"));
    // The user prefers the second face; a re-detection keeps that choice.
    faces.choose(f.images[0], faces.faces(f.images[0])[1].id);
    faces.record(f.images[0], {a, b}, 0, "found");
    QCOMPARE(faces.chosen(f.images[0])->idx, 1);
    QVERIFY_THROWS_EXCEPTION(StoreError, faces.choose(f.images[1], faces.faces(f.images[0])[0].id));
    faces.record(f.images[1], {}, -1, "none", "no face found");
    QVERIFY(!faces.chosen(f.images[1]).has_value());
    QCOMPARE(faces.note(f.images[1]), QStringLiteral("no face found"));
    QCOMPARE(faces.imagesWithStatus("none"), QVector<qint64>{f.images[1]});
    const FaceStatusCounts c = faces.counts();
    QCOMPARE(c.found, 1);
    QCOMPARE(c.none, 1);
    QCOMPARE(c.pending, 4);
}

void StoreTest::modelVersionsFormALineage()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    ModelTable models(st);
    QVERIFY(!models.current().has_value());
    const qint64 m = models.addModel("fr_feature", "onnx", "/models/fr_feature.onnx");
    const qint64 v1 = models.addVersion(m, "fr_feature", 0, "models/fr_feature.onnx", "{}", std::nullopt, 0);
    const qint64 run = RunTable(st).start("finetune", "{}");
    const qint64 v2 = models.addVersion(m, "fr_feature-ft1", v1, "models/fr_feature-ft1.onnx", "{}", 0.35, run);
    QCOMPARE(models.current()->id, v2);   // newest when none was chosen
    models.setCurrent(v1);
    QCOMPARE(models.current()->id, v1);
    const auto child = models.versionByName("fr_feature-ft1");
    QVERIFY(child.has_value());
    QCOMPARE(child->parentName, QStringLiteral("fr_feature"));
    QCOMPARE(*child->threshold, 0.35);
    QCOMPARE(child->createdByRun, run);
    QVERIFY(!models.version(v1)->threshold.has_value());
    models.setThreshold(v1, 0.4);
    QCOMPARE(*models.version(v1)->threshold, 0.4);
    QVERIFY(models.nameTaken("fr_feature-ft1"));
    QVERIFY(!models.nameTaken("other"));
    QCOMPARE(models.versions().size(), 2);
    QVERIFY_THROWS_EXCEPTION(StoreError, models.addVersion(m, "fr_feature", 0, "x", "{}", std::nullopt, 0));
}

void StoreTest::embeddingsAreCachedPerVersion()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    ModelTable models(st);
    const qint64 v = models.addVersion(models.addModel("m", "onnx", ""), "m", 0, "m.onnx", "{}", std::nullopt, 0);
    FaceTable faces(st);
    for (qint64 id : f.images)
        faces.record(id, {FaceRecord{}}, 0, "found");
    EmbeddingTable emb(st);
    QCOMPARE(emb.missing(v).size(), 6);
    const float data[] = {1, 0, 0, 0, 1, 0};
    emb.put(v, {f.images[0], f.images[1]}, data, 3);
    QCOMPARE(emb.count(v), 2);
    QCOMPARE(emb.missing(v).size(), 4);
    const auto got = emb.get(v, {f.images[0], f.images[1], f.images[2]});
    QCOMPARE(got.size(), 2);
    QCOMPARE(got[f.images[1]], (std::vector<float>{0, 1, 0}));
    faces.record(f.images[5], {}, -1, "none");
    QCOMPARE(emb.missing(v).size(), 3);   // no face, nothing to embed
}

void StoreTest::removingAVersionKeepsLineageAndVerdicts()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    const Fixture f = fill(st);
    ModelTable models(st);
    const qint64 m = models.addModel("m", "onnx", "");
    const qint64 v1 = models.addVersion(m, "m", 0, "models/m.onnx", "{}", std::nullopt, 0);
    const qint64 run = RunTable(st).start("finetune", "{}");
    const qint64 v2 = models.addVersion(m, "m-ft1", v1, "models/m-ft1.onnx", "{}", 0.3, run);
    QDir(dir.path()).mkpath("models");
    for (const char *file : {"models/m.onnx", "models/m-ft1.onnx"}) {
        QFile out(QDir(dir.path()).filePath(file));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write("onnx");
    }
    const float data[] = {1, 0};
    EmbeddingTable(st).put(v2, {f.images[0]}, data, 2);
    ScoreTable(st).put(v2, {f.pairs[0]}, {0.5});
    FeedbackTable(st).add(f.pairs[0], Verdict::Same, v2, 0.5);
    RunTable(st).addMetric(run, v2, "val_accuracy", 0.9);
    QCOMPARE(models.runMetrics(run, v2).value("val_accuracy"), 0.9);
    QCOMPARE(models.children(v1).size(), 1);

    // The current version and a parent are refused, and nothing changes.
    models.setCurrent(v2);
    QVERIFY_THROWS_EXCEPTION(StoreError, models.removeVersion(v2));
    try {
        models.removeVersion(v1);
        QFAIL("a parent was deleted");
    } catch (const StoreError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("m-ft1"), e.what());
    }
    QCOMPARE(models.versions().size(), 2);

    models.setCurrent(v1);
    models.removeVersion(v2);
    QVERIFY(!models.version(v2).has_value());
    QCOMPARE(scalar(st, QStringLiteral("SELECT count(*) FROM embeddings WHERE model_version_id = %1").arg(v2)), 0);
    QCOMPARE(scalar(st, QStringLiteral("SELECT count(*) FROM pair_scores WHERE model_version_id = %1").arg(v2)), 0);
    QCOMPARE(scalar(st, "SELECT count(*) FROM feedback WHERE model_version_id IS NULL AND undone = 0"), 1);   // verdict kept
    QCOMPARE(scalar(st, "SELECT count(*) FROM metrics"), 1);                                                 // history kept
    QVERIFY(!QFileInfo::exists(QDir(dir.path()).filePath("models/m-ft1.onnx")));
    QVERIFY(QFileInfo::exists(QDir(dir.path()).filePath("models/m.onnx")));
    QCOMPARE(models.current()->id, v1);
    QVERIFY(models.children(v1).isEmpty());
}

void StoreTest::queueOrdersByUncertaintyAndSpreadsImages()
{
    QTemporaryDir dir;
    const ProjectStore st = ProjectStore::open(dir.path(), true);
    ImageTable t(st);
    const qint64 root = t.ensureRoot("/x", "identities");
    QVector<qint64> img;
    for (int i = 0; i < 12; ++i)
        img << t.insert(root, {QStringLiteral("%1.jpg").arg(i), QStringLiteral("s%1").arg(i), 1, 1, 1, 0}).first;
    PairTable pairs(st);
    // p0..p3 all show image 0; p4, p5 do not.
    QVector<qint64> p;
    for (int i = 1; i <= 4; ++i)
        p << pairs.insert({img[0], img[i], std::nullopt, "generated", "train"}).first;
    p << pairs.insert({img[6], img[7], std::nullopt, "generated", "train"}).first;
    p << pairs.insert({img[8], img[9], std::nullopt, "generated", "train"}).first;
    p << pairs.insert({img[10], img[11], std::nullopt, "generated", "train"}).first;
    ModelTable models(st);
    const qint64 v = models.addVersion(models.addModel("m", "onnx", ""), "m", 0, "m.onnx", "{}", 0.5, 0);
    // Uncertainty |s - 0.5|: p0 .00, p1 .01, p2 .02, p3 .03, p4 .2, p5 .3; p6 unscored.
    ScoreTable(st).put(v, {p[0], p[1], p[2], p[3], p[4], p[5]}, {0.5, 0.49, 0.52, 0.47, 0.7, 0.2});
    QCOMPARE(ScoreTable(st).count(v), 6);
    const QVector<qint64> order = pairs.queueOrder(v, 0.5);
    QCOMPARE(order.size(), 7);
    QCOMPARE(order.front(), p[0]);        // the most uncertain first
    QVERIFY(order.indexOf(p[6]) > order.indexOf(p[4]) && order.indexOf(p[6]) > order.indexOf(p[5]));   // unscored after scored
    // Image 0 never shows in two consecutive pairs while other pairs are available.
    for (int i = 0; i + 1 < 4; ++i) {
        const bool a = QVector<qint64>{p[0], p[1], p[2], p[3]}.contains(order[i]);
        const bool b = QVector<qint64>{p[0], p[1], p[2], p[3]}.contains(order[i + 1]);
        QVERIFY2(!(a && b), "image 0 shown twice in a row");
    }
    // A labelled pair goes behind every unlabelled one, whatever its score.
    FeedbackTable(st).add(p[0], Verdict::Same);
    QCOMPARE(pairs.queueOrder(v, 0.5).back(), p[0]);
}

QTEST_GUILESS_MAIN(StoreTest)
#include "test_store.moc"

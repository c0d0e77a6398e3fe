// Benchmarks of the project store and import (not tests: nothing here asserts a time).
//   bench_store commit   verdict commit latency, FeedbackTable::add vs the same INSERT through the
//                        raw sqlite3 C API with the same pragmas (the floor QtSql can reach)
//   bench_store import   images/s importing a generated 10,000-image identity tree, vs hashing and
//                        header-probing the same files with no database (the floor import can reach)
//   bench_store scale    opens a 100,000-image / 100,000-pair project in a fresh process: open time,
//                        queue ready time, peak RSS
//   bench_store queue    the queue snapshot of a 100,000-pair project with 40,000 verdicts (5,000 of
//                        them undone) and every pair scored: PairQueue::reload() under the import
//                        order, the uncertainty order (SQL) and the mix order (all pairs in memory),
//                        and ProjectStore::stats(); the median of 5 reloads each
//   bench_store          all four
#include "common/TestImages.h"
#include "data/IdentityFolderImport.h"
#include "data/ImageProbe.h"
#include "data/PairQueue.h"
#include "data/QueueStrategy.h"
#include "store/Connection.h"
#include "store/FeedbackTable.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/ScoreTable.h"
#include "store/StoreError.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtConcurrent/QtConcurrentMap>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sqlite3.h>
#include <sys/resource.h>

using namespace facelab;

namespace {

double percentile(std::vector<double> v, double p)
{
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

long peakRssKb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

store::ProjectStore projectWithPairs(const QString &folder, int images, int pairs)
{
    const auto st = store::ProjectStore::open(folder, true);
    store::ImageTable t(st);
    store::PairTable p(st);
    store::Transaction tx(st.db());
    const qint64 root = t.ensureRoot("/bench/faces", "identities");
    QVector<qint64> ids;
    for (int i = 0; i < images; ++i) {
        const qint64 idt = t.ensureIdentity(QStringLiteral("Person_%1").arg(i / 10));
        ids << t.insert(root, {QStringLiteral("Person_%1/%2.jpg").arg(i / 10).arg(i), QString::number(i, 16).rightJustified(64, '0'),
                               4000, 250, 250, idt}).first;
    }
    // Distinct by construction: image k with the image 1 + k / images places after it.
    for (int k = 0; k < pairs; ++k)
        p.insert({ids[k % images], ids[(k % images + 1 + k / images) % images], k % 2 == 0, "generated", "train"});
    tx.commit();
    return st;
}

void benchCommit()
{
    QTemporaryDir dir;
    const auto st = projectWithPairs(dir.filePath("p"), 200, 200);
    const QVector<qint64> pairIds = store::PairTable(st).queueOrder();
    store::FeedbackTable fb(st);
    const int n = 2000;
    std::vector<double> ours, raw;
    QElapsedTimer t;
    for (int i = 0; i < n; ++i) {
        t.start();
        fb.add(pairIds[i % pairIds.size()], i % 2 ? store::Verdict::Same : store::Verdict::Different, 0, 0.5);
        ours.push_back(t.nsecsElapsed() / 1e6);
    }
    // Reference: the same statement through sqlite3 directly, prepared once, autocommit.
    sqlite3 *db = nullptr;
    sqlite3_open(qPrintable(dir.filePath("raw.sqlite")), &db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                     "CREATE TABLE feedback(id INTEGER PRIMARY KEY, pair_id INTEGER, verdict TEXT, created_at TEXT,"
                     " undone INTEGER DEFAULT 0, undone_at TEXT, model_version_id INTEGER, score REAL);"
                     "CREATE INDEX feedback_pair ON feedback(pair_id, undone, id);",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt *stmt = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO feedback(pair_id, verdict, created_at, model_version_id, score) VALUES(?,?,?,?,?)", -1,
                       &stmt, nullptr);
    for (int i = 0; i < n; ++i) {
        t.start();
        sqlite3_bind_int64(stmt, 1, pairIds[i % pairIds.size()]);
        sqlite3_bind_text(stmt, 2, i % 2 ? "same" : "different", -1, SQLITE_STATIC);
        const QByteArray now = store::nowIso().toUtf8();
        sqlite3_bind_text(stmt, 3, now.constData(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_null(stmt, 4);
        sqlite3_bind_double(stmt, 5, 0.5);
        sqlite3_step(stmt);
        sqlite3_reset(stmt);
        raw.push_back(t.nsecsElapsed() / 1e6);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    std::printf("verdict commit latency over %d verdicts (ms):\n", n);
    std::printf("  FaceLab FeedbackTable::add   p50 %.3f  p99 %.3f  max %.3f\n", percentile(ours, .5), percentile(ours, .99),
                percentile(ours, 1));
    std::printf("  raw sqlite3 reference        p50 %.3f  p99 %.3f  max %.3f\n", percentile(raw, .5), percentile(raw, .99),
                percentile(raw, 1));
    std::printf("  ratio FaceLab/raw            p50 %.2fx p99 %.2fx\n", percentile(ours, .5) / percentile(raw, .5),
                percentile(ours, .99) / percentile(raw, .99));
}

void benchImport()
{
    QTemporaryDir dir;
    const QString root = dir.filePath("tree");
    const int identities = 1000, per = 10;
    std::printf("writing %d JPEGs (250x250) ...\n", identities * per);
    std::fflush(stdout);
    QVector<int> idx(identities);
    std::iota(idx.begin(), idx.end(), 0);
    QtConcurrent::blockingMap(idx, [&](int k) {
        for (int i = 1; i <= per; ++i)
            test::writeImage(QStringLiteral("%1/Person_%2/Person_%2_%3.jpg").arg(root).arg(k).arg(i, 4, 10, QLatin1Char('0')),
                             k * 1000 + i, 250, 250);
    });
    QStringList files;
    QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    qint64 bytes = 0;
    for (const QString &f : files)
        bytes += QFileInfo(f).size();

    // Reference first (also warms the page cache for both runs equally).
    QElapsedTimer t;
    t.start();
    QtConcurrent::blockingMap(files, [](const QString &f) {
        QString why;
        data::probeImage(f, &why);
    });
    const double refS = t.nsecsElapsed() / 1e9;

    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    jobs::PlainJobContext ctx;
    t.start();
    const data::ImportReport r = data::importIdentityFolders(st, root, ctx);
    const double ourS = t.nsecsElapsed() / 1e9;
    t.start();
    data::importIdentityFolders(st, root, ctx);
    const double againS = t.nsecsElapsed() / 1e9;

    std::printf("import of %d images (%.1f MB), %d cores:\n", r.imagesAdded, bytes / 1e6, QThread::idealThreadCount());
    std::printf("  FaceLab import (hash + header + SQLite)  %.0f images/s (%.2f s)\n", files.size() / ourS, ourS);
    std::printf("  reference: hash + header, no database    %.0f images/s (%.2f s)\n", files.size() / refS, refS);
    std::printf("  ratio FaceLab/reference                  %.2fx\n", refS / ourS);
    std::printf("  re-import (adds nothing)                 %.2f s\n", againS);
}

int scaleOpen(const QString &folder)
{
    QElapsedTimer t;
    t.start();
    const auto st = store::ProjectStore::open(folder);
    const double openMs = t.nsecsElapsed() / 1e6;
    data::PairQueue queue(st);
    const auto first = queue.current();
    const double queueMs = t.nsecsElapsed() / 1e6;
    for (int i = 0; i < 500; ++i)
        queue.next();
    queue.current();
    std::printf("  open project %.1f ms; queue of %d pairs ready with first record %.1f ms; "
                "records in memory after 500 steps: %d; peak RSS %.1f MB\n",
                openMs, queue.size(), queueMs, queue.windowSize(), peakRssKb() / 1024.0);
    return first ? 0 : 1;
}

void benchScale(const QString &self)
{
    QTemporaryDir dir;
    std::printf("building a 100,000-image / 100,000-pair project ...\n");
    std::fflush(stdout);
    { projectWithPairs(dir.filePath("big"), 100000, 100000); }
    store::closeThreadConnection(QDir(dir.filePath("big")).filePath("project.sqlite"));
    std::printf("opening it in a fresh process:\n");
    std::fflush(stdout);
    QProcess::execute(self, {"scale-open", dir.filePath("big")});
    // Reference: the same process doing nothing but start (Qt + libraries loaded).
    QProcess::execute(self, {"baseline"});
}

double medianMs(const std::function<void()> &f, int runs = 5)
{
    std::vector<double> ms;
    QElapsedTimer t;
    for (int i = 0; i < runs; ++i) {
        t.start();
        f();
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    return percentile(ms, .5);
}

void benchQueue()
{
    QTemporaryDir dir;
    const int n = 100000, verdicts = 40000, undone = 5000;
    std::printf("building a %d-pair project with %d verdicts (%d undone) and scores ...\n", n, verdicts, undone);
    std::fflush(stdout);
    const auto st = projectWithPairs(dir.filePath("q"), n, n);
    const QVector<qint64> ids = store::PairTable(st).queueOrder();
    {
        store::Transaction tx(st.db());
        store::FeedbackTable fb(st);
        // Every 5th verdict goes to a pair that already has one, so pairs carry histories.
        for (int i = 0; i < verdicts; ++i)
            fb.add(ids[(i % 5 == 4 ? i / 2 : i) % n], store::Verdict(i % 3), 0, 0.5);
        tx.commit();
    }
    for (int i = 0; i < undone; ++i)
        store::FeedbackTable(st).undoLast();
    store::ModelTable mt(st);
    const qint64 version = mt.addVersion(mt.addModel("bench", "onnx", {}), "bench", 0, "bench.onnx", "{}", 0.4, 0);
    QVector<double> scores;
    for (int i = 0; i < n; ++i)
        scores << std::fmod(i * 0.618034, 1.0);
    store::ScoreTable(st).put(version, ids, scores);

    data::PairQueue plain(st);
    data::PairQueue model(st, data::PairQueue::kDefaultRadius, version, 0.4);
    st.setSetting(QString::fromLatin1(data::kQueueStrategySetting), "uncertainty");
    const double uncertaintyMs = medianMs([&] { model.reload(); });
    st.setSetting(QString::fromLatin1(data::kQueueStrategySetting), "mix");
    const double mixMs = medianMs([&] { model.reload(); });
    std::printf("queue snapshot of %d pairs (%lld labelled, %lld skipped), median of 5 (ms):\n", plain.size(),
                qint64(plain.labelled()), qint64(plain.skipped()));
    std::printf("  import order (no model)       %.1f\n", medianMs([&] { plain.reload(); }));
    std::printf("  uncertainty order (SQL)       %.1f\n", uncertaintyMs);
    std::printf("  mix order (pairs in memory)   %.1f\n", mixMs);
    std::printf("  ProjectStore::stats()         %.1f\n", medianMs([&] { st.stats(); }));

    // The same snapshot query with the current verdict found per pair by a correlated subquery
    // over feedback (schema 6 and before) and read from pairs.verdict (schema 7), in turn, on the
    // same database: the A/B of the column under the same load.
    auto drain = [&](const char *verdictExpr) {
        QSqlQuery q(st.db());
        q.setForwardOnly(true);
        q.prepare(QStringLiteral("SELECT p.id, p.image_a, p.image_b, CASE %1 WHEN 'same' THEN 2 WHEN 'different' THEN 2 "
                                 "WHEN 'skip' THEN 1 ELSE 0 END AS g, s.score IS NULL AS unscored, abs(s.score - 0.4) AS u "
                                 "FROM pairs p LEFT JOIN pair_scores s ON s.pair_id = p.id AND s.model_version_id = ? "
                                 "ORDER BY g, unscored, u, p.id")
                      .arg(QString::fromLatin1(verdictExpr)));
        q.addBindValue(version);
        q.exec();
        qint64 sum = 0;
        while (q.next())
            sum += q.value(3).toInt();
        return sum;
    };
    const char *subquery = "(SELECT f.verdict FROM feedback f WHERE f.pair_id = p.id AND f.undone = 0 ORDER BY f.id DESC LIMIT 1)";
    if (drain(subquery) != drain("p.verdict"))
        std::printf("  MISMATCH: the column and the subquery disagree\n");
    std::vector<double> sub, col;
    QElapsedTimer t;
    for (int i = 0; i < 5; ++i) {
        t.start();
        drain(subquery);
        sub.push_back(t.nsecsElapsed() / 1e6);
        t.start();
        drain("p.verdict");
        col.push_back(t.nsecsElapsed() / 1e6);
    }
    std::printf("  order query, verdict by correlated subquery  %.1f\n", percentile(sub, .5));
    std::printf("  order query, verdict from pairs.verdict      %.1f\n", percentile(col, .5));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString mode = argc > 1 ? QString::fromLatin1(argv[1]) : QStringLiteral("all");
    if (mode == "scale-open")
        return scaleOpen(QString::fromLocal8Bit(argv[2]));
    if (mode == "baseline") {
        std::printf("  reference: bench process that opens nothing, peak RSS %.1f MB\n", peakRssKb() / 1024.0);
        return 0;
    }
    if (mode == "all" || mode == "commit")
        benchCommit();
    if (mode == "all" || mode == "import")
        benchImport();
    if (mode == "all" || mode == "scale")
        benchScale(QCoreApplication::applicationFilePath());
    if (mode == "all" || mode == "queue")
        benchQueue();
    return 0;
}

// The job contract on real SQLite projects: JobQueue (typed results, status sequence, cancel before
// start, dependencies, exclusive groups, cancel on project close, coalesced snapshots), and the
// one way a run is recorded (RunRecorder, runRecorded). Overlap is checked with counters and
// semaphores, never with timings.
#include "jobs/JobQueue.h"
#include "jobs/RunRecorded.h"
#include "jobs/RunRecorder.h"
#include "store/RunTable.h"

#include <QJsonDocument>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <atomic>
#include <memory>

using namespace facelab;
using jobs::Job;
using jobs::JobContext;
using jobs::JobKind;
using jobs::JobQueue;
using jobs::JobSpec;
using jobs::JobStatus;

namespace {

struct Project
{
    QTemporaryDir dir;
    store::ProjectStore st = store::ProjectStore::open(dir.path(), true);
    QString folder() const { return st.folder(); }
    QVector<store::RunRecord> runs() const { return store::RunTable(st).recent(); }
};

JobSpec spec(const QString &title, const QString &folder = {}, const QString &group = {})
{
    return JobSpec{JobKind::GeneratePairs, title, QJsonObject{{"title", title}}, group, folder};
}

struct Imported
{
    int images = 0;
    QStringList names;
};

// Blocks a work function until the test lets it go (or the job is cancelled).
void waitFor(QSemaphore &gate, JobContext &ctx)
{
    while (!gate.tryAcquire(1, 5))
        ctx.checkCanceled();
}

} // namespace

class TestJobs : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<JobStatus>(); }

    void typedResultArrivesAndTheRunIsRecorded()
    {
        Project p;
        JobQueue q;
        QSignalSpy finished(&q, &JobQueue::finished);
        qint64 seenRunId = -1;
        Imported got;
        bool wrongTypeIsNull = false;
        Job *job = q.start(
            JobSpec{JobKind::ImportIdentities, "Importing", QJsonObject{{"dir", "/faces"}}, {}, p.folder()},
            [&seenRunId](JobContext &ctx) {
                seenRunId = ctx.runId();
                ctx.log("imported 2 images");
                return Imported{2, {"a.png", "b.png"}};
            },
            [&](Job &j) {
                QVERIFY(j.result<Imported>());
                got = *j.result<Imported>();
                wrongTypeIsNull = j.result<int>() == nullptr;
            });
        QCOMPARE(job->status(), JobStatus::Queued);
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(finished[0][2].value<JobStatus>(), JobStatus::Done);
        QCOMPARE(got.images, 2);
        QCOMPARE(got.names, QStringList({"a.png", "b.png"}));
        QVERIFY(wrongTypeIsNull);

        const auto runs = p.runs();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(seenRunId, runs[0].id);
        QCOMPARE(runs[0].kind, QStringLiteral("import-identities"));
        QCOMPARE(runs[0].status, QStringLiteral("done"));
        QCOMPARE(QJsonDocument::fromJson(runs[0].paramsJson.toUtf8()).object().value("dir").toString(),
                 QStringLiteral("/faces"));
        QCOMPARE(runs[0].log, QStringLiteral("imported 2 images\n"));
    }

    void statusGoesQueuedRunningDoneOrFailed()
    {
        Project p;
        JobQueue q;
        QSignalSpy finished(&q, &JobQueue::finished);
        QList<JobStatus> seen;
        QString error;
        qint64 runId = 0;
        Job *ok = q.start(spec("ok", p.folder()), [](JobContext &) { return 1; });
        connect(ok, &Job::statusChanged, this, [&](JobStatus s) { seen << s; });
        Job *bad = q.start(spec("bad", p.folder()), [](JobContext &) -> int { throw std::runtime_error("boom"); },
                           [&](Job &j) {
                               error = j.error();
                               runId = j.runId();
                           });
        QTRY_COMPARE(finished.count(), 2);
        QCOMPARE(seen, (QList<JobStatus>{JobStatus::Running, JobStatus::Done}));
        QCOMPARE(error, QStringLiteral("boom"));
        QVERIFY(runId > 0);
        const store::RunRecord run = store::RunTable(p.st).run(runId);
        QCOMPARE(run.status, QStringLiteral("failed"));
        QVERIFY2(run.log.contains("error: boom"), qPrintable(run.log));
        Q_UNUSED(bad);
        QCOMPARE(jobs::statusName(JobStatus::Waiting), QStringLiteral("waiting"));
        QCOMPARE(jobs::kindId(JobKind::FineTune), QStringLiteral("finetune"));
        QCOMPARE(jobs::kindFromId("linearize-unlearn"), std::optional<JobKind>(JobKind::LinearizerUnlearn));
    }

    void cancelBeforeStartLeavesNoRun()
    {
        Project p;
        JobQueue q;
        q.pool()->setMaxThreadCount(1);   // so a second job waits in the pool's queue
        QSignalSpy finished(&q, &JobQueue::finished);
        QSemaphore gate;
        std::atomic<int> ran{0};
        q.start(spec("blocker", p.folder()), [&](JobContext &ctx) { waitFor(gate, ctx); });
        // holder is handed to the pool but gets no thread; waiting waits for holder's group.
        Job *holder = q.start(spec("holder", p.folder(), "torch"), [&](JobContext &ctx) { waitFor(gate, ctx); });
        Job *waiting = q.start(spec("waiting", p.folder(), "torch"), [&](JobContext &) { ++ran; });
        QCOMPARE(holder->status(), JobStatus::Queued);   // handed to the pool; no thread free yet
        QCOMPARE(waiting->status(), JobStatus::Waiting);
        waiting->cancel();   // never handed to the pool: ends at once
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished[0][2].value<JobStatus>(), JobStatus::Cancelled);
        holder->cancel();    // in the pool's queue: the thread that takes it finds it cancelled
        gate.release();
        QTRY_COMPARE(finished.count(), 3);
        QCOMPARE(ran.load(), 0);
        const auto runs = p.runs();
        QCOMPARE(runs.size(), 1);   // only the blocker ran
        QCOMPARE(runs[0].status, QStringLiteral("done"));
        QVERIFY(!q.hasActive());
    }

    void dependentStartsAfterItsDependencyOrIsCancelled()
    {
        Project p;
        JobQueue q;
        QSignalSpy finished(&q, &JobQueue::finished);
        QSemaphore gate;
        std::atomic<bool> aEnded{false}, bSawA{false}, dRan{false};
        Job *a = q.start(spec("A", p.folder()), [&](JobContext &ctx) {
            waitFor(gate, ctx);
            aEnded = true;
        });
        Job *b = q.start(spec("B", p.folder()), [&](JobContext &) { bSawA = aEnded.load(); }, {}, {a});
        QList<JobStatus> bSeen;
        connect(b, &Job::statusChanged, this, [&](JobStatus s) { bSeen << s; });
        QCOMPARE(b->status(), JobStatus::Waiting);
        QTRY_COMPARE(a->status(), JobStatus::Running);
        QCOMPARE(b->status(), JobStatus::Waiting);
        gate.release();
        QTRY_COMPARE(finished.count(), 2);
        QCOMPARE(bSeen, (QList<JobStatus>{JobStatus::Queued, JobStatus::Running, JobStatus::Done}));
        QCOMPARE(finished[1][1].toString(), QStringLiteral("B"));
        QCOMPARE(finished[1][2].value<JobStatus>(), JobStatus::Done);
        QVERIFY(bSawA);

        // The dependency fails: the dependent (and what depends on it) never starts.
        QString error;
        Job *c = q.start(spec("C", p.folder()), [](JobContext &) -> int { throw std::runtime_error("no faces"); });
        Job *d = q.start(spec("D", p.folder()), [&](JobContext &) { dRan = true; }, [&](Job &j) { error = j.error(); }, {c});
        Job *e = q.start(spec("E", p.folder()), [&](JobContext &) { dRan = true; }, {}, {d});
        Q_UNUSED(e);
        QTRY_COMPARE(finished.count(), 5);
        QCOMPARE(finished[3][1].toString(), QStringLiteral("D"));
        QCOMPARE(finished[3][2].value<JobStatus>(), JobStatus::Cancelled);
        QCOMPARE(finished[4][2].value<JobStatus>(), JobStatus::Cancelled);
        QVERIFY2(error.contains("'C'") && error.contains("failed"), qPrintable(error));
        QVERIFY(!dRan);
        QStringList kinds;
        for (const auto &r : p.runs())
            kinds << r.status;
        QCOMPARE(kinds, QStringList({"failed", "done", "done"}));   // C, B, A: none for D or E
        Q_UNUSED(d);
    }

    void exclusiveGroupRunsOneAtATime()
    {
        JobQueue q;
        QSignalSpy finished(&q, &JobQueue::finished);
        std::atomic<int> running{0}, most{0};
        for (int i = 0; i < 5; ++i)
            q.start(spec(QStringLiteral("torch %1").arg(i), {}, jobs::kTorchGroup), [&](JobContext &) {
                const int now = ++running;
                int seen = most.load();
                while (now > seen && !most.compare_exchange_weak(seen, now)) {
                }
                QThread::msleep(10);   // room for an overlap, were there one
                --running;
            });
        QTRY_COMPARE(finished.count(), 5);
        QCOMPARE(most.load(), 1);

        // Without a group two jobs do run side by side: each waits for the other to have started.
        QSemaphore aIn, bIn;
        std::atomic<bool> met{true};
        q.start(spec("x"), [&](JobContext &) {
            aIn.release();
            met = met && bIn.tryAcquire(1, 10000);
        });
        q.start(spec("y"), [&](JobContext &) {
            bIn.release();
            met = met && aIn.tryAcquire(1, 10000);
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 7, 20000);
        QVERIFY(met);
    }

    void cancelProjectCancelsAndWaits()
    {
        Project p1, p2;
        JobQueue q;
        QSignalSpy finished(&q, &JobQueue::finished);
        QSemaphore otherGate;
        std::atomic<bool> exited{false};
        Job *running = q.start(spec("loop", p1.folder()), [&](JobContext &ctx) {
            struct Exit
            {
                std::atomic<bool> &flag;
                ~Exit() { flag = true; }
            } guard{exited};
            for (;;) {
                ctx.checkCanceled();
                QThread::msleep(1);
            }
        });
        Job *after = q.start(spec("after loop", p1.folder()), [](JobContext &) {}, {}, {running});
        Job *other = q.start(spec("other project", p2.folder()), [&](JobContext &ctx) { waitFor(otherGate, ctx); });
        QTRY_COMPARE(running->status(), JobStatus::Running);
        QTRY_COMPARE(other->status(), JobStatus::Running);
        Q_UNUSED(after);

        q.cancelProject(p1.folder());
        QVERIFY(exited);   // waited for
        QCOMPARE(finished.count(), 2);
        for (int i = 0; i < 2; ++i)
            QCOMPARE(finished[i][2].value<JobStatus>(), JobStatus::Cancelled);
        QCOMPARE(q.active(), QList<Job *>{other});
        const auto runs = p1.runs();
        QCOMPARE(runs.size(), 1);   // the waiting job never started
        QCOMPARE(runs[0].status, QStringLiteral("cancelled"));

        otherGate.release();
        QTRY_COMPARE(finished.count(), 3);
        QCOMPARE(finished[2][2].value<JobStatus>(), JobStatus::Done);
    }

    void snapshotsCoalesceLatestWins()
    {
        JobQueue q;
        QSignalSpy finished(&q, &JobQueue::finished);
        QSemaphore published;
        Job *job = q.start(spec("curves"), [&](JobContext &ctx) {
            for (int i = 1; i <= 1000; ++i)
                ctx.publish(i);
            published.release();
        });
        QList<int> delivered;
        connect(job, &Job::snapshot, this, [&] { delivered << job->latestSnapshot().toInt(); });
        // This thread takes no events until the work has published everything.
        QVERIFY(published.tryAcquire(1, 20000));
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(delivered, QList<int>{1000});
    }

    void runRecorderRecordsEveryOutcome()
    {
        Project p;
        const store::RunTable runs(p.st);
        qint64 done, failed, cancelled, dropped;
        {
            jobs::RunRecorder r(p.st, "eval", {{"version", "toy"}});
            done = r.id();
            QCOMPARE(runs.run(done).status, QStringLiteral("running"));
            r.metric(0, "auc", 0.9);
            r.log("note: 3 pairs left out");
            r.finish(store::RunStatus::Done);
            r.finish(store::RunStatus::Failed, "too late");   // the first outcome wins
        }
        {
            jobs::RunRecorder r(p.st, "eval", {});
            failed = r.id();
            r.finish(store::RunStatus::Failed, "no scores");
        }
        {
            jobs::RunRecorder r(p.st, "finetune", {});
            cancelled = r.id();
            r.finish(store::RunStatus::Cancelled);
        }
        {
            jobs::RunRecorder r(p.st, "embed", {});
            dropped = r.id();
        }
        QCOMPARE(runs.run(done).status, QStringLiteral("done"));
        QCOMPARE(runs.run(done).log, QStringLiteral("note: 3 pairs left out\n"));
        QCOMPARE(QJsonDocument::fromJson(runs.run(done).paramsJson.toUtf8()).object().value("version").toString(),
                 QStringLiteral("toy"));
        QVERIFY(!runs.run(done).endedAt.isEmpty());
        QCOMPARE(runs.run(failed).status, QStringLiteral("failed"));
        QCOMPARE(runs.run(failed).log, QStringLiteral("error: no scores\n"));
        QCOMPARE(runs.run(cancelled).status, QStringLiteral("cancelled"));
        QCOMPARE(runs.run(dropped).status, QStringLiteral("failed"));
        QVERIFY(runs.run(dropped).log.contains("without recording an outcome"));
    }

    void runRecordedRecordsLikeTheQueue()
    {
        Project p;
        const store::RunTable runs(p.st);
        jobs::PlainJobContext ctx;
        qint64 id = 0;
        const int r = jobs::runRecorded(p.st, JobKind::Embed, {{"model_version", 3}}, ctx, [&](JobContext &c) {
            id = c.runId();
            c.log("42 faces embedded");
            return 42;
        });
        QCOMPARE(r, 42);
        QVERIFY(id > 0);
        QCOMPARE(ctx.runId(), qint64(0));   // the context no longer points at that run
        QCOMPARE(runs.run(id).kind, QStringLiteral("embed"));
        QCOMPARE(runs.run(id).status, QStringLiteral("done"));
        QCOMPARE(runs.run(id).log, QStringLiteral("42 faces embedded\n"));

        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 jobs::runRecorded(p.st, JobKind::Eval, {}, ctx, [](JobContext &) -> int {
                                     throw std::runtime_error("version toy has no pair scores");
                                 }));
        QCOMPARE(runs.recent(1)[0].status, QStringLiteral("failed"));
        QVERIFY(runs.recent(1)[0].log.contains("error: version toy has no pair scores"));

        QVERIFY_THROWS_EXCEPTION(jobs::Cancelled, jobs::runRecorded(p.st, JobKind::Eval, {}, ctx, [](JobContext &c) {
                                     c.checkCanceled();
                                     throw jobs::Cancelled();
                                 }));
        QCOMPARE(runs.recent(1)[0].status, QStringLiteral("cancelled"));

        // Work that sees the cancel and returns what it has: cancelled, the result kept.
        const QString kept = jobs::runRecorded(p.st, JobKind::FineTune, {}, ctx, [&](JobContext &) {
            ctx.cancel();
            return QStringLiteral("best epoch so far");
        });
        QCOMPARE(kept, QStringLiteral("best epoch so far"));
        QCOMPARE(runs.recent(1)[0].status, QStringLiteral("cancelled"));
        QCOMPARE(runs.recent(1)[0].kind, QStringLiteral("finetune"));
    }

    void destroyingTheQueueCancelsAndWaits()
    {
        Project p;
        std::atomic<bool> exited{false};
        {
            JobQueue q;
            Job *job = q.start(spec("loop", p.folder()), [&](JobContext &ctx) {
                while (!ctx.isCanceled())
                    QThread::msleep(1);
                exited = true;
                ctx.checkCanceled();
            });
            QTRY_COMPARE(job->status(), JobStatus::Running);
        }
        QVERIFY(exited);
        QCOMPARE(p.runs().value(0).status, QStringLiteral("cancelled"));
    }
};

QTEST_GUILESS_MAIN(TestJobs)
#include "test_jobs.moc"

// core/finetune on a real project (and the verdict's statistics on numbers worked by hand): the default model (fr_feature.onnx, fetched by
// packaging/fetch-models.sh) fine-tuned on verdicts over synthetic pre-aligned faces. A new
// version with its parent, file, run and test comparison; cancel keeps the best epoch; a killed
// training leaves the project consistent; bad input gives a clear message and a failed run.
#include "DataPaths.h"
#include "common/TestImages.h"
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "embedding/ModelImport.h"
#include "finetune/ChildVerdict.h"
#include "finetune/FineTuneJob.h"
#include "jobs/RunRecorded.h"
#include "store/EmbeddingTable.h"
#include "store/FaceTable.h"
#include "store/FeedbackTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace facelab;

namespace {

// people x views 112x112 faces: a smooth random base per person plus per-view noise and shift.
void writePeople(const QString &root, int people, int views)
{
    cv::RNG rng(17);
    for (int p = 0; p < people; ++p) {
        cv::Mat small(14, 14, CV_8UC3), base;
        rng.fill(small, cv::RNG::UNIFORM, 0, 256);
        cv::resize(small, base, {112, 112}, 0, 0, cv::INTER_CUBIC);
        const QString dir = QStringLiteral("%1/Person_%2").arg(root).arg(p);
        QDir().mkpath(dir);
        for (int v = 0; v < views; ++v) {
            cv::Mat noise(112, 112, CV_8UC3), face;
            rng.fill(noise, cv::RNG::NORMAL, 0, 25);
            cv::add(base, noise, face);
            const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, v - 1.5, 0, 1, 1.5 - v);
            cv::warpAffine(face, face, shift, face.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
            cv::imwrite(QStringLiteral("%1/Person_%2_%3.png").arg(dir).arg(p).arg(v, 4, 10, QLatin1Char('0')).toStdString(), face);
        }
    }
}

struct Project
{
    QTemporaryDir dir;
    store::ProjectStore st = store::ProjectStore::open(dir.filePath("project"), true);
    qint64 parent = 0;
};

// A project with faces, generated pairs (train/validation/test), the default model, and
// verdicts equal to the generated truth on every pair (or only on pairs of one class).
std::unique_ptr<Project> makeProject(bool label = true, std::optional<bool> onlyClass = {})
{
    auto p = std::make_unique<Project>();
    writePeople(p->dir.filePath("faces"), 10, 4);
    jobs::PlainJobContext ctx;
    data::importIdentityFolders(p->st, p->dir.filePath("faces"), ctx);
    data::PairGenOptions g;
    g.pairs = 80;
    g.identities = 0;
    data::generatePairs(p->st, g);
    data::indexFaces(p->st, ctx);
    p->parent = embedding::ensureDefaultModel(p->st, ctx);
    if (label) {
        store::FeedbackTable fb(p->st);
        for (const store::PairRecord &pr : store::PairTable(p->st).all())
            if (pr.truth && (!onlyClass || *pr.truth == *onlyClass))
                fb.add(pr.id, *pr.truth ? store::Verdict::Same : store::Verdict::Different);
    }
    return p;
}

// A project whose people are divided between train, validation and test (identity-disjoint), with
// verdicts only on train and validation pairs, and the same faces as a second project (the
// reference domain).
struct DisjointProject
{
    std::unique_ptr<Project> main;
    QTemporaryDir refDir;
    QString reference;
};

std::unique_ptr<DisjointProject> makeDisjointProject()
{
    auto d = std::make_unique<DisjointProject>();
    d->main = std::make_unique<Project>();
    Project &p = *d->main;
    writePeople(p.dir.filePath("faces"), 12, 5);
    jobs::PlainJobContext ctx;
    data::importIdentityFolders(p.st, p.dir.filePath("faces"), ctx);
    data::PairGenOptions g;
    g.pairs = 240;
    g.identities = 0;
    g.split = data::SplitMethod::IdentityDisjoint;
    g.trainFraction = 0.5;
    g.validationFraction = 0.25;
    data::generatePairs(p.st, g);
    data::indexFaces(p.st, ctx);
    p.parent = embedding::ensureDefaultModel(p.st, ctx);
    store::FeedbackTable fb(p.st);
    for (const store::PairRecord &pr : store::PairTable(p.st).all())
        if (pr.truth && pr.split != QLatin1String("test"))
            fb.add(pr.id, *pr.truth ? store::Verdict::Same : store::Verdict::Different);
    d->reference = d->refDir.filePath("reference");
    const auto ref = store::ProjectStore::open(d->reference, true);
    data::importIdentityFolders(ref, p.dir.filePath("faces"), ctx);
    data::PairGenOptions rg;
    rg.pairs = 120;
    rg.identities = 0;
    data::generatePairs(ref, rg);
    data::indexFaces(ref, ctx);
    return d;
}

finetune::FineTuneRequest quickRequest(int epochs = 2)
{
    finetune::FineTuneRequest r;
    r.training.epochs = epochs;
    r.training.batchPairs = 16;
    return r;
}

// A fine-tuning recorded as the command line and the GUI record it.
finetune::FineTuneReport recordedFineTune(const store::ProjectStore &st, const finetune::FineTuneRequest &req,
                                          jobs::PlainJobContext &ctx, const finetune::FineTuneObserver &obs = {})
{
    return jobs::runRecorded(st, jobs::JobKind::FineTune, finetune::fineTuneRunParams(st, req), ctx,
                             [&](jobs::JobContext &c) { return finetune::fineTune(st, req, c, obs); });
}

QString lastRunStatus(const store::ProjectStore &st)
{
    return store::RunTable(st).recent(1).value(0).status;
}

} // namespace

class TestFineTune : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        const QString model = QString::fromStdString(facelab::modelsDir() + "/fr_feature.onnx");
        if (!QFileInfo::exists(model))
            QSKIP(qPrintable(model + " missing: run packaging/fetch-models.sh"));
    }

    void fineTuneMakesAChildVersionComparedOnTheTestSplit()
    {
        auto p = makeProject();
        jobs::PlainJobContext ctx;
        int epochsSeen = 0;
        finetune::FineTuneObserver obs;
        obs.epoch = [&](const train::EpochStats &) { ++epochsSeen; };
        const finetune::FineTuneReport r = recordedFineTune(p->st, quickRequest(), ctx, obs);
        QCOMPARE(epochsSeen, 3);   // epoch 0 (starting weights) + 2
        QVERIFY(r.versionId > 0);
        QCOMPARE(r.version, QStringLiteral("fr_feature-ft1"));
        const auto child = store::ModelTable(p->st).version(r.versionId);
        QVERIFY(child);
        QCOMPARE(child->parentId, p->parent);
        QCOMPARE(child->createdByRun, r.runId);
        QVERIFY(child->threshold.has_value());
        QVERIFY(QFileInfo::exists(embedding::versionFilePath(p->st, *child)));
        QCOMPARE(lastRunStatus(p->st), QStringLiteral("done"));
        // Test-split verdicts are held out; everything else is training or validation.
        int test = 0, other = 0;
        for (const store::PairRecord &pr : store::PairTable(p->st).all())
            if (pr.verdict)
                (pr.split == QLatin1String("test") ? test : other)++;
        QCOMPARE(int(r.snapshot.testVerdictsExcluded), test);
        // The pair-level validation split shares people with training, so whole people are held
        // out instead; verdicts between a held-out and a training person go to neither.
        QVERIFY(r.snapshot.validationIdentityDisjoint);
        QCOMPARE(r.snapshot.validationSource, QStringLiteral("people held out from training verdicts"));
        QCOMPARE(r.snapshot.train.size() + r.snapshot.validation.size() + int(r.snapshot.crossPairsLeftOut), other);
        QSet<qint64> trainPeople, valPeople;
        for (const auto &sp : r.snapshot.train)
            trainPeople << sp.identityA << sp.identityB;
        for (const auto &sp : r.snapshot.validation)
            valPeople << sp.identityA << sp.identityB;
        QVERIFY(!trainPeople.intersects(valPeople));
        QVERIFY(r.test.available);
        QCOMPARE(r.test.parent.pairs, qint64(test));
        QVERIFY(store::EmbeddingTable(p->st).count(r.versionId) > 0);
        const QJsonObject j = r.toJson();
        for (const char *key : {"model", "parent", "epochs_run", "best_epoch", "train_pairs", "val_accuracy_before",
                                "val_accuracy_after", "test", "seconds", "device", "verdict", "verdict_summary",
                                "verdict_reasons", "validation_identity_disjoint"})
            QVERIFY2(j.contains(key), key);
        QVERIFY(j["test"].toObject()["child"].toObject().contains("accuracy"));
        // The test split of a pair-level project shares people with training: never "better".
        QVERIFY(!r.test.unseenPeople);
        QVERIFY(r.verdict.verdict == QLatin1String("not better") || r.verdict.verdict == QLatin1String("worse"));
        // The child's stored threshold is the one calibrated for the target FAR on validation.
        QCOMPARE(*child->threshold, r.training.epochs[size_t(r.training.bestEpoch)].valFarThreshold);
        // A second run names the next child, from the child's lineage.
        auto req = quickRequest(1);
        req.model = r.version;
        const finetune::FineTuneReport r2 = recordedFineTune(p->st, req, ctx);
        QCOMPARE(r2.version, QStringLiteral("fr_feature-ft2"));
        QCOMPARE(store::ModelTable(p->st).version(r2.versionId)->parentId, r.versionId);
    }

    void verdictStatisticsMatchHandValues()
    {
        const finetune::Interval w = finetune::wilsonInterval(8, 10);
        QVERIFY(std::abs(w.low - 0.490162) < 1e-5 && std::abs(w.high - 0.943318) < 1e-5);
        const finetune::Interval h = finetune::hanleyMcNeilInterval(0.8, 50, 40);
        QVERIFY(std::abs(h.low - 0.709756) < 1e-5 && std::abs(h.high - 0.890244) < 1e-5);
        // Positives 0.9, 0.5; negatives 0.5, 0.1: 3 wins and 1 tie out of 4 -> 0.875.
        QCOMPARE(finetune::aucOf({0.9, 0.5, 0.5, 0.1}, {1, 1, 0, 0}), 0.875);

        // Paired comparison: the child ranks every pair right, the parent half of them.
        finetune::PairedScores ps;
        for (int i = 0; i < 40; ++i) {
            const bool same = i % 2;
            ps.same.push_back(same);
            ps.child.push_back(same ? 0.8 + 0.001 * i : 0.2 + 0.001 * i);
            ps.parent.push_back(i < 20 ? (same ? 0.8 : 0.2) : (same ? 0.2 : 0.8));
        }
        ps.parentThreshold = ps.childThreshold = 0.5;
        const finetune::PairedComparison c = finetune::comparePaired(ps, 500);
        QCOMPARE(c.child.accuracy, 1.0);
        QCOMPARE(c.parent.accuracy, 0.5);
        QCOMPARE(c.deltaAccuracy, 0.5);
        // Half the pairs gain 1, half 0: the resampled change spreads around 0.5, well above 0.
        QVERIFY(c.deltaAccuracyCi.low > 0.2 && c.deltaAccuracyCi.low < 0.5 && c.deltaAccuracyCi.high > 0.5);
        QVERIFY(c.deltaAucCi.low > 0);
        QCOMPARE(c.parent.fp, qint64(10));
    }

    void verdictFollowsTheIntervals_data()
    {
        QTest::addColumn<double>("aucLow");
        QTest::addColumn<double>("aucHigh");
        QTest::addColumn<double>("accDelta");
        QTest::addColumn<double>("accHigh");
        QTest::addColumn<bool>("unseen");
        QTest::addColumn<double>("forgotten");   // accuracy lost on the reference domain; < 0: not measured
        QTest::addColumn<QString>("verdict");
        QTest::newRow("gain on unseen people") << 0.01 << 0.08 << 0.04 << 0.09 << true << 0.001 << "better";
        QTest::newRow("gain, forgetting not measured") << 0.01 << 0.08 << 0.04 << 0.09 << true << -1.0 << "better";
        QTest::newRow("gain on people also trained on") << 0.01 << 0.08 << 0.04 << 0.09 << false << 0.0 << "not better";
        QTest::newRow("AUC within the noise") << -0.02 << 0.05 << 0.06 << 0.1 << true << 0.0 << "not better";
        QTest::newRow("AUC up, accuracy down") << 0.01 << 0.05 << -0.01 << 0.02 << true << 0.0 << "not better";
        QTest::newRow("AUC fell") << -0.08 << -0.01 << 0.0 << 0.05 << true << 0.0 << "worse";
        QTest::newRow("accuracy fell") << -0.03 << 0.02 << -0.07 << -0.02 << true << 0.0 << "worse";
        QTest::newRow("gain but forgets") << 0.01 << 0.08 << 0.04 << 0.09 << true << 0.02 << "worse";
    }

    void verdictFollowsTheIntervals()
    {
        QFETCH(double, aucLow);
        QFETCH(double, aucHigh);
        QFETCH(double, accDelta);
        QFETCH(double, accHigh);
        QFETCH(bool, unseen);
        QFETCH(double, forgotten);
        QFETCH(QString, verdict);
        finetune::PairedComparison c;
        c.pairs = 400;
        c.parent.auc = 0.7;
        c.child.auc = 0.7 + 0.5 * (aucLow + aucHigh);
        c.deltaAuc = c.child.auc - c.parent.auc;
        c.deltaAucCi = {aucLow, aucHigh};
        c.deltaAccuracy = accDelta;
        c.deltaAccuracyCi = {accDelta - 0.05, accHigh};
        std::optional<finetune::ForgettingFigures> f;
        if (forgotten >= 0) {
            f.emplace();
            f->pairs = 1000;
            f->parentAccuracy = f->parentAuc = 0.99;
            f->childAccuracy = 0.99 - forgotten;
            f->childAuc = 0.99;
        }
        const finetune::ChildVerdict v = finetune::judgeChild(c, unseen, f);
        QCOMPARE(v.verdict, verdict);
        QVERIFY(v.summary.startsWith(verdict == QLatin1String("better") ? "Better" : verdict == QLatin1String("worse") ? "Worse" : "Not better"));
        QVERIFY(v.reasons.join(' ').contains(forgotten >= 0 ? "parent's domain" : "not measured"));
        // Nothing to judge on: never better.
        QCOMPARE(finetune::judgeChild(std::nullopt, true, std::nullopt).verdict, QStringLiteral("not better"));
    }

    void worseChildIsReportedWorseAndNotMadeCurrent()
    {
        // A learning rate far too high wrecks the network: on the test people (never trained on)
        // and on the reference domain it must be reported as worse, and --use must not apply.
        auto d = makeDisjointProject();
        const store::ProjectStore &st = d->main->st;
        jobs::PlainJobContext ctx;
        auto req = quickRequest(1);
        req.training.learningRate = 0.02;
        req.training.warmupFraction = 0;
        req.truth = eval::TruthSource::Imported;   // every test pair, not only labelled ones
        req.referenceProject = d->reference;
        req.makeCurrent = true;
        const finetune::FineTuneReport r = recordedFineTune(st, req, ctx);
        QVERIFY(r.versionId > 0);
        QVERIFY(r.snapshot.validationIdentityDisjoint);
        QCOMPARE(r.snapshot.validationSource, QStringLiteral("validation split"));
        QVERIFY(r.test.available && r.test.paired);
        QVERIFY2(r.test.unseenPeople, qPrintable(QString("%1 of %2 test people trained on").arg(r.test.testPeopleTrainedOn).arg(r.test.testPeople)));
        QVERIFY(r.forgetting.has_value());
        QVERIFY2(r.verdict.verdict == QLatin1String("worse"), qPrintable(r.verdict.summary + " | " + r.verdict.reasons.join(" | ")));
        QVERIFY(r.forgetting->childAuc < r.forgetting->parentAuc);
        QVERIFY(store::ModelTable(st).current()->id != r.versionId);   // --use refused
        QVERIFY(r.notes.join(' ').contains("not made current"));
        const QJsonObject j = r.toJson();
        QCOMPARE(j["verdict"].toString(), QStringLiteral("worse"));
        QVERIFY(j["test"].toObject()["paired"].toObject().contains("delta_auc_ci95"));
        QVERIFY(j["reference"].toObject().contains("child_accuracy"));
    }

    void cancelAfterAnEpochKeepsTheBestVersion()
    {
        auto p = makeProject();
        jobs::PlainJobContext ctx;
        finetune::FineTuneObserver obs;
        obs.epoch = [&](const train::EpochStats &e) {
            if (e.epoch == 1)
                ctx.cancel();
        };
        const finetune::FineTuneReport r = recordedFineTune(p->st, quickRequest(4), ctx, obs);
        QVERIFY(r.training.cancelled);
        QCOMPARE(r.training.bestEpoch, 1);
        QVERIFY(r.versionId > 0);
        QCOMPARE(lastRunStatus(p->st), QStringLiteral("cancelled"));

        // Cancelled before the first epoch ends: no version, run cancelled.
        jobs::PlainJobContext early;
        early.cancel();
        const int versions = store::ModelTable(p->st).versions().size();
        QVERIFY_THROWS_EXCEPTION(jobs::Cancelled, recordedFineTune(p->st, quickRequest(), early));
        QCOMPARE(store::ModelTable(p->st).versions().size(), versions);
        QCOMPARE(lastRunStatus(p->st), QStringLiteral("cancelled"));
    }

    void killedTrainingLeavesTheProjectConsistent()
    {
        auto p = makeProject();
        const QString folder = p->st.folder();
        QProcess child;
        child.start(QStringLiteral(FINETUNE_RUNNER), {folder, QStringLiteral("200")});
        QVERIFY(child.waitForStarted());
        QByteArray seen;
        while (!seen.contains("epoch 1\n") && child.waitForReadyRead(120000))
            seen += child.readAllStandardOutput();
        QVERIFY2(seen.contains("epoch 1\n"), seen.constData());
        child.kill();   // SIGKILL in the middle of epoch 2
        child.waitForFinished();
        const auto st = store::ProjectStore::open(folder);   // marks the dead process's run
        QCOMPARE(lastRunStatus(st), QStringLiteral("interrupted"));
        QCOMPARE(store::ModelTable(st).versions().size(), 1);   // only the parent: nothing half-registered
        const QStringList files = QDir(folder + "/models").entryList(QDir::Files);
        for (const QString &f : files)
            QVERIFY2(!f.contains("-ft"), qPrintable(f));
    }

    void dataParallelRunMatchesOneProcess()
    {
        auto p = makeProject();
        jobs::PlainJobContext ctx;
        const finetune::FineTuneReport one = recordedFineTune(p->st, quickRequest(1), ctx);
        auto req = quickRequest(1);
        req.parallel.workers = 2;
        req.parallel.workerProgram = QStringLiteral(TRAINING_WORKER);
        req.parallel.timeoutSeconds = 60;
        const finetune::FineTuneReport two = recordedFineTune(p->st, req, ctx);
        QCOMPARE(two.training.world, 2);
        QCOMPARE(lastRunStatus(p->st), QStringLiteral("done"));
        QCOMPARE(two.training.epochs.size(), one.training.epochs.size());
        for (size_t e = 1; e < one.training.epochs.size(); ++e)
            QVERIFY(std::abs(two.training.epochs[e].trainLoss - one.training.epochs[e].trainLoss) < 1e-5);
        // The children of both runs embed every face alike (the same global batch and seed).
        QVector<qint64> images;
        for (const store::PairRecord &pr : store::PairTable(p->st).all())
            images << pr.a.id << pr.b.id;
        const auto e1 = store::EmbeddingTable(p->st).get(one.versionId, images);
        const auto e2 = store::EmbeddingTable(p->st).get(two.versionId, images);
        QVERIFY(!e1.isEmpty());
        QCOMPARE(e2.size(), e1.size());
        double diff = 0;
        for (auto it = e1.begin(); it != e1.end(); ++it)
            for (size_t k = 0; k < it.value().size(); ++k)
                diff = std::max(diff, double(std::abs(it.value()[k] - e2.value(it.key())[k])));
        qInfo("max |embedding, 1 process - 2 workers| = %.3g", diff);
        QVERIFY(diff < 1e-4);
    }

    void killedWorkerFailsTheDataParallelRun()
    {
        auto p = makeProject();
        jobs::PlainJobContext ctx;
        auto req = quickRequest(2);
        req.parallel.workers = 2;
        req.parallel.workerProgram = QStringLiteral(TRAINING_WORKER);
        req.parallel.timeoutSeconds = 20;
        const int versions = store::ModelTable(p->st).versions().size();
        qputenv("FACELAB_TEST_KILL_AT_STEP", "2");
        try {
            recordedFineTune(p->st, req, ctx);
            qunsetenv("FACELAB_TEST_KILL_AT_STEP");
            QFAIL("no error");
        } catch (const std::exception &e) {
            qunsetenv("FACELAB_TEST_KILL_AT_STEP");
            qInfo("%s", e.what());
            QVERIFY2(QString(e.what()).contains("worker rank 1 died"), e.what());
        }
        QCOMPARE(lastRunStatus(p->st), QStringLiteral("failed"));
        QCOMPARE(store::ModelTable(p->st).versions().size(), versions);   // nothing half-registered
    }

    void badInputGivesAClearMessageAndAFailedRun()
    {
        jobs::PlainJobContext ctx;
        auto expectError = [&](const store::ProjectStore &st, const char *needle) {
            try {
                recordedFineTune(st, quickRequest(), ctx);
                QFAIL("no error");
            } catch (const jobs::Cancelled &) {
                QFAIL("cancelled");
            } catch (const std::exception &e) {
                QVERIFY2(QString(e.what()).contains(needle), e.what());
            }
            QCOMPARE(lastRunStatus(st), QStringLiteral("failed"));
        };
        {
            auto p = makeProject(false);
            expectError(p->st, "no same/different verdicts");
        }
        {
            auto p = makeProject(true, true);
            expectError(p->st, "all \"same\"");
        }
        {
            auto p = makeProject();
            for (const QString &f : QDir(p->st.folder() + "/aligned").entryList(QDir::Files))
                QFile::remove(p->st.folder() + "/aligned/" + f);
            expectError(p->st, "aligned face crop is missing");
        }
    }
};

QTEST_GUILESS_MAIN(TestFineTune)
#include "test_finetune.moc"

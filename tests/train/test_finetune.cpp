// core/finetune on a real project: the default model (fr_feature.onnx, fetched by
// packaging/fetch-models.sh) fine-tuned on verdicts over synthetic pre-aligned faces. A new
// version with its parent, file, run and test comparison; cancel keeps the best epoch; a killed
// training leaves the project consistent; bad input gives a clear message and a failed run.
#include "DataPaths.h"
#include "common/TestImages.h"
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "embedding/ModelImport.h"
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
        QCOMPARE(r.snapshot.train.size() + r.snapshot.validation.size(), other);
        QVERIFY(r.test.available);
        QCOMPARE(r.test.parent.pairs, qint64(test));
        QVERIFY(store::EmbeddingTable(p->st).count(r.versionId) > 0);
        const QJsonObject j = r.toJson();
        for (const char *key : {"model", "parent", "epochs_run", "best_epoch", "train_pairs", "val_accuracy_before",
                                "val_accuracy_after", "test", "seconds", "device"})
            QVERIFY2(j.contains(key), key);
        QVERIFY(j["test"].toObject()["child"].toObject().contains("accuracy"));
        // A second run names the next child, from the child's lineage.
        auto req = quickRequest(1);
        req.model = r.version;
        const finetune::FineTuneReport r2 = recordedFineTune(p->st, req, ctx);
        QCOMPARE(r2.version, QStringLiteral("fr_feature-ft2"));
        QCOMPARE(store::ModelTable(p->st).version(r2.versionId)->parentId, r.versionId);
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

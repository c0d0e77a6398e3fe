// Evaluation runs and error folders on a project built through the store API: generated images,
// a model version row and scores put directly (no model). Runs under a plain QCoreApplication,
// as the CLI does: comparison images must not need a QGuiApplication.
#include "common/TestImages.h"
#include "eval/ComparisonImage.h"
#include "eval/ErrorExport.h"
#include "eval/ErrorFolder.h"
#include "eval/EvalError.h"
#include "eval/EvalRun.h"
#include "eval/ScoresCsv.h"
#include "jobs/RunRecorded.h"
#include "store/FaceTable.h"
#include "store/FeedbackTable.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"
#include "store/ScoreTable.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace facelab;

namespace {
struct PairSpec
{
    int imageA, imageB;   // indices into the 12 images (identity = index / 3)
    double score;
};

// 4 identities x 3 images; 16 pairs. At threshold 0.5: FPs 0.81, 0.70, 0.55 (different pairs
// scored high), FNs 0.327, 0.10 (same pairs scored low); the rest right.
const QVector<PairSpec> kPairs = {
    {0, 1, 0.90},  {0, 3, 0.20}, {1, 2, 0.327}, {3, 4, 0.75}, {4, 6, 0.70},  {5, 9, 0.15},
    {6, 7, 0.66},  {7, 10, 0.81}, {9, 10, 0.10}, {10, 11, 0.95}, {2, 8, 0.30}, {1, 11, 0.55},
    {6, 8, 0.88},  {3, 5, 0.61}, {0, 9, 0.05},  {2, 4, 0.25}};

struct Project
{
    QTemporaryDir dir;
    std::optional<store::ProjectStore> st;
    QVector<qint64> images, pairs;
    store::ModelVersionRecord version;

    Project()
    {
        const QString root = dir.filePath("faces");
        test::writeLfwTree(root, 4, 3);
        st = store::ProjectStore::open(dir.filePath("proj"), true);
        store::ImageTable it(*st);
        const qint64 rootId = it.ensureRoot(root, "identities");
        for (int k = 0; k < 4; ++k) {
            const QString name = QStringLiteral("Person_%1").arg(k);
            const qint64 identity = it.ensureIdentity(name);
            for (int i = 1; i <= 3; ++i) {
                store::NewImage img;
                img.relPath = QStringLiteral("%1/%1_%2.jpg").arg(name).arg(i, 4, 10, QLatin1Char('0'));
                img.sha256 = QStringLiteral("sha-%1-%2").arg(k).arg(i);
                img.width = img.height = 64;
                img.identityId = identity;
                images.push_back(it.insert(rootId, img).first);
            }
        }
        store::PairTable pt(*st);
        QVector<double> scores;
        for (const PairSpec &p : kPairs) {
            store::NewPair np;
            np.imageA = images[p.imageA];
            np.imageB = images[p.imageB];
            np.truth = p.imageA / 3 == p.imageB / 3;
            np.split = QStringLiteral("test");
            pairs.push_back(pt.insert(np).first);
            scores.push_back(p.score);
        }
        store::ModelTable models(*st);
        const qint64 model = models.addModel("toy", "onnx", "toy.onnx");
        version = *models.version(models.addVersion(model, "toy", 0, "models/toy.onnx", "{}", 0.5, 0));
        store::ScoreTable(*st).put(version.id, pairs, scores);
        // One cached aligned crop, so both sources of comparison faces are used.
        QVERIFY(test::writeImage(store::FaceTable::alignedPath(*st, images[7]), 777, 112, 112));
    }
};

QStringList subdirs(const QString &path)
{
    return QDir(path).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
}

// An evaluation recorded as the command line records it.
eval::EvalRunResult recordedEvaluation(const store::ProjectStore &st, const store::ModelVersionRecord &v,
                                       eval::TruthSource source, const eval::EvalOptions &options)
{
    jobs::PlainJobContext ctx;
    return jobs::runRecorded(st, jobs::JobKind::Eval, eval::evalRunParams(v, source, options), ctx,
                             [&](jobs::JobContext &c) { return eval::runEvaluation(st, v, source, options, c); });
}

QString errorMessage(const std::function<void()> &f)
{
    try {
        f();
    } catch (const eval::EvalError &e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}
} // namespace

class EvalExportTest : public QObject
{
    Q_OBJECT
private slots:
    void evaluationIsARunWithMetrics();
    void truthSourceVerdictsOrImported();
    void errorFoldersWorstFirstAndComplete();
    void exportReadsBackAsAnErrorFolder();
    void reExportReplacesAndForeignFolderIsRefused();
    void unwritableOutIsAClearError();
    void versionWithoutScoresIsAClearError();
    void scoresCsvHasOneLinePerPair();
};

void EvalExportTest::evaluationIsARunWithMetrics()
{
    Project p;
    const eval::EvalRunResult r = recordedEvaluation(*p.st, p.version, eval::TruthSource::Verdicts, eval::EvalOptions{});
    QCOMPARE(r.result.thresholdSource, QStringLiteral("version"));
    QCOMPARE(r.result.threshold, 0.5);
    QCOMPARE(r.result.atThreshold.fp, 3);
    QCOMPARE(r.result.atThreshold.fn, 2);
    QCOMPARE(r.result.pairs, 16);

    const store::RunRecord run = store::RunTable(*p.st).run(r.runId);
    QCOMPARE(run.kind, QStringLiteral("eval"));
    QCOMPARE(run.status, QStringLiteral("done"));
    const QJsonObject params = QJsonDocument::fromJson(run.paramsJson.toUtf8()).object();
    QCOMPARE(params.value("version").toString(), QStringLiteral("toy"));
    QCOMPARE(params.value("folds").toInt(), 10);
    QCOMPARE(params.value("truth").toString(), QStringLiteral("verdicts"));

    QSqlQuery q(p.st->db());
    q.prepare("SELECT name, value, model_version_id FROM metrics WHERE run_id = ?");
    q.addBindValue(r.runId);
    QVERIFY(q.exec());
    QHash<QString, double> stored;
    while (q.next()) {
        stored.insert(q.value(0).toString(), q.value(1).toDouble());
        QCOMPARE(q.value(2).toLongLong(), p.version.id);
    }
    for (const auto &[name, value] : r.result.metricValues())
        QCOMPARE(stored.value(name, -1), value);
    QCOMPARE(stored.value("fp"), 3.0);
    QCOMPARE(stored.value("auc"), r.result.auc);
    QVERIFY(stored.contains("kfold_accuracy_mean"));
}

void EvalExportTest::truthSourceVerdictsOrImported()
{
    Project p;
    store::FeedbackTable fb(*p.st);
    fb.add(p.pairs[1], store::Verdict::Same);        // 0.20, truly different: now a FN under verdicts
    fb.add(p.pairs[0], store::Verdict::Skip);        // skip: the imported truth still counts
    const eval::EvalPairs verdicts = eval::loadEvalPairs(*p.st, p.version, eval::TruthSource::Verdicts);
    const eval::EvalPairs imported = eval::loadEvalPairs(*p.st, p.version, eval::TruthSource::Imported);
    QCOMPARE(int(verdicts.size()), 16);
    QCOMPARE(verdicts.same[1], 1);
    QCOMPARE(verdicts.fromVerdict[1], 1);
    QCOMPARE(verdicts.fromVerdict[0], 0);
    QCOMPARE(imported.same[1], 0);
    const eval::EvalResult rv = eval::evaluatePairs(verdicts, {});
    const eval::EvalResult ri = eval::evaluatePairs(imported, {});
    QCOMPARE(rv.atThreshold.fn, 3);
    QCOMPARE(ri.atThreshold.fn, 2);
    const eval::ErrorList errors = eval::listErrors(verdicts, rv.threshold);
    // Lowest score first: 0.10, then the 0.20 pair the verdict made a FN, then 0.327.
    QCOMPARE(errors.falseNegatives.size(), 3);
    QCOMPARE(errors.falseNegatives[1].pairId, p.pairs[1]);
    QVERIFY(errors.falseNegatives[1].truthFromVerdict);
}

void EvalExportTest::errorFoldersWorstFirstAndComplete()
{
    Project p;
    const eval::EvalPairs pairs = eval::loadEvalPairs(*p.st, p.version, eval::TruthSource::Verdicts);
    const eval::EvalResult result = eval::evaluatePairs(pairs, {});
    const QString out = p.dir.filePath("errors");
    jobs::PlainJobContext ctx;
    const eval::ErrorExportReport rep = eval::exportErrors(*p.st, pairs, result, out, ctx);

    const QStringList fps = subdirs(out + "/false_positives"), fns = subdirs(out + "/false_negatives");
    QCOMPARE(fps.size() + fns.size(), int(result.atThreshold.fp + result.atThreshold.fn));
    QCOMPARE(fps, (QStringList{"pair_001_sim0.810", "pair_002_sim0.700", "pair_003_sim0.550"}));
    QCOMPARE(fns, (QStringList{"pair_001_sim0.100", "pair_002_sim0.327"}));
    QCOMPARE(subdirs(out), (QStringList{"false_negatives", "false_positives"}));   // no staging left inside
    QVERIFY(subdirs(p.dir.path()).filter(".partial").isEmpty());

    const QJsonObject summary = QJsonDocument::fromJson([&] {
                                    QFile f(out + "/summary.json");
                                    f.open(QIODevice::ReadOnly);
                                    return f.readAll();
                                }()).object();
    QCOMPARE(summary.value("model_version").toString(), QStringLiteral("toy"));
    QCOMPARE(summary.value("threshold").toDouble(), 0.5);
    QCOMPARE(summary.value("metrics").toObject().value("fp").toInt(), 3);
    QCOMPARE(summary.value("metrics").toObject().value("fn").toInt(), 2);
    const QJsonArray sfp = summary.value("false_positives").toArray(), sfn = summary.value("false_negatives").toArray();
    QCOMPARE(sfp.size(), 3);
    QCOMPARE(sfn.size(), 2);

    for (const QJsonArray &list : {sfp, sfn}) {
        for (const QJsonValue &v : list) {
            const QJsonObject e = v.toObject();
            const QString dir = out + "/" + e.value("folder").toString();
            QVERIFY2(QFileInfo(dir).isDir(), qPrintable(dir));
            const store::PairRecord rec = store::PairTable(*p.st).pair(e.value("pair_id").toInteger());
            const QString img1 = dir + "/img1_" + QFileInfo(rec.a.absPath).fileName();
            const QString img2 = dir + "/img2_" + QFileInfo(rec.b.absPath).fileName();
            QVERIFY2(QFileInfo::exists(img1) && QFileInfo::exists(img2), qPrintable(dir));
            QCOMPARE(QFileInfo(img1).size(), QFileInfo(rec.a.absPath).size());
            QImage cmp(dir + "/comparison.png");
            QVERIFY(!cmp.isNull());
            QVERIFY(cmp.width() >= 2 * eval::kComparisonPanel && cmp.height() > eval::kComparisonPanel);
            QFile info(dir + "/info.txt");
            QVERIFY(info.open(QIODevice::ReadOnly));
            const QString text = QString::fromUtf8(info.readAll());
            for (const QString &field : {QStringLiteral("pair id: %1").arg(rec.id), "image 1: " + rec.a.absPath,
                                         "image 2: " + rec.b.absPath, "identity 1: " + rec.a.identity,
                                         "identity 2: " + rec.b.identity, QStringLiteral("threshold: 0.5"),
                                         QStringLiteral("model version: toy"), QStringLiteral("split: test")})
                QVERIFY2(text.contains(field), qPrintable(field + " missing in " + dir));
            const bool fp = list == sfp;
            QVERIFY(text.contains(fp ? "truth: different" : "truth: same"));
            QVERIFY(text.contains(fp ? "prediction: same" : "prediction: different"));
            QVERIFY(text.contains("score: " + QString::number(e.value("score").toDouble(), 'g', 10)));
        }
    }
    // The pair 7-10 (score 0.81, the worst FP) shows image 7's aligned crop on its left.
    QFile worst(out + "/false_positives/pair_001_sim0.810/info.txt");
    QVERIFY(worst.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(worst.readAll()).contains("comparison faces: aligned, original"));
    // The comparison differs between a FP and a FN (caption and faces drawn, not a blank canvas).
    QVERIFY(QImage(out + "/false_positives/pair_001_sim0.810/comparison.png") !=
            QImage(out + "/false_negatives/pair_001_sim0.100/comparison.png"));
    QCOMPARE(rep.errors.falsePositives.size(), 3);
}

// What exportErrors writes, readErrorFolder reads: the same pairs in the same order, every file found.
void EvalExportTest::exportReadsBackAsAnErrorFolder()
{
    Project p;
    const eval::EvalPairs pairs = eval::loadEvalPairs(*p.st, p.version, eval::TruthSource::Verdicts);
    const eval::EvalResult result = eval::evaluatePairs(pairs, {});
    jobs::PlainJobContext ctx;
    const eval::ErrorExportReport rep = eval::exportErrors(*p.st, pairs, result, p.dir.filePath("errors"), ctx);
    const eval::ErrorFolder f = eval::readErrorFolder(p.dir.filePath("errors"));
    QVERIFY2(f.problems.isEmpty(), qPrintable(f.problems.join('\n')));
    QCOMPARE(f.modelVersion, QStringLiteral("toy"));
    QCOMPARE(f.threshold, 0.5);
    QCOMPARE(f.falsePositives.size(), int(result.atThreshold.fp));
    QCOMPARE(f.falseNegatives.size(), int(result.atThreshold.fn));
    for (int i = 0; i < f.falsePositives.size(); ++i) {
        QCOMPARE(f.falsePositives[i].pairId, rep.errors.falsePositives[i].pairId);
        QCOMPARE(f.falsePositives[i].folder, rep.outDir + "/" + rep.errors.falsePositives[i].folder);
    }
    for (const auto &list : {f.falsePositives, f.falseNegatives})
        for (const eval::ExportedPair &e : list) {
            const store::PairRecord rec = store::PairTable(*p.st).pair(e.pairId);
            QCOMPARE(e.sourcePath1, rec.a.absPath);
            QCOMPARE(e.image1, e.folder + "/img1_" + QFileInfo(rec.a.absPath).fileName());
            QVERIFY(!e.comparison.isEmpty());
            QVERIFY(eval::readInfo(e).contains(QStringLiteral("pair id: %1").arg(e.pairId)));
            QCOMPARE(e.split, QStringLiteral("test"));
            QCOMPARE(e.truthSame, !e.falsePositive);
        }
}

void EvalExportTest::reExportReplacesAndForeignFolderIsRefused()
{
    Project p;
    const eval::EvalPairs pairs = eval::loadEvalPairs(*p.st, p.version, eval::TruthSource::Verdicts);
    const QString out = p.dir.filePath("errors");
    jobs::PlainJobContext ctx;
    eval::exportErrors(*p.st, pairs, eval::evaluatePairs(pairs, {}), out, ctx);
    // Again at 0.6: FPs 0.81 and 0.70 only (0.55 is now a TN), FNs still 0.10 and 0.327. The old
    // third FP folder must not survive.
    eval::EvalOptions o;
    o.threshold = 0.6;
    const eval::EvalResult r2 = eval::evaluatePairs(pairs, o);
    eval::exportErrors(*p.st, pairs, r2, out, ctx);
    QCOMPARE(subdirs(out + "/false_positives").size(), int(r2.atThreshold.fp));
    QCOMPARE(subdirs(out + "/false_negatives").size(), int(r2.atThreshold.fn));
    QCOMPARE(r2.atThreshold.fp, 2);
    QVERIFY(subdirs(p.dir.path()).filter(".old-").isEmpty());

    const QString foreign = p.dir.filePath("photos");
    test::writeText(foreign + "/holiday.txt", "mine");
    const QString msg = errorMessage([&] { eval::exportErrors(*p.st, pairs, r2, foreign, ctx); });
    QVERIFY2(msg.contains("is not empty"), qPrintable(msg));
    QVERIFY(QFileInfo::exists(foreign + "/holiday.txt"));
}

void EvalExportTest::unwritableOutIsAClearError()
{
    Project p;
    const eval::EvalPairs pairs = eval::loadEvalPairs(*p.st, p.version, eval::TruthSource::Verdicts);
    const eval::EvalResult r = eval::evaluatePairs(pairs, {});
    jobs::PlainJobContext ctx;
    // A regular file where a folder must go: mkpath fails (also as root, unlike chmod).
    test::writeText(p.dir.filePath("afile"), "x");
    const QString out = p.dir.filePath("afile/errors");
    const QString msg = errorMessage([&] { eval::exportErrors(*p.st, pairs, r, out, ctx); });
    QVERIFY2(msg.contains("cannot create folder") && msg.contains("afile"), qPrintable(msg));
    const QString msg2 = errorMessage([&] { eval::exportErrors(*p.st, pairs, r, p.dir.filePath("afile"), ctx); });
    QVERIFY2(msg2.contains("is not a folder"), qPrintable(msg2));
}

void EvalExportTest::versionWithoutScoresIsAClearError()
{
    Project p;
    store::ModelTable models(*p.st);
    const auto v = *models.version(models.addVersion(p.version.modelId, "toy-ft1", p.version.id, "m.onnx", "{}", {}, 0));
    const QString msg = errorMessage([&] { recordedEvaluation(*p.st, v, eval::TruthSource::Verdicts, {}); });
    QVERIFY2(msg.contains("version toy-ft1 has no pair scores"), qPrintable(msg));
    // The failed evaluation is still a run, marked failed with the reason in its log.
    const store::RunRecord run = store::RunTable(*p.st).recent(1).first();
    QCOMPARE(run.kind, QStringLiteral("eval"));
    QCOMPARE(run.status, QStringLiteral("failed"));
    QVERIFY(run.log.contains("no pair scores"));
    const QString unknown = errorMessage([&] { eval::versionForEval(*p.st, "nope"); });
    QVERIFY2(unknown.contains("no model version named 'nope'") && unknown.contains("toy-ft1"), qPrintable(unknown));
}

void EvalExportTest::scoresCsvHasOneLinePerPair()
{
    Project p;
    const eval::EvalPairs pairs = eval::loadEvalPairs(*p.st, p.version, eval::TruthSource::Imported);
    const QString file = p.dir.filePath("scores.csv");
    eval::writeScoresCsv(*p.st, pairs, file);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 17);
    QCOMPARE(lines[0], QStringLiteral("path1,path2,truth,score"));
    const store::PairRecord first = store::PairTable(*p.st).pair(p.pairs[0]);
    QCOMPARE(lines[1], first.a.absPath + "," + first.b.absPath + ",1,0.90000000000000002");
    const QString msg = errorMessage([&] { eval::writeScoresCsv(*p.st, pairs, p.dir.filePath("no/such/dir/s.csv")); });
    QVERIFY2(msg.startsWith("cannot write"), qPrintable(msg));
}

QTEST_GUILESS_MAIN(EvalExportTest)
#include "test_eval_export.moc"

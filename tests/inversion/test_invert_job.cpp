// core/invert on a real project: real aligned faces of the development set (shared/data/faces112)
// and the default model (fr_feature.onnx, BatchNorm folded: the measured prior). Images are
// written and recorded with their scores, a judge adds its own, the same seed gives the same
// images, a cancel keeps the last step's images (and before the first step records nothing), and
// bad requests get messages naming the problem.
#include "DataPaths.h"
#include "common/DevFaces.h"
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "embedding/ModelImport.h"
#include "invert/IdentityCentres.h"
#include "invert/InvertJob.h"
#include "jobs/JobContext.h"
#include "jobs/RunRecorded.h"
#include "store/InversionTable.h"
#include "store/ModelTable.h"
#include "store/RunTable.h"

#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

using namespace facelab;

namespace {

const QString kFaces = test::devFacesDir();

// Cancels once the optimisation's progress passes `step` steps.
class CancelAtStep : public jobs::PlainJobContext
{
public:
    explicit CancelAtStep(qint64 step) : m_step(step) {}
    void setProgress(qint64 done, qint64 total, const QString &what) override
    {
        PlainJobContext::setProgress(done, total, what);
        if (what.startsWith(QLatin1String("Step ")) && done >= m_step)   // not the embedding before it
            cancel();
    }
    void publish(const QVariant &snapshot) override { last = snapshot.toMap(); ++published; }
    QVariantMap last;
    int published = 0;

private:
    qint64 m_step;
};

struct Project
{
    QTemporaryDir dir;
    store::ProjectStore st = store::ProjectStore::open(dir.filePath("project"), true);
    QString faces;
};

// people x perPerson real crops, imported by identity, faces indexed, the default model added.
std::unique_ptr<Project> makeProject(int people, int perPerson)
{
    auto p = std::make_unique<Project>();
    p->faces = p->dir.filePath("faces");
    test::copyDevFaces(p->faces, people, perPerson);
    jobs::PlainJobContext ctx;
    data::importIdentityFolders(p->st, p->faces, ctx);
    data::indexFaces(p->st, ctx);
    embedding::ensureDefaultModel(p->st, ctx);
    return p;
}

invert::InvertRequest smallRequest(const QString &identity, int steps = 6)
{
    invert::InvertRequest r;
    r.identity = identity;
    r.options.steps = steps;
    r.options.batch = 2;
    r.options.previewEvery = 2;
    r.measureFaces = 16;
    return r;
}

template <typename F>
auto recorded(const store::ProjectStore &st, jobs::PlainJobContext &ctx, const invert::InvertRequest &r, F &&work)
{
    return jobs::runRecorded(st, jobs::JobKind::Invert, r.toJson(), ctx, std::forward<F>(work));
}

QString firstIdentity(const QString &root)
{
    return QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name).value(0);
}

} // namespace

class TestInvertJob : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        const QString model = QString::fromStdString(facelab::modelsDir() + "/fr_feature.onnx");
        if (!QFileInfo::exists(model))
            QSKIP(qPrintable(model + " missing: run packaging/fetch-models.sh"));
        if (!QDir(kFaces).exists())
            QSKIP(qPrintable(kFaces + " missing: the development faces come with shared/"));
    }

    void invertsAnIdentityAndRecordsIt()
    {
        auto p = makeProject(4, 4);
        const QString who = firstIdentity(p->faces);
        CancelAtStep ctx(1 << 30);   // never cancels; collects snapshots
        const auto r = recorded(p->st, ctx, smallRequest(who), [&](jobs::JobContext &c) { return invert::invertModel(p->st, smallRequest(who), c); });
        QCOMPARE(r.model, QStringLiteral("fr_feature"));
        QCOMPARE(r.targetKind, QStringLiteral("identity"));
        QCOMPARE(r.identities, 4);
        QCOMPARE(r.prior, QStringLiteral("measured"));   // fr_feature's BatchNorm is folded into its convolutions
        QCOMPARE(r.priorFaces, 16);
        QCOMPARE(r.priorLayers.size(), 12);
        QVERIFY(!r.notes.isEmpty() && r.notes.front().contains("measured on 16"));
        QCOMPARE(r.stepsRun, 6);
        QVERIFY(!r.cancelled);
        QCOMPARE(r.images.size(), 2);
        for (const QString &f : r.images) {
            const QImage img(f);
            QCOMPARE(img.size(), QSize(112, 112));
        }
        for (int rank : r.identityRank)
            QVERIFY(rank >= 1 && rank <= 4);

        // The live channel: loss terms per step and the preview images as PNGs.
        QVERIFY(ctx.published >= 3);
        QCOMPARE(ctx.last.value("x").toList().size(), 6);
        QCOMPARE(ctx.last.value("preview").toList().size(), 2);
        QVERIFY(!QImage::fromData(ctx.last.value("preview").toList().front().toByteArray()).isNull());

        // Recorded: one row per image with the request and the model's own score.
        const auto rows = store::InversionTable(p->st).forRun(r.runId);
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].stepsRun, 6);
        QCOMPARE(rows[0].scores.size(), 1);
        QCOMPARE(rows[0].scores[0].identityRank, r.identityRank[0]);
        QVERIFY(std::abs(rows[0].scores[0].targetCosine - r.targetCosine[0]) < 1e-9);
        QVERIFY(QFileInfo::exists(QDir(p->st.folder()).filePath(rows[0].file)));
        QCOMPARE(invert::InvertRequest::fromJson(QJsonDocument::fromJson(rows[0].paramsJson.toUtf8()).object()).options.steps, 6);
        QCOMPARE(store::RunTable(p->st).run(r.runId).status, QStringLiteral("done"));
        const QJsonObject json = r.toJson();
        for (const char *key : {"images", "target_cosine_mean", "identity_rank_mean", "judge_rank_mean", "prior", "prior_layers", "seconds"})
            QVERIFY2(json.contains(key), key);
    }

    void sameSeedSameImages()
    {
        auto p = makeProject(3, 3);
        const QString who = firstIdentity(p->faces);
        jobs::PlainJobContext c1, c2;
        auto req = smallRequest(who, 4);
        req.options.seed = 9;
        const auto a = recorded(p->st, c1, req, [&](jobs::JobContext &c) { return invert::invertModel(p->st, req, c); });
        const auto b = recorded(p->st, c2, req, [&](jobs::JobContext &c) { return invert::invertModel(p->st, req, c); });
        QVERIFY(a.runId != b.runId);
        for (int i = 0; i < a.images.size(); ++i)
            QCOMPARE(QImage(a.images[i]), QImage(b.images[i]));
    }

    void aJudgeScoresWithItsOwnView()
    {
        auto p = makeProject(4, 3);
        const QString who = firstIdentity(p->faces);
        // A second version: the same file under another name (a different network would do the same;
        // here the judge must agree with the model up to the PNG's rounding).
        jobs::PlainJobContext ictx;
        embedding::importModel(p->st, QString::fromStdString(modelsDir() + "/fr_feature.onnx"), "judge", "frfeature", ictx);
        auto req = smallRequest(who, 4);
        req.judge = QStringLiteral("judge");
        jobs::PlainJobContext ctx;
        const auto r = recorded(p->st, ctx, req, [&](jobs::JobContext &c) { return invert::invertModel(p->st, req, c); });
        QCOMPARE(r.judge, QStringLiteral("judge"));
        QCOMPARE(r.judgeRank.size(), r.identityRank.size());
        for (int i = 0; i < r.judgeCosine.size(); ++i)
            QVERIFY2(std::abs(r.judgeCosine[i] - r.targetCosine[i]) < 0.05,
                     qPrintable(QString("judge %1 vs model %2").arg(r.judgeCosine[i]).arg(r.targetCosine[i])));
        const auto rows = store::InversionTable(p->st).forRun(r.runId);
        QCOMPARE(rows[0].scores.size(), 2);   // the model's and the judge's
        // Judging again later replaces, never duplicates.
        jobs::PlainJobContext again;
        invert::judgeInversions(p->st, rows, QStringLiteral("judge"), again);
        QCOMPARE(store::InversionTable(p->st).forRun(r.runId)[0].scores.size(), 2);
        // A judge must be another version.
        req.judge = QStringLiteral("fr_feature");
        jobs::PlainJobContext bad;
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, invert::invertModel(p->st, req, bad));
    }

    void cancelKeepsTheLastStep()
    {
        auto p = makeProject(3, 3);
        const QString who = firstIdentity(p->faces);
        auto req = smallRequest(who, 50);
        CancelAtStep ctx(3);
        const auto r = recorded(p->st, ctx, req, [&](jobs::JobContext &c) { return invert::invertModel(p->st, req, c); });
        QVERIFY(r.cancelled);
        QCOMPARE(r.stepsRun, 3);
        QCOMPARE(r.images.size(), 2);
        QCOMPARE(store::RunTable(p->st).run(r.runId).status, QStringLiteral("cancelled"));
        const auto rows = store::InversionTable(p->st).forRun(r.runId);
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[0].stepsRun, 3);
        // The last preview the view shows is of the images kept.
        QCOMPARE(ctx.last.value("preview_step").toInt(), 3);

        // Cancelled before the first step: nothing recorded.
        CancelAtStep early(0);
        early.cancel();
        QVERIFY_THROWS_EXCEPTION(jobs::Cancelled, recorded(p->st, early, req, [&](jobs::JobContext &c) { return invert::invertModel(p->st, req, c); }));
        QCOMPARE(store::InversionTable(p->st).list().size(), 2);
    }

    void anImageTarget()
    {
        auto p = makeProject(3, 3);
        const QString who = firstIdentity(p->faces);
        const QString file = QDir(p->faces + "/" + who).entryList(QDir::Files, QDir::Name).first();
        auto req = smallRequest({}, 3);
        req.image = p->faces + "/" + who + "/" + file;
        jobs::PlainJobContext ctx;
        const auto r = recorded(p->st, ctx, req, [&](jobs::JobContext &c) { return invert::invertModel(p->st, req, c); });
        QCOMPARE(r.targetKind, QStringLiteral("image"));
        QVERIFY(r.target.contains(file));
        QVERIFY(r.identityRank[0] >= 1);   // the image's identity is known: ranked
        const auto rows = store::InversionTable(p->st).forRun(r.runId);
        QVERIFY(rows[0].targetImageId > 0);
        QVERIFY(rows[0].identityId > 0);
    }

    void badRequestsSayWhatIsWrong()
    {
        auto p = makeProject(3, 2);
        jobs::PlainJobContext ctx;
        auto expectMessage = [&](const invert::InvertRequest &r, const QString &part) {
            try {
                invert::invertModel(p->st, r, ctx);
                QFAIL("no error");
            } catch (const std::exception &e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(part), e.what());
            }
        };
        expectMessage(smallRequest("Nobody Here"), "no identity 'Nobody Here'");
        // A folder name typed on a shell finds the identity.
        const QString who = firstIdentity(p->faces);
        if (who.contains(' ')) {
            auto underscored = smallRequest(QString(who).replace(' ', '_'), 1);
            QCOMPARE(invert::invertModel(p->st, underscored, ctx).stepsRun, 1);
        }
        invert::InvertRequest both = smallRequest(who);
        both.image = "x.jpg";
        expectMessage(both, "one of them");
        auto noFace = smallRequest({});
        const QString blank = p->dir.filePath("blank.png");
        QImage white(400, 300, QImage::Format_RGB32);
        white.fill(Qt::white);
        white.save(blank);
        noFace.image = blank;
        expectMessage(noFace, "no face found");
        auto corrupt = smallRequest({});
        const QString broken = p->dir.filePath("broken.jpg");
        QFile f(broken);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\xff\xd8\xff\xe0 not really a jpeg");
        f.close();
        corrupt.image = broken;
        expectMessage(corrupt, "broken.jpg");
        auto model = smallRequest(who);
        model.model = "missing-version";
        expectMessage(model, "missing-version");
        auto prior = smallRequest(who);
        prior.options.prior = inversion::PriorKind::BatchNorm;
        expectMessage(prior, "no BatchNorm");
        QCOMPARE(store::InversionTable(p->st).list().size(), 0);   // ctx has no run: nothing recorded
    }
};

QTEST_GUILESS_MAIN(TestInvertJob)
#include "test_invert_job.moc"

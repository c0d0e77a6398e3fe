// The headless subcommands end to end: init, import, pairs, label, stats, faces, model, embed,
// with their JSON, their exit codes and their error messages on stderr.
#include "common/DevFaces.h"
#include "common/TestImages.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

namespace {
struct Result
{
    int code = -1;
    QByteArray out, err;
    QJsonDocument json() const { return QJsonDocument::fromJson(out); }
};

// The binary under test: $FACELAB_BIN when set (a copy, e.g. while a shared build dir relinks), else the build's.
QString facelabBin()
{
    return qEnvironmentVariable("FACELAB_BIN", QStringLiteral(FACELAB_BIN));
}

Result runFacelab(const QStringList &args, int timeoutMs = 300000)
{
    QProcess p;
    p.start(facelabBin(), args);
    p.waitForFinished(timeoutMs);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

QString modelsDir()
{
    const QByteArray d = qgetenv("FACELAB_DATA_DIR");
    return (d.isEmpty() ? QDir::homePath() + "/.local/share/FaceLab" : QString::fromUtf8(d)) + "/models";
}
} // namespace

class CliTest : public QObject
{
    Q_OBJECT
private slots:
    void labellingWorkflowWithJson();
    void errorsGoToStderrWithNonZeroExit();
    void modelAndEmbedWithTheDefaultModel();
    void queueListsNextPairsWithJson();
    void iresnetCheckpointEndToEnd();
    void linearizeKilledResumedAndEdited();
    void invertKilledLeavesNoRowsThenRuns();
    void jsonEverywhereAndFailuresAsJson();
    void extraArgumentsAreRefused();
    void numericOptionsAreRangeChecked();
    void helpAndVersionWithoutDisplay();
    void evalSplitIsRecorded();
    void garbagePairsFileRefusedEarly();
    void labelFromFile();
    void smallBinaryWorksWithoutTheEngine();
};

void CliTest::labellingWorkflowWithJson()
{
    QTemporaryDir dir;
    const QString proj = dir.filePath("proj");
    facelab::test::writeLfwTree(dir.filePath("lfw"), 4, 3);
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    Result r = runFacelab({"import", proj, "--identities", dir.filePath("lfw"), "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json().object().value("images_added").toInt(), 12);

    r = runFacelab({"pairs", proj, "--generate", "10", "--identities", "4", "--seed", "3", "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json().object().value("same").toInt() + r.json().object().value("different").toInt(), 10);

    r = runFacelab({"pairs", proj, "--list", "--json"});
    QCOMPARE(r.code, 0);
    const QJsonArray pairs = r.json().array();
    QCOMPARE(pairs.size(), 10);
    for (const QJsonValue &v : pairs) {
        const QJsonObject o = v.toObject();
        QVERIFY(o.contains("id") && o.contains("truth"));
        QVERIFY(QFileInfo::exists(o.value("path1").toString()));
        QVERIFY(QFileInfo::exists(o.value("path2").toString()));
    }
    const QString first = QString::number(pairs[0].toObject().value("id").toInteger());
    const QString second = QString::number(pairs[1].toObject().value("id").toInteger());
    QCOMPARE(runFacelab({"label", proj, "--pair", first, "--same"}).code, 0);
    QCOMPARE(runFacelab({"label", proj, "--pair", second, "--different"}).code, 0);
    QCOMPARE(runFacelab({"label", proj, "--pair", second, "--skip"}).code, 0);
    QCOMPARE(runFacelab({"label", proj, "--undo"}).code, 0);   // back to 'different'

    r = runFacelab({"stats", proj, "--json"});
    QCOMPARE(r.code, 0);
    const QJsonObject s = r.json().object();
    for (const char *k : {"images", "identities", "pairs", "labelled", "same", "different", "skipped"})
        QVERIFY2(s.contains(k), k);
    QCOMPARE(s.value("images").toInt(), 12);
    QCOMPARE(s.value("identities").toInt(), 4);
    QCOMPARE(s.value("pairs").toInt(), 10);
    QCOMPARE(s.value("labelled").toInt(), 2);
    QCOMPARE(s.value("same").toInt(), 1);
    QCOMPARE(s.value("different").toInt(), 1);
    QCOMPARE(s.value("skipped").toInt(), 0);

    // LFW pairs.txt import through the CLI, with a malformed line reported on stderr.
    facelab::test::writeText(dir.filePath("lfw/pairs.txt"), "2\nPerson_0 1 2\nPerson_0 x y\n");
    r = runFacelab({"import", proj, "--pairs", dir.filePath("lfw/pairs.txt")});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.contains("pairs.txt:3"), r.err.constData());
}

void CliTest::errorsGoToStderrWithNonZeroExit()
{
    QTemporaryDir dir;
    Result r = runFacelab({"stats", dir.filePath("nope")});
    QVERIFY(r.code != 0);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains("not a FaceLab project"), r.err.constData());

    const QString proj = dir.filePath("p");
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    QDir().mkpath(dir.filePath("empty"));
    r = runFacelab({"import", proj, "--identities", dir.filePath("empty")});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains("no identity folders"), r.err.constData());

    r = runFacelab({"label", proj, "--pair", "999", "--same"});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains("no pair 999"), r.err.constData());

    r = runFacelab({"label", proj, "--pair", "1", "--same", "--different"});
    QCOMPARE(r.code, 2);
    // Conflicting options are an error naming both, never a silent choice of one.
    const QList<QPair<QStringList, QStringList>> conflicts = {
        {{"label", proj, "--pair", "5", "--same", "--undo"}, {"--undo", "--pair"}},
        {{"import", proj, "--identities", dir.filePath("empty"), "--pairs", dir.filePath("x.txt")}, {"--identities", "--pairs"}},
        {{"pairs", proj, "--generate", "10", "--list"}, {"--generate", "--list"}},
#if FACELAB_HAVE_ENGINE
        {{"model", proj, "--list", "--use", "x"}, {"--list", "--use"}},
#endif
    };
    for (const auto &[args, named] : conflicts) {
        r = runFacelab(args);
        QCOMPARE(r.code, 2);
        for (const QString &o : named)
            QVERIFY2(r.err.contains(o.toUtf8()) && r.err.contains("cannot be given together"), r.err.constData());
    }
    r = runFacelab({"pairs", proj, "--generate", "ten"});
    QCOMPARE(r.code, 2);
    r = runFacelab({"pairs", proj, "--generate", "10"});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains("at least two identities"), r.err.constData());
    // The failed generate is recorded as a failed run, and nothing else changed.
    QCOMPARE(runFacelab({"stats", proj, "--json"}).json().object().value("pairs").toInt(), 0);
}

void CliTest::modelAndEmbedWithTheDefaultModel()
{
#if !FACELAB_HAVE_ENGINE
    QSKIP("built without the model engine (FACELAB_WITH_TORCH=OFF)");
#else
    const QString model = modelsDir() + "/fr_feature.onnx";
    if (!QFileInfo::exists(model))
        QSKIP(qPrintable(model + " missing: run packaging/fetch-models.sh"));
    QTemporaryDir dir;
    const QString proj = dir.filePath("proj");
    // 112x112 crops pass through as aligned faces.
    for (int k = 0; k < 3; ++k)
        for (int i = 0; i < 2; ++i)
            facelab::test::writeImage(dir.filePath(QStringLiteral("faces/P%1/%2.png").arg(k).arg(i)), k * 10 + i, 112, 112, "PNG");
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    QCOMPARE(runFacelab({"import", proj, "--identities", dir.filePath("faces")}).code, 0);
    QCOMPARE(runFacelab({"pairs", proj, "--generate", "6", "--identities", "0"}).code, 0);

    Result r = runFacelab({"model", proj, "--add", model, "--name", "mfn", "--json"});
    QCOMPARE(r.code, 0);
    const QJsonObject rep = r.json().object();
    for (const char *k : {"parameters", "inputs", "outputs", "max_abs_diff_vs_opencv"})
        QVERIFY2(rep.contains(k), k);
    QVERIFY(rep.value("parameters").toInteger() > 1000000);
    QVERIFY(rep.value("max_abs_diff_vs_opencv").toDouble() < 1e-4);

    r = runFacelab({"embed", proj, "--model", "mfn", "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json().object().value("embedded").toInt(), 6);
    QCOMPARE(r.json().object().value("pairs_scored").toInt(), 6);
    r = runFacelab({"embed", proj, "--model", "mfn", "--mine", "10", "--json"});   // cached: nothing computed
    QCOMPARE(r.json().object().value("embedded").toInt(), 0);
    QCOMPARE(r.json().object().value("cached").toInt(), 6);
    // --mine: hard pairs mined after the embedding, as the window does (a mine-pairs run of its own).
    QVERIFY2(r.json().object().value("mined").isObject(), r.out.constData());

    r = runFacelab({"model", proj, "--list", "--json"});
    QCOMPARE(r.code, 0);
    const QJsonObject v = r.json().array().at(0).toObject();
    for (const char *k : {"name", "parent", "file", "created"})
        QVERIFY2(v.contains(k), k);
    QCOMPARE(v.value("name").toString(), QStringLiteral("mfn"));

    r = runFacelab({"model", proj, "--export", "mfn", "--out", dir.filePath("out.onnx")});
    QCOMPARE(r.code, 0);
    QVERIFY(QFileInfo(dir.filePath("out.onnx")).size() > 1000000);

    // A file that is not a model: a clear message naming it.
    facelab::test::writeText(dir.filePath("junk.onnx"), QByteArray(4096, '\x07'));
    r = runFacelab({"model", proj, "--add", dir.filePath("junk.onnx"), "--preprocessing", "arcface"});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains("junk.onnx"), r.err.constData());
    // An untouched version exports byte for byte as the original graph with its own weights, so
    // FaceLab recognises it by content again and knows its preprocessing.
    auto sha = [](const QString &f) {
        QFile file(f);
        file.open(QIODevice::ReadOnly);
        return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
    };
    QCOMPARE(sha(dir.filePath("out.onnx")), sha(model));
    r = runFacelab({"model", proj, "--add", dir.filePath("out.onnx"), "--name", "again", "--json"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.json().object().value("max_abs_diff_vs_opencv").toDouble() < 1e-4);
    QCOMPARE(r.json().object().value("preprocessing").toObject().value("channel_order").toString(), QStringLiteral("RGB"));
#endif
}

void CliTest::queueListsNextPairsWithJson()
{
    QTemporaryDir dir;
    const QString proj = dir.filePath("proj");
    facelab::test::writeLfwTree(dir.filePath("lfw"), 4, 3);
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    QCOMPARE(runFacelab({"import", proj, "--identities", dir.filePath("lfw")}).code, 0);
    QCOMPARE(runFacelab({"pairs", proj, "--generate", "10", "--identities", "4"}).code, 0);
    const QJsonArray listed = runFacelab({"pairs", proj, "--list", "--json"}).json().array();
    const QString first = QString::number(listed[0].toObject().value("id").toInteger());
    QCOMPARE(runFacelab({"label", proj, "--pair", first, "--same"}).code, 0);

    // No model yet: every pair unscored, in import order, the labelled one last; a note says why.
    Result r = runFacelab({"queue", proj, "--strategy", "hard-negatives", "--limit", "0", "--json"});
    QCOMPARE(r.code, 0);
    const QJsonObject o = r.json().object();
    QCOMPARE(o.value("strategy").toString(), QStringLiteral("hard-negatives"));
    QCOMPARE(o.value("total").toInt(), 10);
    QCOMPARE(o.value("unlabelled").toInt(), 9);
    QVERIFY(o.value("model").isNull());
    QVERIFY(!o.value("notes").toArray().isEmpty());
    const QJsonArray pairs = o.value("pairs").toArray();
    QCOMPARE(pairs.size(), 10);
    for (const QJsonValue &v : pairs) {
        const QJsonObject e = v.toObject();
        for (const char *k : {"id", "path1", "path2", "score", "reason", "truth", "verdict"})
            QVERIFY2(e.contains(k), k);
        QCOMPARE(e.value("reason").toString(), QStringLiteral("unscored"));
        QVERIFY(QFileInfo::exists(e.value("path1").toString()));
    }
    QCOMPARE(QString::number(pairs.last().toObject().value("id").toInteger()), first);
    QCOMPARE(pairs.last().toObject().value("verdict").toString(), QStringLiteral("same"));

    r = runFacelab({"queue", proj, "--limit", "3"});   // text; the default strategy is mix
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.startsWith("mix queue"), r.out.constData());
    QVERIFY(runFacelab({"help"}).out.contains("queue"));
    r = runFacelab({"queue", proj, "--strategy", "random"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("hard-negatives"), r.err.constData());
    r = runFacelab({"queue", proj, "--mine", "5"});   // mining needs a model's embeddings
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("model"), r.err.constData());
}


// A MagFace iResNet checkpoint written by PyTorch goes the whole way through the command line as an
// ONNX model does: inspected (nothing in it runs), imported with its counts and preprocessing,
// embedded, fine-tuned into a child of the same family, and exported as .onnx checked by OpenCV dnn.
void CliTest::iresnetCheckpointEndToEnd()
{
#if !FACELAB_HAVE_ENGINE
    QSKIP("built without the model engine (FACELAB_WITH_TORCH=OFF)");
#endif
    if (QProcess::execute("/usr/bin/python3", {"-c", "import torch, numpy"}) != 0)
        QSKIP("python3 with torch and numpy (Debian python3-torch) is needed to write the checkpoint");
    const QDir faces(QStringLiteral(FACELAB_SOURCE_DIR "/../shared/data/faces112"));
    if (!faces.exists())
        QSKIP(qPrintable(faces.path() + " missing: the development faces come with shared/"));
    QTemporaryDir dir;
    const QString ckpt = dir.filePath("magface_r18.pth");
    QCOMPARE(QProcess::execute("/usr/bin/python3", {QStringLiteral(FACELAB_SOURCE_DIR "/tests/nn/make_family_checkpoints.py"),
                                                    "magface18", ckpt}),
             0);

    Result r = runFacelab({"checkpoint", ckpt, "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    QJsonObject o = r.json().object();
    QCOMPARE(o.value("family").toString(), QStringLiteral("iresnet"));
    QCOMPARE(o.value("format").toString(), QStringLiteral("zip"));
    QVERIFY(o.value("tensors").toInt() > 100);
    QCOMPARE(o.value("tree").toArray().size(), o.value("tensors").toInt());
    // The classifier head is left out by name and shape, not counted as unexpected.
    const QJsonArray dropped = o.value("report").toObject().value("dropped").toArray();
    QCOMPARE(dropped.size(), 1);
    QVERIFY2(dropped[0].toString().startsWith(QLatin1String("fc.weight")), qPrintable(dropped[0].toString()));
    QCOMPARE(o.value("report").toObject().value("unexpected").toInt(), 0);

    // A pickle that would run a command is refused, naming the global, and runs nothing.
    const QString evil = dir.filePath("evil.pth"), marker = dir.filePath("pwned");
    QCOMPARE(QProcess::execute("/usr/bin/python3",
                               {"-c", QStringLiteral("import os, pickle\nclass E:\n    def __reduce__(self): return (os.system, "
                                                     "('touch %1',))\npickle.dump({'state_dict': E()}, open('%2', 'wb'), "
                                                     "protocol=2)").arg(marker, evil)}),
             0);
    r = runFacelab({"checkpoint", evil});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("system"), r.err.constData());
    QVERIFY(!QFileInfo::exists(marker));

    // A small project of real aligned faces: 4 people, 6 crops each.
    const QString lfw = dir.filePath("faces");
    const QStringList people = faces.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QVERIFY(people.size() >= 4);
    for (int k = 0; k < 4; ++k) {
        QDir(lfw).mkpath(people[k]);
        const QStringList files = QDir(faces.filePath(people[k])).entryList(QDir::Files, QDir::Name);
        for (int i = 0; i < 6 && i < files.size(); ++i)
            QVERIFY(QFile::copy(faces.filePath(people[k] + "/" + files[i]), lfw + "/" + people[k] + "/" + files[i]));
    }
    const QString proj = dir.filePath("proj");
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    QCOMPARE(runFacelab({"import", proj, "--identities", lfw}).code, 0);
    QCOMPARE(runFacelab({"pairs", proj, "--generate", "40", "--identities", "4", "--seed", "5"}).code, 0);

    // A version name is a name, never a path: nothing is written outside the project.
    for (const char *bad : {"../../escaped", "sub/dir", ".hidden"}) {
        r = runFacelab({"model", proj, "--add", ckpt, "--name", bad});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("not a version name"), r.err.constData());
    }
    QVERIFY(!QFileInfo::exists(dir.filePath("escaped.pth")) && !QFileInfo::exists(proj + "/models/sub"));
    r = runFacelab({"model", proj, "--add", ckpt, "--name", "magface", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    o = r.json().object();
    QCOMPARE(o.value("family").toString(), QStringLiteral("iresnet"));
    QVERIFY(o.value("tensors_loaded").toInt() > 100);
    QCOMPARE(o.value("tensors_loaded").toInt(), o.value("tensors_expected").toInt());
    QCOMPARE(o.value("missing").toArray().size(), 0);
    QCOMPARE(o.value("partial").toBool(), false);
    QCOMPARE(o.value("preprocessing").toObject().value("channel_order").toString(), QStringLiteral("BGR"));
    QVERIFY(o.contains("cross_check"));

    // A checkpoint missing a stage is refused with its counts against the depth it names, and
    // imports only when asked, marked partial.
    const QString half = dir.filePath("half.pth");
    QCOMPARE(QProcess::execute("/usr/bin/python3",
                               {"-c", QStringLiteral("import torch\nc = torch.load('%1')\nsd = c['state_dict']\nfor k in "
                                                     "[k for k in sd if '.layer4.' in k]: del sd[k]\ntorch.save(c, '%2')")
                                          .arg(ckpt, half)}),
             0);
    r = runFacelab({"model", proj, "--add", half, "--name", "half"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("iresnet18") && r.err.contains("of 187 tensors") && r.err.contains("--allow-partial"),
             r.err.constData());
    r = runFacelab({"model", proj, "--add", half, "--name", "half", "--allow-partial", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(r.json().object().value("partial").toBool(), true);
    QVERIFY(r.json().object().value("missing").toArray().size() > 0);
    r = runFacelab({"model", proj, "--list", "--json"});
    for (const QJsonValue &v : r.json().array())
        QCOMPARE(v.toObject().value("partial").toBool(), v.toObject().value("name").toString() == QLatin1String("half"));
    QCOMPARE(runFacelab({"model", proj, "--use", "magface"}).code, 0);
    QCOMPARE(runFacelab({"model", proj, "--threshold", "0.3", "--name", "magface"}).code, 0);
    for (const char *bad : {"NaN", "inf", "1.5"})   // refused; the stored threshold stays
        QCOMPARE(runFacelab({"model", proj, "--threshold", bad, "--name", "magface"}).code, 2);
    r = runFacelab({"model", proj, "--list", "--json"});
    for (const QJsonValue &v : r.json().array())
        if (v.toObject().value("name").toString() == QLatin1String("magface"))
            QCOMPARE(v.toObject().value("threshold").toDouble(), 0.3);

    QCOMPARE(runFacelab({"embed", proj}).code, 0);
    // Verdicts from the truth on every training and validation pair.
    r = runFacelab({"pairs", proj, "--list", "--json"});
    int labelled = 0;
    for (const QJsonValue &v : r.json().array()) {
        const QJsonObject p = v.toObject();
        if (p.value("split").toString() == QLatin1String("test"))
            continue;
        const bool same = p.value("truth").toString() == QLatin1String("same") || p.value("truth").toBool();
        QCOMPARE(runFacelab({"label", proj, "--pair", QString::number(p.value("id").toInteger()),
                             same ? "--same" : "--different"}).code,
                 0);
        ++labelled;
    }
    QVERIFY(labelled >= 10);
    r = runFacelab({"finetune", proj, "--model", "magface", "--epochs", "1", "--batch", "8", "--json"}, 900000);
    QVERIFY2(r.code == 0, r.err.constData());
    const QString child = r.json().object().value("model").toString();
    QCOMPARE(child, QStringLiteral("magface-ft1"));

    r = runFacelab({"model", proj, "--list", "--json"});
    bool found = false;
    for (const QJsonValue &v : r.json().array()) {
        const QJsonObject m = v.toObject();
        if (m.value("name").toString() != child)
            continue;
        found = true;
        QCOMPARE(m.value("family").toString(), QStringLiteral("iresnet"));
        QCOMPARE(m.value("parent").toString(), QStringLiteral("magface"));
        QVERIFY(m.value("file").toString().endsWith(".pth"));
        QCOMPARE(m.value("preprocessing").toObject().value("channel_order").toString(), QStringLiteral("BGR"));
    }
    QVERIFY(found);

    // A .pth in, a deployable .onnx out, read back by OpenCV dnn.
    r = runFacelab({"model", proj, "--export", child, "--out", dir.filePath("child.onnx"), "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject check = r.json().object().value("cross_check").toObject();
    QVERIFY2(check.value("runtime").toString().startsWith(QLatin1String("OpenCV dnn")), qPrintable(check.value("runtime").toString()));
    QVERIFY2(check.value("max_abs_diff").toDouble(1) < 1e-3, r.out.constData());
    // The exported child keeps its threshold and lineage (ONNX metadata_props): imported again
    // without --preprocessing, it comes back with its input convention, threshold and parent's name.
    QJsonValue childThreshold;
    for (const QJsonValue &v : runFacelab({"model", proj, "--list", "--json"}).json().array())
        if (v.toObject().value("name").toString() == child)
            childThreshold = v.toObject().value("threshold");
    r = runFacelab({"model", proj, "--add", dir.filePath("child.onnx"), "--name", "child-onnx", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    o = r.json().object();
    QCOMPARE(o.value("lineage").toObject().value("version").toString(), child);
    QCOMPARE(o.value("lineage").toObject().value("parent").toString(), QStringLiteral("magface"));
    QCOMPARE(o.value("preprocessing").toObject().value("channel_order").toString(), QStringLiteral("BGR"));
    QCOMPARE(o.value("threshold"), childThreshold);
    for (const QJsonValue &v : runFacelab({"model", proj, "--list", "--json"}).json().array())
        if (v.toObject().value("name").toString() == QLatin1String("child-onnx"))
            QCOMPARE(v.toObject().value("threshold"), childThreshold);
    r = runFacelab({"model", proj, "--add", dir.filePath("child.onnx"), "--name", "child-onnx2"});
    QVERIFY2(r.code == 0 && r.out.contains("a child of magface"), r.out.constData());
    r = runFacelab({"model", proj, "--export", child, "--out", dir.filePath("child.pth"), "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    r = runFacelab({"checkpoint", dir.filePath("child.pth"), "--json"});
    QCOMPARE(r.json().object().value("family").toString(), QStringLiteral("iresnet"));
}

// facelab linearize on real faces with the default model as teacher: killed mid-training it
// leaves no version, only its checkpoint; --resume continues from it; the JSON has the keys the
// issue names; the rank sweep and unlearning print theirs and save their versions.
void CliTest::linearizeKilledResumedAndEdited()
{
#if !FACELAB_HAVE_ENGINE
    QSKIP("built without the model engine (FACELAB_WITH_TORCH=OFF)");
#else
    const QString model = modelsDir() + "/fr_feature.onnx";
    if (!QFileInfo::exists(model))
        QSKIP(qPrintable(model + " missing: run packaging/fetch-models.sh"));
    if (!QDir(facelab::test::devFacesDir()).exists())
        QSKIP(qPrintable(facelab::test::devFacesDir() + " missing: the development faces come with shared/"));
    QTemporaryDir dir;
    const QString root = dir.filePath("faces");
    const QStringList people = facelab::test::copyDevFaces(root, 6, 5);
    const QString proj = dir.filePath("proj");
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    QCOMPARE(runFacelab({"import", proj, "--identities", root}).code, 0);
    QCOMPARE(runFacelab({"embed", proj}).code, 0);   // adds the default model

    const QStringList small{"--latent", "32", "--blocks", "1", "--hidden", "64", "--lr", "1e-3"};
    // Killed once its first checkpoint is written: no version, the checkpoint stays.
    const QString ckpt = proj + "/linearizer/fr_feature-training.ckpt";
    QProcess p;
    p.start(facelabBin(), QStringList{"linearize", proj, "--epochs", "500"} + small);
    QVERIFY(p.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(ckpt), 120000);
    p.kill();
    p.waitForFinished();
    Result r = runFacelab({"model", proj, "--list", "--json"});
    QCOMPARE(r.code, 0);
    QVERIFY2(!r.out.contains("linearizer"), r.out.constData());

    r = runFacelab(QStringList{"linearize", proj, "--resume", "--epochs", "3", "--json"} + small);
    QVERIFY2(r.code == 0, r.err.constData());
    QJsonObject o = r.json().object();
    for (const char *k : {"linearizer", "teacher", "epochs_run", "mse", "cosine_mean", "cosine_min", "auc_teacher",
                          "auc_linearized", "seconds"})
        QVERIFY2(o.contains(k), k);
    QVERIFY(o.value("resumed_from").toInt() >= 1);
    QCOMPARE(o.value("linearizer").toString(), QStringLiteral("fr_feature-lin1"));
    QCOMPARE(o.value("teacher").toString(), QStringLiteral("fr_feature"));
    QVERIFY(!QFileInfo::exists(ckpt));
    r = runFacelab({"linearize", proj, "--resume"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("nothing to resume"), r.err.constData());

    r = runFacelab({"linearize", proj, "--rank-sweep", "--ranks", "1,4", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    o = r.json().object();
    QCOMPARE(o.value("ranks").toArray().size(), 3);   // 1, 4 and full
    r = runFacelab({"linearize", proj, "--unlearn", people[0], "--from", "fr_feature-lin1", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    o = r.json().object();
    for (const char *k : {"version", "forgotten", "others", "different_similarity_mean"})
        QVERIFY2(o.contains(k), k);
    for (const char *k : {"same_similarity_before", "same_similarity_after", "auc_before", "auc_after"})
        QVERIFY2(o.value("forgotten").toObject().contains(k), k);
    for (const char *k : {"auc_before", "auc_after"})
        QVERIFY2(o.value("others").toObject().contains(k), k);
    r = runFacelab({"linearize", proj, "--unlearn", "Nobody", "--json"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("Nobody"), r.err.constData());
    r = runFacelab({"linearize", proj, "--unlearn", people[0], "--epochs", "3"});
    QCOMPARE(r.code, 2);   // a training option with an edit: a usage error naming it
    QVERIFY2(r.err.contains("--epochs"), r.err.constData());
#endif
}

// Counts rows of a project's table with a plain SQLite connection (what another tool would see).
int countRows(const QString &project, const QString &sql)
{
    int n = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("count"));
        db.setDatabaseName(project + "/project.sqlite");
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next())
                n = q.value(0).toInt();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("count"));
    return n;
}

void CliTest::invertKilledLeavesNoRowsThenRuns()
{
#if !FACELAB_HAVE_ENGINE
    QSKIP("built without the model engine (FACELAB_WITH_TORCH=OFF)");
#else
    const QString model = modelsDir() + "/fr_feature.onnx";
    if (!QFileInfo::exists(model))
        QSKIP(qPrintable(model + " missing: run packaging/fetch-models.sh"));
    if (!QDir(facelab::test::devFacesDir()).exists())
        QSKIP(qPrintable(facelab::test::devFacesDir() + " missing: the development faces come with shared/"));
    QTemporaryDir dir;
    const QString root = dir.filePath("faces");
    const QStringList people = facelab::test::copyDevFaces(root, 4, 3);
    const QString proj = dir.filePath("proj");
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    QCOMPARE(runFacelab({"import", proj, "--identities", root}).code, 0);
    QCOMPARE(runFacelab({"embed", proj}).code, 0);

    // Killed while optimising: the run is interrupted and no inversion row exists.
    QProcess p;
    p.start(facelabBin(), QStringList{"invert", proj, "--identity", people[0], "--steps", "300", "--batch", "1"});
    QVERIFY(p.waitForStarted());
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("Step "), 120000);
    p.kill();
    p.waitForFinished();
    QCOMPARE(countRows(proj, "SELECT count(*) FROM inversions"), 0);
    QCOMPARE(runFacelab({"stats", proj}).code, 0);   // opening marks the dead run interrupted
    QCOMPARE(countRows(proj, "SELECT count(*) FROM runs WHERE kind = 'invert' AND status = 'interrupted'"), 1);

    Result r = runFacelab({"invert", proj, "--identity", people[0], "--steps", "3", "--batch", "2", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject o = r.json().object();
    for (const char *k : {"images", "target_cosine_mean", "identity_rank_mean", "judge_rank_mean", "prior", "prior_layers", "seconds"})
        QVERIFY2(o.contains(k), k);
    QCOMPARE(o.value("images").toArray().size(), 2);
    QCOMPARE(o.value("prior").toString(), QStringLiteral("measured"));
    for (const auto &f : o.value("images").toArray())
        QVERIFY(QFileInfo::exists(f.toString()));
    QCOMPARE(countRows(proj, "SELECT count(*) FROM inversions"), 2);
    r = runFacelab({"invert", proj, "--identity", people[0], "--image", "x.jpg"});
    QCOMPARE(r.code, 2);   // two targets: a usage error
    r = runFacelab({"invert", proj, "--identity", "Nobody", "--steps", "1"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("no identity 'Nobody'"), r.err.constData());
#endif
}

// The one JSON object a failed command prints on stdout with --json.
void verifyJsonError(const Result &r, const char *command, int code)
{
    QCOMPARE(r.code, code);
    QJsonParseError pe;
    const QJsonDocument d = QJsonDocument::fromJson(r.out, &pe);
    QVERIFY2(pe.error == QJsonParseError::NoError && d.isObject(), r.out.constData());
    const QJsonObject o = d.object();
    QCOMPARE(o.keys(), (QStringList{"command", "error", "exit_code"}));
    QCOMPARE(o.value("command").toString(), QString::fromLatin1(command));
    QCOMPARE(o.value("exit_code").toInt(), code);
    QVERIFY(!o.value("error").toString().isEmpty());
    QVERIFY2(r.err.contains(o.value("error").toString().toUtf8()), r.err.constData());   // stderr keeps the message
}

void CliTest::jsonEverywhereAndFailuresAsJson()
{
    QTemporaryDir dir;
    const QString proj = dir.filePath("proj");
    Result r = runFacelab({"init", proj, "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json().object().value("created").toBool(), true);
    QVERIFY(r.json().object().value("project").toString().endsWith("proj"));
    r = runFacelab({"init", proj, "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json().object().value("created").toBool(), false);

    facelab::test::writeLfwTree(dir.filePath("lfw"), 3, 3);
    QCOMPARE(runFacelab({"import", proj, "--identities", dir.filePath("lfw")}).code, 0);
    QCOMPARE(runFacelab({"pairs", proj, "--generate", "6", "--identities", "3"}).code, 0);
    const QString id = QString::number(runFacelab({"pairs", proj, "--list", "--json"}).json().array()[0].toObject().value("id").toInteger());
    r = runFacelab({"label", proj, "--pair", id, "--same", "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(QString::number(r.json().object().value("pair").toInteger()), id);
    QCOMPARE(r.json().object().value("verdict").toString(), QStringLiteral("same"));
    QVERIFY(r.json().object().value("verdict_id").toInteger() > 0);
    r = runFacelab({"label", proj, "--undo", "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(QString::number(r.json().object().value("undone_pair").toInteger()), id);

    // Failures: runtime (1), usage (2) and parse errors (2) all print one JSON object on stdout.
    verifyJsonError(runFacelab({"stats", dir.filePath("nope"), "--json"}), "stats", 1);
    verifyJsonError(runFacelab({"label", proj, "--undo", "--json"}), "label", 1);   // nothing left to undo
    verifyJsonError(runFacelab({"label", proj, "--pair", id, "--same", "--different", "--json"}), "label", 2);
    verifyJsonError(runFacelab({"stats", proj, "--bogus", "--json"}), "stats", 2);
    verifyJsonError(runFacelab({"pairs", proj, "--generate", "-3", "--json"}), "pairs", 2);
#if FACELAB_HAVE_ENGINE
    verifyJsonError(runFacelab({"model", proj, "--use", "nothing", "--json"}), "model", 1);
#endif
}

void CliTest::extraArgumentsAreRefused()
{
    QTemporaryDir dir;
    const QString proj = dir.filePath("proj");
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    Result r = runFacelab({"stats", proj, "extra"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("unexpected argument 'extra'"), r.err.constData());
    QVERIFY(r.out.isEmpty());
    r = runFacelab({"label", proj, "5", "same", "--pair", "1"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("unexpected arguments '5', 'same'"), r.err.constData());
    r = runFacelab({"init", dir.filePath("a"), dir.filePath("b")});
    QCOMPARE(r.code, 2);
    QVERIFY(!QFileInfo::exists(dir.filePath("a")) && !QFileInfo::exists(dir.filePath("b")));   // refused before any work
    r = runFacelab({"demo", "somewhere"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("unexpected argument 'somewhere'"), r.err.constData());
    r = runFacelab({"stats", proj});   // the normal layout still works
    QCOMPARE(r.code, 0);
#if FACELAB_HAVE_ENGINE
    r = runFacelab({"checkpoint", dir.filePath("x.pth"), "more"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("unexpected argument 'more'"), r.err.constData());
#endif
}

void CliTest::numericOptionsAreRangeChecked()
{
    QTemporaryDir dir;
    const QString proj = dir.filePath("proj");
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    // Each: exit 2, a message naming the option and the value, never a wrapped-around number.
    const QList<QPair<QStringList, QString>> bad = {
        {{"pairs", proj, "--generate", "999999999999"}, "--generate"},
        {{"pairs", proj, "--generate", "0"}, "--generate"},
        {{"pairs", proj, "--generate", "2.5"}, "--generate"},
        {{"pairs", proj, "--generate", "10", "--identities", "-1"}, "--identities"},
        {{"pairs", proj, "--generate", "10", "--seed", "-1"}, "--seed"},
        {{"label", proj, "--pair", "0", "--same"}, "--pair"},
        {{"label", proj, "--pair", "99999999999999999999", "--same"}, "--pair"},
        {{"queue", proj, "--limit", "-1"}, "--limit"},
        {{"queue", proj, "--mine", "nan"}, "--mine"},
        {{"eval", proj, "--folds", "1"}, "--folds"},
        {{"eval", proj, "--folds", "4294967298"}, "--folds"},
        {{"eval", proj, "--threshold", "nan"}, "--threshold"},
        {{"eval", proj, "--threshold", "inf"}, "--threshold"},
#if FACELAB_HAVE_ENGINE
        {{"model", proj, "--threshold", "1e308"}, "--threshold"},
        {{"linearize", proj, "--epochs", "999999999999"}, "--epochs"},
        {{"linearize", proj, "--latent", "0"}, "--latent"},
        {{"linearize", proj, "--lr", "-inf"}, "--lr"},
        {{"linearize", proj, "--rank-sweep", "--max-images", "-5"}, "--max-images"},
        {{"invert", proj, "--identity", "x", "--steps", "4294967297"}, "--steps"},
        {{"invert", proj, "--identity", "x", "--batch", "257"}, "--batch"},
        {{"invert", proj, "--identity", "x", "--tv-weight", "NaN"}, "--tv-weight"},
#endif
    };
    for (const auto &[args, option] : bad) {
        const Result r = runFacelab(args);
        QVERIFY2(r.code == 2, qPrintable(args.join(' ') + ": " + r.err));
        QVERIFY2(r.err.contains(option.toUtf8() + " needs"), qPrintable(args.join(' ') + ": " + r.err));
        QVERIFY2(r.err.contains(args[args.indexOf(option) + 1].toUtf8()), qPrintable(args.join(' ') + ": " + r.err));
        QVERIFY2(!r.err.contains("-2147483648") && !r.err.contains("2147483647"), r.err.constData());
    }
    Result r = runFacelab({"pairs", proj, "--generate", "999999999999"});
    QVERIFY2(r.err.contains("from 1 to"), r.err.constData());   // the range is named
#if FACELAB_HAVE_ENGINE
    r = runFacelab({"finetune", proj, "--epochs", "999999999999"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--epochs") && !r.err.contains("-2147483648"), r.err.constData());
#endif
}

void CliTest::helpAndVersionWithoutDisplay()
{
    // As on a server: no X display, no Qt platform chosen. A QApplication would abort here.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *v : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
        env.remove(QString::fromLatin1(v));
    auto run = [&](const QStringList &args) {
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(facelabBin(), args);
        p.waitForFinished(60000);
        return Result{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
                      p.readAllStandardError()};
    };
    for (const char *h : {"--help", "-h"}) {
        const Result r = run({h});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("usage: facelab") && r.out.contains("eval"), r.out.constData());
    }
    Result r = run({"--version"});
    QVERIFY2(r.code == 0, r.err.constData());
    QVERIFY2(QRegularExpression(QStringLiteral("^facelab \\d+\\.\\d+\\.\\d+\n$")).match(QString::fromUtf8(r.out)).hasMatch(),
             r.out.constData());
    r = run({"stats", "--help"});   // a command's own help, also headless
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("--json"), r.out.constData());
}

// Runs a SQL query returning one text value on a project's database (what another tool would see).
QString queryText(const QString &project, const QString &sql)
{
    QString v;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("text"));
        db.setDatabaseName(project + "/project.sqlite");
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next())
                v = q.value(0).toString();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("text"));
    return v;
}

void CliTest::evalSplitIsRecorded()
{
#if !FACELAB_HAVE_ENGINE
    QSKIP("built without the model engine (FACELAB_WITH_TORCH=OFF)");
#else
    const QString model = modelsDir() + "/fr_feature.onnx";
    if (!QFileInfo::exists(model))
        QSKIP(qPrintable(model + " missing: run packaging/fetch-models.sh"));
    if (!QDir(facelab::test::devFacesDir()).exists())
        QSKIP(qPrintable(facelab::test::devFacesDir() + " missing: the development faces come with shared/"));
    QTemporaryDir dir;
    const QString root = dir.filePath("faces");
    facelab::test::copyDevFaces(root, 4, 5);
    const QString proj = dir.filePath("proj");
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    QCOMPARE(runFacelab({"import", proj, "--identities", root}).code, 0);
    QCOMPARE(runFacelab({"pairs", proj, "--generate", "60", "--identities", "4", "--seed", "2"}).code, 0);
    QCOMPARE(runFacelab({"embed", proj}).code, 0);   // adds the default model, fr_feature
    QHash<QString, int> perSplit, samePerSplit;
    for (const QJsonValue &v : runFacelab({"pairs", proj, "--list", "--json"}).json().array()) {
        ++perSplit[v.toObject().value("split").toString()];
        samePerSplit[v.toObject().value("split").toString()] += v.toObject().value("truth").toBool();
    }
    QVERIFY2(perSplit.value("test") > 0 && perSplit.value("train") > perSplit.value("test"), qPrintable(QStringList(perSplit.keys()).join(',')));

    // The default is every split, as before --split existed.
    Result r = runFacelab({"eval", proj, "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(r.json().object().value("split").toString(), QStringLiteral("all"));
    QCOMPARE(r.json().object().value("pairs").toInt(), 60);
    QCOMPARE(queryText(proj, "SELECT json_extract(params_json, '$.split') FROM runs WHERE kind = 'eval' ORDER BY id DESC"),
             QStringLiteral("all"));
    int evaluated = 0;
    for (const QString split : {"test", "train", "validation"}) {
        if (samePerSplit.value(split) < 2 || perSplit.value(split) - samePerSplit.value(split) < 2)
            continue;   // a split without both kinds of pair cannot be evaluated: not what this checks
        r = runFacelab({"eval", proj, "--split", split, "--folds", "2", "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QJsonObject o = r.json().object();
        QCOMPARE(o.value("split").toString(), split);
        QCOMPARE(o.value("pairs").toInt(), perSplit.value(split));
        QCOMPARE(o.value("pairs_other_split").toInt(), 60 - perSplit.value(split));
        QCOMPARE(queryText(proj, "SELECT json_extract(params_json, '$.split') FROM runs WHERE kind = 'eval' ORDER BY id DESC"),
                 split);
        ++evaluated;
    }
    QVERIFY(evaluated >= 2);
    r = runFacelab({"eval", proj, "--split", "train", "--folds", "2"});
    QVERIFY2(r.out.contains("split: train"), r.out.constData());
    r = runFacelab({"eval", proj, "--split", "holdout"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("'holdout'") && r.err.contains("validation"), r.err.constData());

    // model --use and --threshold answer in JSON too.
    r = runFacelab({"model", proj, "--use", "fr_feature", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(r.json().object().value("current").toString(), QStringLiteral("fr_feature"));
    r = runFacelab({"model", proj, "--threshold", "0.35", "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(r.json().object().value("threshold").toDouble(), 0.35);
    QCOMPARE(r.json().object().value("version").toString(), QStringLiteral("fr_feature"));
#endif
}

void CliTest::garbagePairsFileRefusedEarly()
{
    QTemporaryDir dir;
    const QString proj = dir.filePath("proj");
    facelab::test::writeLfwTree(dir.filePath("lfw"), 2, 3);
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    auto stats = [&] { return runFacelab({"stats", proj, "--json"}).json().object(); };

    // Text garbage: 4 MB of random printable lines. Refused after its first lines, nothing imported.
    QByteArray garbage;
    quint32 x = 12345;
    while (garbage.size() < 4 * 1024 * 1024) {
        x = x * 1664525u + 1013904223u;
        garbage += (x >> 24) % 61 == 0 ? '\n' : char(33 + (x >> 16) % 90);
    }
    facelab::test::writeText(dir.filePath("lfw/garbage.txt"), garbage);
    Result r = runFacelab({"import", proj, "--pairs", dir.filePath("lfw/garbage.txt"), "--json"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("garbage.txt is not a pairs file") && r.err.contains("first 50 lines"), r.err.constData());
    QVERIFY2(r.err.size() < 2000, "a refused file is one message, not a problem per line");
    QCOMPARE(QJsonDocument::fromJson(r.out).object().value("exit_code").toInt(), 1);

    // Binary: a NUL past the first 4 KB (the old limit) but inside the first 64 KB.
    QByteArray binary = QByteArray("Person_0 1 2\n").repeated(4000);
    binary[40000] = '\0';
    facelab::test::writeText(dir.filePath("lfw/blob.txt"), binary);
    r = runFacelab({"import", proj, "--pairs", dir.filePath("lfw/blob.txt")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("blob.txt is not a pairs file") && r.err.contains("NUL"), r.err.constData());
    QCOMPARE(stats().value("images").toInt(), 0);
    QCOMPARE(stats().value("pairs").toInt(), 0);

    // A real pair first, then 2000 bad lines: imported, the problems listed up to the cap.
    QByteArray mixed = "Person_0 1 2\n";
    for (int i = 0; i < 2000; ++i)
        mixed += "Person_1 one two\n";
    facelab::test::writeText(dir.filePath("lfw/mixed.txt"), mixed);
    r = runFacelab({"import", proj, "--pairs", dir.filePath("lfw/mixed.txt"), "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject rep = r.json().object();
    QCOMPARE(rep.value("pairs_added").toInt(), 1);
    const QJsonArray problems = rep.value("problems").toArray();
    QCOMPARE(problems.size(), 1001);
    QCOMPARE(problems[0].toObject().value("line").toInt(), 2);
    QCOMPARE(problems[999].toObject().value("line").toInt(), 1001);
    QVERIFY2(problems[1000].toObject().value("reason").toString().startsWith("and 1000 more problems"),
             qPrintable(problems[1000].toObject().value("reason").toString()));
    QCOMPARE(stats().value("pairs").toInt(), 1);
}

void CliTest::labelFromFile()
{
    QTemporaryDir dir;
    const QString proj = dir.filePath("proj");
    facelab::test::writeLfwTree(dir.filePath("lfw"), 4, 3);
    QCOMPARE(runFacelab({"init", proj}).code, 0);
    QCOMPARE(runFacelab({"import", proj, "--identities", dir.filePath("lfw")}).code, 0);
    QCOMPARE(runFacelab({"pairs", proj, "--generate", "10", "--identities", "4"}).code, 0);
    const QJsonArray pairs = runFacelab({"pairs", proj, "--list", "--json"}).json().array();
    auto id = [&](int i) { return QString::number(pairs[i].toObject().value("id").toInteger()); };
    auto path = [&](int i, const char *k) { return pairs[i].toObject().value(k).toString(); };
    auto stats = [&] { return runFacelab({"stats", proj, "--json"}).json().object(); };

    const QString file = dir.filePath("verdicts.csv");
    const QStringList lines = {
        "pair,verdict",                                                    // 1: header
        id(0) + ",same",                                                   // 2
        path(1, "path2") + "," + path(1, "path1") + ",different",          // 3: paths, reversed
        path(2, "path1") + "," + path(2, "path2") + ",skip",               // 4: paths, in order
        "",                                                                // 5
        "# a comment",                                                     // 6
        "abc,same",                                                        // 7: not an id
        "999999,same",                                                     // 8: no such pair
        id(3) + ",maybe",                                                  // 9: not a verdict
        "/no/such/a.jpg,/no/such/b.jpg,same",                              // 10: no such pair
        id(4) + "\tdifferent",                                             // 11: tab separated
        id(0) + ",different",                                              // 12: the same pair again: the last wins
    };
    facelab::test::writeText(file, lines.join('\n').toUtf8() + "\n");
    Result r = runFacelab({"label", proj, "--from", file, "--json"});
    QVERIFY2(r.code == 0, r.err.constData());
    QJsonObject o = r.json().object();
    QCOMPARE(o.value("recorded").toInt(), 5);
    QList<int> badLines;
    for (const QJsonValue &v : o.value("problems").toArray())
        badLines << v.toObject().value("line").toInt();
    QCOMPARE(badLines, (QList<int>{7, 8, 9, 10}));
    for (const char *at : {"verdicts.csv:7", "verdicts.csv:8: no pair 999999", "verdicts.csv:9", "verdicts.csv:10"})
        QVERIFY2(r.err.contains(at), r.err.constData());
    QJsonObject s = stats();
    QCOMPARE(s.value("same").toInt(), 0);
    QCOMPARE(s.value("different").toInt(), 3);   // pair 0 (its last line), pair 1, pair 4
    QCOMPARE(s.value("skipped").toInt(), 1);

    // A binary file, --from with --pair or a verdict flag: refused, nothing recorded.
    facelab::test::writeText(dir.filePath("blob.bin"), QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + QByteArray(4000, '\x01'));
    r = runFacelab({"label", proj, "--from", dir.filePath("blob.bin")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("blob.bin") && r.err.contains("binary"), r.err.constData());
    r = runFacelab({"label", proj, "--from", file, "--pair", id(5), "--same"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--pair and --from") || r.err.contains("--from and --pair"), r.err.constData());
    r = runFacelab({"label", proj, "--from", file, "--same"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("cannot be given together"), r.err.constData());
    QCOMPARE(stats(), s);

    // Text mode says how many in one transaction.
    facelab::test::writeText(dir.filePath("two.txt"), (id(6) + ",same\n" + id(7) + ",1\n").toUtf8());
    r = runFacelab({"label", proj, "--from", dir.filePath("two.txt")});
    QVERIFY2(r.code == 0, r.err.constData());
    QVERIFY2(r.out.contains("recorded 2 verdicts") && r.out.contains("one transaction"), r.out.constData());
    QCOMPARE(stats().value("same").toInt(), 2);
    QCOMPARE(stats().value("labelled").toInt(), s.value("labelled").toInt() + 2);
}

// facelab is the small binary: the model-free commands run in it alone (no LibTorch, no OpenCV
// among its libraries); the rest is handed to facelab-engine beside it, and without one the user
// is told which program is missing.
void CliTest::smallBinaryWorksWithoutTheEngine()
{
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath("alone")));
    const QString lone = dir.filePath("alone/facelab");
    QVERIFY(QFile::copy(facelabBin(), lone));
    QProcess ldd;
    ldd.start(QStringLiteral("ldd"), {lone});
    QVERIFY(ldd.waitForFinished(60000));
    const QByteArray libs = ldd.readAllStandardOutput();
    QVERIFY2(libs.contains("libQt6Core"), libs.constData());   // ldd really listed it
    for (const char *heavy : {"libtorch", "libc10", "opencv", "libonnx", "faiss", "Qt6Widgets"})
        QVERIFY2(!libs.contains(heavy), qPrintable(QStringLiteral("facelab links %1:\n").arg(heavy) + libs));

    auto run = [](const QString &bin, const QStringList &args) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("FACELAB_ENGINE"));
        p.setProcessEnvironment(env);
        p.start(bin, args);
        p.waitForFinished(120000);
        return Result{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
                      p.readAllStandardError()};
    };
    const QString proj = dir.filePath("proj");
    facelab::test::writeLfwTree(dir.filePath("lfw"), 3, 3);
    QCOMPARE(run(lone, {"init", proj}).code, 0);
    QCOMPARE(run(lone, {"import", proj, "--identities", dir.filePath("lfw")}).code, 0);
    QCOMPARE(run(lone, {"pairs", proj, "--generate", "6", "--identities", "3"}).code, 0);
    Result r = run(lone, {"pairs", proj, "--list", "--json"});
    QCOMPARE(r.code, 0);
    const QString pair = QString::number(r.json().array().first().toObject().value("id").toInteger());
    QCOMPARE(run(lone, {"label", proj, "--pair", pair, "--same"}).code, 0);
    r = run(lone, {"stats", proj, "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json().object().value("labelled").toInt(), 1);
    QCOMPARE(run(lone, {"queue", proj, "--limit", "3"}).code, 0);

    // A WebP photo under a .jpg name: Qt here has no WebP reader, OpenCV's decoders come on demand.
    QVERIFY(QDir().mkpath(dir.filePath("webp/Ann")));
    const QByteArray webp = QByteArray::fromHex("5249464630000000574542505650384c230000002f07400100cd6444ff0344da36687876e73f"
                                                "4757a0206d0316b63bb31f13c08b1d6e0000");
    facelab::test::writeText(dir.filePath("webp/Ann/photo.jpg"), webp);
    r = run(lone, {"import", proj, "--identities", dir.filePath("webp"), "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json().object().value("images_added").toInt(), 0);   // alone: refused, saying why
    QVERIFY2(r.err.contains("photo.jpg") && r.err.contains("decoders"), r.err.constData());
    r = run(facelabBin(), {"import", proj, "--identities", dir.filePath("webp"), "--json"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.json().object().value("images_added").toInt(), 1);   // beside the decoders: read

    // No display at all: a mistyped command is named as such instead of Qt aborting on the window.
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *v : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            env.remove(QLatin1String(v));
        p.setProcessEnvironment(env);
        p.start(lone, {"stast", proj});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardError().contains("'stast' is neither a command nor a project folder"));
    }

    // What needs a model goes to facelab-engine: alone, the user is told which program is missing.
    r = run(lone, {"model", proj, "--list"});
    QCOMPARE(r.code, 127);
    QVERIFY2(r.err.contains("facelab-engine"), r.err.constData());
    r = run(lone, {"faces", proj});
    QCOMPARE(r.code, 127);
#if FACELAB_HAVE_ENGINE
    r = run(facelabBin(), {"model", proj, "--list", "--json"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.json().isArray());
    r = run(facelabBin(), {"model", "--help"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("--add"));
#endif
}

QTEST_GUILESS_MAIN(CliTest)
#include "test_cli.moc"

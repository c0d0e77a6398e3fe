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

Result runFacelab(const QStringList &args, int timeoutMs = 300000)
{
    QProcess p;
    p.start(QStringLiteral(FACELAB_BIN), args);
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
    Result r = runFacelab({"stats", dir.filePath("nope"), "--json"});
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
    r = runFacelab({"embed", proj, "--model", "mfn", "--json"});   // cached: nothing computed
    QCOMPARE(r.json().object().value("embedded").toInt(), 0);
    QCOMPARE(r.json().object().value("cached").toInt(), 6);

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
    p.start(QStringLiteral(FACELAB_BIN), QStringList{"linearize", proj, "--epochs", "500"} + small);
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
    p.start(QStringLiteral(FACELAB_BIN), QStringList{"invert", proj, "--identity", people[0], "--steps", "300", "--batch", "1"});
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

QTEST_GUILESS_MAIN(CliTest)
#include "test_cli.moc"

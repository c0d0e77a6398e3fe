// InsightFace verification sets (lfw.bin & co) imported as projects: .bin files written by python3
// from real faces (protocols 2 and 4, and Python 2's own stream) import with their pairs in file
// order (the 10-fold order), their truth and their images as files of the project; a re-import
// writes and adds nothing; another set of the same name and malformed pickles are refused naming
// the file, with nothing stored or written; undecodable images leave their pair out, said so.
#include "common/DevFaces.h"
#include "data/VerificationBin.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace facelab;

namespace {

const char *kPython = "/usr/bin/python3";

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString sha256File(const QString &path)
{
    return QString::fromLatin1(QCryptographicHash::hash(readAll(path), QCryptographicHash::Sha256).toHex());
}

ino_t inode(const QString &path)
{
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_ino : 0;
}

QString importError(const store::ProjectStore &st, const QString &bin)
{
    jobs::PlainJobContext ctx;
    try {
        data::importVerificationBin(st, bin, ctx);
    } catch (const data::ImportError &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestVerificationBin : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_dir;
    QJsonObject m_manifest;
    int m_projects = 0;

    QString bin(const QString &name) const { return m_dir + "/" + name; }
    store::ProjectStore newProject() { return store::ProjectStore::open(m_tmp.filePath(QStringLiteral("p%1").arg(++m_projects)), true); }

    // Every pair of the set is in the project, in file order, with its truth and its two images.
    void checkImported(const store::ProjectStore &st, const QString &set)
    {
        const QJsonObject m = m_manifest[set].toObject();
        const QJsonArray issame = m["issame"].toArray();
        const QJsonArray sha = m["sha256"].toArray();
        const QVector<store::PairRecord> pairs = store::PairTable(st).all();
        QCOMPARE(pairs.size(), issame.size());
        for (int i = 0; i < pairs.size(); ++i) {
            const store::PairRecord &p = pairs[i];
            QCOMPARE(p.truth, std::optional<bool>(issame[i].toBool()));
            QCOMPARE(p.origin, QStringLiteral("imported"));
            QCOMPARE(p.split, QStringLiteral("test"));
            QCOMPARE(p.a.sha256, sha[2 * i].toString());
            QCOMPARE(p.b.sha256, sha[2 * i + 1].toString());
            QCOMPARE(sha256File(p.a.absPath), sha[2 * i].toString());
            QCOMPARE(sha256File(p.b.absPath), sha[2 * i + 1].toString());
            QCOMPARE(p.a.width, 112);
        }
        // Every image is a file of the project, named by its place in the .bin.
        const QDir folder(QDir(st.folder()).filePath("images/" + set));
        for (int i = 0; i < sha.size(); ++i)
            QCOMPARE(sha256File(folder.filePath(QStringLiteral("%1.jpg").arg(i))), sha[i].toString());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(QFileInfo(test::devFacesDir()).isDir(), "the development faces (shared/data/faces112) are missing");
        m_dir = m_tmp.filePath("bins");
        QProcess gen;
        gen.start(kPython, {QStringLiteral(FACELAB_SOURCE_DIR "/tests/data/make_insightface_packs.py"), "bin",
                            test::devFacesDir(), m_dir});
        QVERIFY(gen.waitForFinished(120000));
        QVERIFY2(gen.exitStatus() == QProcess::NormalExit && gen.exitCode() == 0, gen.readAllStandardError().constData());
        m_manifest = QJsonDocument::fromJson(readAll(bin("bin.json"))).object();
        QCOMPARE(m_manifest["lfw"].toObject()["issame"].toArray().size(), 20);
    }

    void importsEveryPickleFlavour_data()
    {
        QTest::addColumn<QString>("set");
        QTest::newRow("python3 protocol 2 (bytes via _codecs.encode)") << "lfw";
        QTest::newRow("python3 protocol 4 (BINBYTES, frames)") << "agedb_30";
        QTest::newRow("python2 protocol 2 (BINSTRING)") << "cfp_fp";
    }

    void importsEveryPickleFlavour()
    {
        QFETCH(QString, set);
        const store::ProjectStore st = newProject();
        jobs::PlainJobContext ctx;
        const data::ImportReport r = data::importVerificationBin(st, bin(set + ".bin"), ctx);
        const QJsonObject m = m_manifest[set].toObject();
        QSet<QString> distinct;
        for (const auto &s : m["sha256"].toArray())
            distinct.insert(s.toString());
        QVERIFY2(r.problems.isEmpty(), qPrintable(r.problems.value(0).toString()));
        QCOMPARE(r.pairsAdded, m["issame"].toArray().size());
        // Images repeated between pairs (as in LFW) are one image of the project.
        QCOMPARE(r.imagesAdded, distinct.size());
        QCOMPARE(store::ImageTable(st).all().size(), distinct.size());
        checkImported(st, set);
    }

    void reimportWritesAndAddsNothing()
    {
        const store::ProjectStore st = newProject();
        jobs::PlainJobContext ctx;
        data::importVerificationBin(st, bin("lfw.bin"), ctx);
        const QString first = data::verificationBinFolder(st, bin("lfw.bin")) + "/0.jpg";
        const ino_t before = inode(first);
        QVERIFY(before != 0);
        const data::ImportReport again = data::importVerificationBin(st, bin("lfw.bin"), ctx);
        QCOMPARE(again.imagesAdded, 0);
        QCOMPARE(again.pairsAdded, 0);
        QCOMPARE(again.pairsExisting, 20);
        QCOMPARE(inode(first), before);   // not rewritten (a rewrite renames a new file into place)
        checkImported(st, "lfw");
    }

    void anotherSetOfTheSameNameIsRefused()
    {
        const store::ProjectStore st = newProject();
        jobs::PlainJobContext ctx;
        data::importVerificationBin(st, bin("lfw.bin"), ctx);
        const QString e = importError(st, bin("other/lfw.bin"));
        QVERIFY2(e.contains("images/lfw/0.jpg already holds another image") && e.contains("other/lfw.bin"), qPrintable(e));
        // Nothing of the first import was touched.
        QCOMPARE(store::PairTable(st).all().size(), 20);
        checkImported(st, "lfw");
    }

    void malformedFilesAreRefusedNamed_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("why");
        QTest::newRow("truncated pickle") << "truncated.bin" << "truncated";
        QTest::newRow("code in the pickle") << "evil.bin" << "refused global 'posix.system'";
        QTest::newRow("numpy array") << "numpy.bin" << "refused global 'numpy.";
        QTest::newRow("a dict, not (images, issame)") << "dict.bin" << "something other than a pair of lists";
        QTest::newRow("odd image count") << "count.bin" << "3 images for 2 pairs";
        QTest::newRow("text file") << "text.bin" << "does not start like a pickle";
        QTest::newRow("missing file") << "missing.bin" << "no such file";
    }

    void malformedFilesAreRefusedNamed()
    {
        QFETCH(QString, file);
        QFETCH(QString, why);
        const store::ProjectStore st = newProject();
        const QString e = importError(st, bin(file));
        QVERIFY2(e.contains(bin(file)) && e.contains(why), qPrintable(e));
        // Nothing stored, nothing written.
        QCOMPARE(store::ImageTable(st).all().size(), 0);
        QCOMPARE(store::PairTable(st).all().size(), 0);
        QVERIFY(!QFileInfo::exists(data::verificationBinFolder(st, bin(file))));
    }

    void imageListedTwiceByReference()
    {
        // pickle writes an object met before as a reference to it: both places get its bytes.
        const data::VerificationBin b = data::readVerificationBin(bin("shared.bin"));
        QCOMPARE(b.images.size(), size_t(4));
        QVERIFY(!b.images[0].empty());
        QCOMPARE(b.images[3], b.images[0]);
        const store::ProjectStore st = newProject();
        jobs::PlainJobContext ctx;
        const data::ImportReport r = data::importVerificationBin(st, bin("shared.bin"), ctx);
        QCOMPARE(r.pairsAdded, 2);
        QCOMPARE(r.imagesAdded, 3);
        QVERIFY(r.problems.isEmpty());
    }

    void undecodableImageLeavesItsPairOut()
    {
        const store::ProjectStore st = newProject();
        jobs::PlainJobContext ctx;
        const data::ImportReport r = data::importVerificationBin(st, bin("badimage.bin"), ctx);
        QCOMPARE(r.pairsAdded, 3);
        QStringList problems;
        for (const auto &p : r.problems)
            problems << p.toString();
        QVERIFY2(problems.size() == 2 && problems[0].contains("pair 1 left out: image 2") &&
                     problems[1].contains("no longer match the published protocol"),
                 qPrintable(problems.join('\n')));
        // The pairs kept are pairs 0, 2 and 3 of the file, in that order.
        const QJsonArray sha = m_manifest["lfw"].toObject()["sha256"].toArray();
        const QVector<store::PairRecord> pairs = store::PairTable(st).all();
        QCOMPARE(pairs.size(), 3);
        QCOMPARE(pairs[1].a.sha256, sha[4].toString());
        QCOMPARE(pairs[2].b.sha256, sha[7].toString());
    }
};

QTEST_GUILESS_MAIN(TestVerificationBin)
#include "test_verification_bin.moc"

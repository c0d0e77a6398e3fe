// Import of identity folders, LFW pairs.txt and CSV pairs on real files: every format, every
// bad input the issue names, re-import adding nothing, and nothing stored before being touched.
#include "common/TestImages.h"
#include "data/IdentityFolderImport.h"
#include "data/PairsFileImport.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/StoreError.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace facelab;
using facelab::test::writeImage;
using facelab::test::writeLfwTree;
using facelab::test::writeText;

namespace {
QString problemsText(const data::ImportReport &r)
{
    QStringList l;
    for (const auto &p : r.problems)
        l << p.toString();
    return l.join(QLatin1Char('\n'));
}

bool hasProblem(const data::ImportReport &r, const QString &file, int line, const QString &reasonPart)
{
    for (const auto &p : r.problems)
        if (p.file.endsWith(file) && (line < 0 || p.line == line) && p.reason.contains(reasonPart))
            return true;
    return false;
}

template <typename F>
QString importErrorOf(F fn)
{
    try {
        fn();
    } catch (const data::ImportError &e) {
        return QString::fromUtf8(e.what());
    }
    return QString();
}
} // namespace

class ImportTest : public QObject
{
    Q_OBJECT
private slots:
    void identityFoldersImportAndReimportAddsNothing();
    void identityFoldersReportBadFilesAndKeepTheRest();
    void identityImportRejectsEmptyOrWrongInput();
    void lfwPairsWithFoldsHeader();
    void lfwPairsWithCountHeaderAndBadLines();
    void csvPairsWithAndWithoutHeader();
    void csvBadLinesAreReportedWithLineNumbers();
    void pairsImportRejectsWrongKindsOfFile();
    void failedImportTouchesNothingStored();
    void cancelStopsBetweenChunks();

private:
    jobs::PlainJobContext m_ctx;
};

void ImportTest::identityFoldersImportAndReimportAddsNothing()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("lfw"), 3, 4);
    writeImage(dir.filePath("lfw/Person_0/extra.png"), 777, 80, 60, "PNG");
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    const data::ImportReport r = data::importIdentityFolders(st, dir.filePath("lfw"), m_ctx);
    QCOMPARE(r.imagesAdded, 13);
    QCOMPARE(r.identitiesSeen, 3);
    QVERIFY2(r.problems.isEmpty(), qPrintable(problemsText(r)));
    const auto s = st.stats();
    QCOMPARE(s.images, 13);
    QCOMPARE(s.identities, 3);
    const data::ImportReport again = data::importIdentityFolders(st, dir.filePath("lfw"), m_ctx);
    QCOMPARE(again.imagesAdded, 0);
    QCOMPARE(again.imagesExisting, 13);
    QCOMPARE(st.stats().images, 13);
    // Facts come from the file: dimensions from the header, and a real sha256.
    bool sawPng = false;
    for (const auto &img : store::ImageTable(st).all()) {
        QCOMPARE(img.sha256.size(), 64);
        QVERIFY(QFileInfo::exists(img.absPath));
        if (img.relPath == "Person_0/extra.png") {
            sawPng = true;
            QCOMPARE(img.width, 80);
            QCOMPARE(img.height, 60);
            QCOMPARE(img.identity, QStringLiteral("Person_0"));
        }
    }
    QVERIFY(sawPng);
}

void ImportTest::identityFoldersReportBadFilesAndKeepTheRest()
{
    QTemporaryDir dir;
    const QString root = dir.filePath("faces");
    writeLfwTree(root, 2, 2);
    writeText(root + "/Person_0/broken.jpg", "this is not a jpeg at all");
    writeText(root + "/Person_1/notes.txt", "hello");
    QFile::copy(root + "/Person_0/Person_0_0001.jpg", root + "/Person_1/copy_of_p0.jpg");
    QDir().mkpath(root + "/Empty_Person");
    writeImage(root + "/loose.jpg", 5);
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    const data::ImportReport r = data::importIdentityFolders(st, root, m_ctx);
    QCOMPARE(r.imagesAdded, 4);
    QVERIFY2(hasProblem(r, "Person_0/broken.jpg", 0, "not a readable image"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "Person_1/notes.txt", 0, "not an image"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "Empty_Person/", 0, "no images"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "faces", 0, "directly in the root"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "copy_of_p0.jpg", 0, "same content as Person_0/Person_0_0001.jpg"), qPrintable(problemsText(r)));
}

void ImportTest::identityImportRejectsEmptyOrWrongInput()
{
    QTemporaryDir dir;
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    QDir().mkpath(dir.filePath("empty"));
    QString m = importErrorOf([&] { data::importIdentityFolders(st, dir.filePath("empty"), m_ctx); });
    QVERIFY2(m.contains("empty") && m.contains("no identity folders"), qPrintable(m));
    m = importErrorOf([&] { data::importIdentityFolders(st, dir.filePath("missing"), m_ctx); });
    QVERIFY2(m.contains("missing") && m.contains("no such folder"), qPrintable(m));
    writeText(dir.filePath("pairs.txt"), "1\nA 1 2\n");
    m = importErrorOf([&] { data::importIdentityFolders(st, dir.filePath("pairs.txt"), m_ctx); });
    QVERIFY2(m.contains("pairs.txt is a file"), qPrintable(m));
    QCOMPARE(st.stats().images, 0);
}

void ImportTest::lfwPairsWithFoldsHeader()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("lfw"), 3, 3);
    // "folds n": 1 fold of 2 same + 2 different pairs.
    writeText(dir.filePath("lfw/pairs.txt"),
              "1\t2\nPerson_0\t1\t2\nPerson_1\t1\t3\nPerson_0\t1\tPerson_2\t2\nPerson_1\t2\tPerson_2\t3\n");
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    const data::ImportReport r = data::importPairsFile(st, dir.filePath("lfw/pairs.txt"), {}, m_ctx);
    QVERIFY2(r.problems.isEmpty(), qPrintable(problemsText(r)));
    QCOMPARE(r.pairsAdded, 4);
    QCOMPARE(r.imagesAdded, 7);
    const auto pairs = store::PairTable(st).all();
    QCOMPARE(pairs.size(), 4);
    QCOMPARE(*pairs[0].truth, true);
    QCOMPARE(pairs[0].a.relPath, QStringLiteral("Person_0/Person_0_0001.jpg"));
    QCOMPARE(pairs[0].b.relPath, QStringLiteral("Person_0/Person_0_0002.jpg"));
    QCOMPARE(*pairs[2].truth, false);
    QCOMPARE(pairs[2].b.identity, QStringLiteral("Person_2"));
    QCOMPARE(pairs[2].origin, QStringLiteral("imported"));
    const data::ImportReport again = data::importPairsFile(st, dir.filePath("lfw/pairs.txt"), {}, m_ctx);
    QCOMPARE(again.pairsAdded, 0);
    QCOMPARE(again.pairsExisting, 4);
    QCOMPARE(again.imagesAdded, 0);
    QCOMPARE(st.stats().pairs, 4);
}

void ImportTest::lfwPairsWithCountHeaderAndBadLines()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("imgs"), 2, 2);
    writeText(dir.filePath("lists/pairs.txt"),
              "5\nPerson_0 1 2\nPerson_0 one 2\nPerson_1 1 9\nPerson_0 1 Person_1 2\njust garbage here now and more\n");
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    const data::ImportReport r = data::importPairsFile(st, dir.filePath("lists/pairs.txt"), dir.filePath("imgs"), m_ctx);
    QCOMPARE(r.pairsAdded, 2);
    QVERIFY2(hasProblem(r, "pairs.txt", 3, "expected 'name i j'"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "pairs.txt", 4, "Person_1/Person_1_0009.jpg: file not found"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "pairs.txt", 6, "expected"), qPrintable(problemsText(r)));
}

void ImportTest::csvPairsWithAndWithoutHeader()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("d"), 2, 2);
    writeImage(dir.filePath("d/with, comma.png"), 99, 32, 32, "PNG");
    writeText(dir.filePath("d/with_header.csv"),
              "path1,path2,same\nPerson_0/Person_0_0001.jpg,Person_0/Person_0_0002.jpg,yes\n"
              "Person_0/Person_0_0001.jpg,Person_1/Person_1_0001.jpg,0\n"
              "\"with, comma.png\",Person_1/Person_1_0002.jpg,false\n");
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    data::ImportReport r = data::importPairsFile(st, dir.filePath("d/with_header.csv"), {}, m_ctx);
    QVERIFY2(r.problems.isEmpty(), qPrintable(problemsText(r)));
    QCOMPARE(r.pairsAdded, 3);
    auto pairs = store::PairTable(st).all();
    QCOMPARE(*pairs[0].truth, true);
    QCOMPARE(*pairs[1].truth, false);
    QCOMPARE(pairs[1].b.identity, QStringLiteral("Person_1"));   // from the folder in the path
    QCOMPARE(pairs[2].a.relPath, QStringLiteral("with, comma.png"));
    QVERIFY(pairs[2].a.identity.isEmpty());

    writeText(dir.filePath("d/no_header.csv"),
              "Person_1/Person_1_0001.jpg,Person_1/Person_1_0002.jpg,1\r\n"
              "Person_0/Person_0_0002.jpg,Person_1/Person_1_0002.jpg,no\r\n"
              "Person_0/Person_0_0002.jpg,Person_1/Person_1_0001.jpg\r\n");
    r = data::importPairsFile(st, dir.filePath("d/no_header.csv"), {}, m_ctx);
    QVERIFY2(r.problems.isEmpty(), qPrintable(problemsText(r)));
    QCOMPARE(r.pairsAdded, 3);
    pairs = store::PairTable(st).all();
    QCOMPARE(pairs.size(), 6);
    QVERIFY(!pairs[5].truth.has_value());   // no same column: truth unknown
}

void ImportTest::csvBadLinesAreReportedWithLineNumbers()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("d"), 2, 2);
    writeText(dir.filePath("d/bad.csv"),
              "Person_0/Person_0_0001.jpg,Person_0/Person_0_0002.jpg,1\n"
              "Person_0/Person_0_0001.jpg,Person_1/Person_1_0001.jpg,maybe\n"
              "a.jpg,b.jpg,1,extra\n"
              "Person_0/Person_0_0001.jpg,Person_0/Person_0_0001.jpg,1\n"
              "Person_0/Person_0_0001.jpg,missing/x.jpg,0\n");
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    const data::ImportReport r = data::importPairsFile(st, dir.filePath("d/bad.csv"), {}, m_ctx);
    QCOMPARE(r.pairsAdded, 1);
    QVERIFY2(hasProblem(r, "bad.csv", 2, "'maybe' is not a same value"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "bad.csv", 3, "4 field(s)"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "bad.csv", 4, "same image"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "bad.csv", 5, "missing/x.jpg: file not found"), qPrintable(problemsText(r)));
}

void ImportTest::pairsImportRejectsWrongKindsOfFile()
{
    QTemporaryDir dir;
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    writeImage(dir.filePath("photo.png"), 1, 16, 16, "PNG");
    QString m = importErrorOf([&] { data::importPairsFile(st, dir.filePath("photo.png"), {}, m_ctx); });
    QVERIFY2(m.contains("photo.png") && m.contains("not a text pairs file"), qPrintable(m));
    writeText(dir.filePath("empty.txt"), "\n\n");
    m = importErrorOf([&] { data::importPairsFile(st, dir.filePath("empty.txt"), {}, m_ctx); });
    QVERIFY2(m.contains("empty.txt is empty"), qPrintable(m));
    writeText(dir.filePath("prose.txt"), "Dear diary, today I labelled faces.\nIt was fun.\n");
    m = importErrorOf([&] { data::importPairsFile(st, dir.filePath("prose.txt"), {}, m_ctx); });
    QVERIFY2(m.contains("prose.txt holds no valid pair line") && m.contains("expected"), qPrintable(m));
    m = importErrorOf([&] { data::importPairsFile(st, dir.filePath("nope.csv"), {}, m_ctx); });
    QVERIFY2(m.contains("no such file"), qPrintable(m));
    m = importErrorOf([&] { data::importPairsFile(st, dir.path(), {}, m_ctx); });
    QVERIFY2(m.contains("is a folder"), qPrintable(m));
}

void ImportTest::failedImportTouchesNothingStored()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("lfw"), 2, 2);
    writeText(dir.filePath("lfw/pairs.txt"), "Person_0 1 2\n");
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    data::importPairsFile(st, dir.filePath("lfw/pairs.txt"), {}, m_ctx);
    const auto before = st.stats();
    writeText(dir.filePath("garbage.csv"), QByteArray("\x00\x01\x02garbage", 10));
    QVERIFY(!importErrorOf([&] { data::importPairsFile(st, dir.filePath("garbage.csv"), {}, m_ctx); }).isEmpty());
    QVERIFY(!importErrorOf([&] { data::importIdentityFolders(st, dir.filePath("nowhere"), m_ctx); }).isEmpty());
    const auto after = st.stats();
    QCOMPARE(after.images, before.images);
    QCOMPARE(after.pairs, before.pairs);
}

void ImportTest::cancelStopsBetweenChunks()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("lfw"), 2, 2);
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    jobs::PlainJobContext ctx;
    ctx.cancel();
    QVERIFY_THROWS_EXCEPTION(jobs::Cancelled, data::importIdentityFolders(st, dir.filePath("lfw"), ctx));
    QCOMPARE(st.stats().images, 0);
}

QTEST_GUILESS_MAIN(ImportTest)
#include "test_import.moc"

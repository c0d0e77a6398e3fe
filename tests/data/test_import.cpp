// Import of identity folders, LFW pairs.txt and CSV pairs on real files: every format (known by
// content, decoded right), every bad input the issue names, re-import adding nothing by any path,
// replaced files, people of two roots, and nothing stored before being touched.
#include "common/DevFaces.h"
#include "common/TestImages.h"
#include "data/IdentityFolderImport.h"
#include "data/ImageCache.h"
#include "data/ImageDecode.h"
#include "data/ImageProbe.h"
#include "data/face/FaceErrors.h"
#include "data/PairGenerator.h"
#include "data/PairsFileImport.h"
#include "store/ImageTable.h"
#include "store/FaceTable.h"
#include "store/FeedbackTable.h"
#include "store/PairTable.h"
#include "store/StoreError.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <jpeglib.h>

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

// Mean absolute difference per channel value of two 8-bit BGR images of one size.
double meanDiff(const cv::Mat &a, const cv::Mat &b)
{
    if (a.size() != b.size() || a.type() != b.type())
        return 1e9;
    return cv::norm(a, b, cv::NORM_L1) / double(a.total() * size_t(a.channels()));
}

cv::Mat qimageToBgr(const QImage &img)
{
    const QImage rgb = img.convertToFormat(QImage::Format_RGB32);
    const cv::Mat bgra(rgb.height(), rgb.width(), CV_8UC4, const_cast<uchar *>(rgb.constBits()), size_t(rgb.bytesPerLine()));
    cv::Mat bgr;
    cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
    return bgr;
}

bool writeBytes(const QString &path, const std::vector<uchar> &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    return f.open(QIODevice::WriteOnly)
           && f.write(reinterpret_cast<const char *>(bytes.data()), qint64(bytes.size())) == qint64(bytes.size());
}

bool writeEncoded(const QString &path, const char *ext, const cv::Mat &img, const std::vector<int> &params = {})
{
    std::vector<uchar> bytes;
    return cv::imencode(ext, img, bytes, params) && writeBytes(path, bytes);
}

// A CMYK JPEG as Photoshop writes them (Adobe marker, inverted CMYK), which neither Qt nor
// OpenCV can write: libjpeg directly.
bool writeCmykJpeg(const QString &path, const cv::Mat &bgr)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    FILE *f = std::fopen(QFile::encodeName(path).constData(), "wb");
    if (!f)
        return false;
    jpeg_compress_struct c;
    jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = JDIMENSION(bgr.cols);
    c.image_height = JDIMENSION(bgr.rows);
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 100, TRUE);
    jpeg_start_compress(&c, TRUE);
    std::vector<JSAMPLE> row(size_t(bgr.cols) * 4);
    while (c.next_scanline < c.image_height) {
        const cv::Vec3b *p = bgr.ptr<cv::Vec3b>(int(c.next_scanline));
        for (int x = 0; x < bgr.cols; ++x) {
            // Inverted CMYK with no black: stored C, M, Y are R, G, B and K is 255.
            row[size_t(x) * 4 + 0] = p[x][2];
            row[size_t(x) * 4 + 1] = p[x][1];
            row[size_t(x) * 4 + 2] = p[x][0];
            row[size_t(x) * 4 + 3] = 255;
        }
        JSAMPROW r = row.data();
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return std::fclose(f) == 0;
}

// The first development face crop (a real 112x112 face).
QString firstDevFace()
{
    const QDir faces(test::devFacesDir());
    const QString person = faces.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name).value(0);
    const QString file = QDir(faces.filePath(person)).entryList(QDir::Files, QDir::Name).value(0);
    return person.isEmpty() || file.isEmpty() ? QString() : faces.filePath(person + "/" + file);
}

int count(const store::ProjectStore &st, const QString &sql)
{
    QSqlQuery q(st.db());
    return q.exec(sql) && q.next() ? q.value(0).toInt() : -1;
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
    void initTestCase() { data::useOpenCvFallbackDecoder(); }   // as facelab-engine does
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
    void everyReadableFormatImportsByContentAndDecodesRight();
    void emptyAndTruncatedFilesAreNamed();
    void sameFolderThroughALinkAddsNothing();
    void fileReplacedInPlaceTakesItsRow();
    void sameFolderNameUnderTwoRootsIsTwoPeople();
    void peopleFromBeforeRootsAreFoundAgain();

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
    QVERIFY2(hasProblem(r, "Person_1/notes.txt", 0, "not a readable image"), qPrintable(problemsText(r)));
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

void ImportTest::everyReadableFormatImportsByContentAndDecodesRight()
{
    const QString src = firstDevFace();
    QVERIFY2(!src.isEmpty(), "the development faces (shared/data/faces112) are missing");
    const cv::Mat face = cv::imread(src.toStdString(), cv::IMREAD_COLOR);
    QCOMPARE(face.cols, 112);
    cv::Mat face16;
    face.convertTo(face16, CV_16U, 257.0);
    // Alpha rising from 0 on the left to 255 on the right: composited over black it is the face
    // fading in from black.
    cv::Mat alpha(face.size(), CV_8U);
    for (int y = 0; y < face.rows; ++y)
        for (int x = 0; x < face.cols; ++x)
            alpha.at<uchar>(y, x) = uchar(x * 255 / (face.cols - 1));
    std::vector<cv::Mat> ch;
    cv::split(face, ch);
    std::vector<cv::Mat> over(ch.size());
    for (size_t i = 0; i < ch.size(); ++i)
        cv::multiply(ch[i], alpha, over[i], 1.0 / 255.0);
    cv::Mat overBlack, bgra;
    cv::merge(over, overBlack);
    ch.push_back(alpha);
    cv::merge(ch, bgra);

    QTemporaryDir dir;
    const QString ann = dir.filePath("faces/Ann/");
    struct Case
    {
        QString file;
        cv::Mat expected;
        double tolerance;   // mean absolute difference allowed (lossy codecs)
    };
    QVector<Case> cases;
    // Every file has a suffix that lies about its content.
    QVERIFY(writeEncoded(ann + "webp.jpg", ".webp", face, {cv::IMWRITE_WEBP_QUALITY, 101}));   // lossless
    cases.push_back({"webp.jpg", face, 0.0});
    QVERIFY(writeEncoded(ann + "tiff8.png", ".tiff", face));
    cases.push_back({"tiff8.png", face, 0.0});
    QVERIFY(writeEncoded(ann + "tiff16.jpg", ".tiff", face16));
    cases.push_back({"tiff16.jpg", face, 0.0});
    QVERIFY(writeEncoded(ann + "png16.webp", ".png", face16));
    cases.push_back({"png16.webp", face, 0.0});
    QVERIFY(writeEncoded(ann + "bmp.png", ".bmp", face));
    cases.push_back({"bmp.png", face, 0.0});
    QVERIFY(writeEncoded(ann + "alpha.jpg", ".png", bgra));
    cases.push_back({"alpha.jpg", overBlack, 0.5});
    QVERIFY(writeCmykJpeg(ann + "cmyk.png", face));
    cases.push_back({"cmyk.png", face, 2.0});
    // A format only Qt's plugins read (no OpenCV decoder): ICO.
    QVERIFY(data::bgrToQImage(face).save(ann + "ico.jpg", "ICO"));
    cases.push_back({"ico.jpg", face, 0.0});

    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    const data::ImportReport r = data::importIdentityFolders(st, dir.filePath("faces"), m_ctx);
    QVERIFY2(r.problems.isEmpty(), qPrintable(problemsText(r)));
    QCOMPARE(r.imagesAdded, int(cases.size()));
    for (const auto &img : store::ImageTable(st).all()) {
        QCOMPARE(img.width, 112);
        QCOMPARE(img.height, 112);
    }
    for (const Case &c : cases) {
        // The face stage's pixels and the annotate view's pixels are the expected picture.
        const cv::Mat decoded = data::decodeImageBgr(ann + c.file);
        const double d = meanDiff(decoded, c.expected);
        QVERIFY2(d <= c.tolerance, qPrintable(QStringLiteral("%1: face stage differs by %2").arg(c.file).arg(d)));
        const data::DecodedImage shown = data::ImageCache::decode(ann + c.file, QSize(112, 112));
        QVERIFY2(shown.error.isEmpty(), qPrintable(c.file + ": " + shown.error));
        const double ds = meanDiff(qimageToBgr(shown.image), c.expected);
        // Qt's own decoders (PNG, BMP, JPEG) round a little differently from OpenCV's.
        QVERIFY2(ds <= c.tolerance + 1.0, qPrintable(QStringLiteral("%1: display differs by %2").arg(c.file).arg(ds)));
    }
    // Importing again adds nothing.
    const data::ImportReport again = data::importIdentityFolders(st, dir.filePath("faces"), m_ctx);
    QCOMPARE(again.imagesAdded, 0);
    QCOMPARE(again.imagesExisting, int(cases.size()));
}

void ImportTest::emptyAndTruncatedFilesAreNamed()
{
    const QString src = firstDevFace();
    QVERIFY2(!src.isEmpty(), "the development faces (shared/data/faces112) are missing");
    std::vector<uchar> jpg;
    QVERIFY(cv::imencode(".jpg", cv::imread(src.toStdString(), cv::IMREAD_COLOR), jpg, {cv::IMWRITE_JPEG_QUALITY, 95}));
    QTemporaryDir dir;
    const QString ann = dir.filePath("faces/Ann/");
    QVERIFY(writeBytes(ann + "whole.jpg", jpg));
    writeText(ann + "empty.jpg", QByteArray());
    QVERIFY(writeBytes(ann + "cut60.jpg", std::vector<uchar>(jpg.begin(), jpg.begin() + qsizetype(jpg.size() * 6 / 10))));
    QVERIFY(writeBytes(ann + "no_eoi.jpg", std::vector<uchar>(jpg.begin(), jpg.end() - 2)));
    std::vector<uchar> padded = jpg;   // zero padding after the end-of-image marker is harmless
    padded.resize(jpg.size() + 4096, 0);
    QVERIFY(writeBytes(ann + "padded.jpg", padded));
    QFile png(src);   // a real PNG cut short, named .jpg
    QVERIFY(png.open(QIODevice::ReadOnly));
    writeText(ann + "cut_png.jpg", png.readAll().left(png.size() * 6 / 10));
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    const data::ImportReport r = data::importIdentityFolders(st, dir.filePath("faces"), m_ctx);
    QCOMPARE(r.imagesAdded, 2);
    QCOMPARE(r.problems.size(), 4);
    QVERIFY2(hasProblem(r, "Ann/cut_png.jpg", 0, "truncated PNG"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "Ann/empty.jpg", 0, "empty file"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "Ann/cut60.jpg", 0, "truncated JPEG"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "Ann/no_eoi.jpg", 0, "truncated JPEG"), qPrintable(problemsText(r)));
    // The face stage refuses the same files, by the same words.
    for (const char *bad : {"empty.jpg", "cut60.jpg"}) {
        try {
            data::decodeImageBgr(ann + bad);
            QFAIL(qPrintable(QStringLiteral("%1 decoded").arg(bad)));
        } catch (const face::FaceImageError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(bad == QByteArray("empty.jpg") ? "empty" : "truncated JPEG"), e.what());
        }
    }
    const data::DecodedImage shown = data::ImageCache::decode(ann + "empty.jpg", QSize(112, 112));
    QVERIFY2(shown.error.contains("readable"), qPrintable(shown.error));
}

void ImportTest::sameFolderThroughALinkAddsNothing()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("lfw"), 3, 3);
    QVERIFY(QFile::link(dir.filePath("lfw"), dir.filePath("link")));
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    QCOMPARE(data::importIdentityFolders(st, dir.filePath("lfw"), m_ctx).imagesAdded, 9);
    for (const QString &path : {dir.filePath("link"), dir.filePath("lfw/../link/./"), dir.filePath("lfw/Person_0/..")}) {
        const data::ImportReport r = data::importIdentityFolders(st, path, m_ctx);
        QCOMPARE(r.imagesAdded, 0);
        QCOMPARE(r.imagesExisting, 9);
        QVERIFY2(r.problems.isEmpty(), qPrintable(problemsText(r)));
    }
    // A link inside the tree to a file already imported is that image, named once.
    QVERIFY(QFile::link(dir.filePath("lfw/Person_0/Person_0_0001.jpg"), dir.filePath("lfw/Person_1/alias.jpg")));
    const data::ImportReport r = data::importIdentityFolders(st, dir.filePath("link"), m_ctx);
    QCOMPARE(r.imagesAdded, 0);
    QVERIFY2(hasProblem(r, "Person_1/alias.jpg", 0, "the same file as"), qPrintable(problemsText(r)));
    QCOMPARE(st.stats().images, 9);
    QCOMPARE(st.stats().identities, 3);
    QCOMPARE(count(st, "SELECT count(*) FROM import_roots"), 1);
    // Pairs never join a file with itself.
    data::PairGenOptions opt;
    opt.pairs = 40;
    opt.identities = 0;
    data::generatePairs(st, opt);
    const auto pairs = store::PairTable(st).all();
    QVERIFY(pairs.size() >= 20);
    for (const auto &p : pairs)
        QVERIFY2(p.a.id != p.b.id && p.a.sha256 != p.b.sha256, qPrintable(p.a.relPath + " / " + p.b.relPath));
}

void ImportTest::fileReplacedInPlaceTakesItsRow()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("lfw"), 2, 2);
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    data::importIdentityFolders(st, dir.filePath("lfw"), m_ctx);
    const store::ImageTable images(st);
    qint64 id = 0, other = 0;
    for (const auto &img : images.all())
        (img.relPath == "Person_0/Person_0_0001.jpg" ? id : other) = img.id;
    QVERIFY(id > 0 && other > 0);
    // Derived data and a verdict on the old picture.
    store::FaceRecord face;
    face.box = QRectF(10, 10, 40, 40);
    face.score = 0.9;
    store::FaceTable(st).record(id, {face}, 0, QStringLiteral("found"));
    QVERIFY(writeImage(store::FaceTable::alignedPath(st, id), 1, 112, 112, "PNG"));
    const qint64 pair = store::PairTable(st).insert({id, other, false, QStringLiteral("generated"), QStringLiteral("train")}).first;
    store::FeedbackTable(st).add(pair, store::Verdict::Different);

    // The file is replaced by another picture and imported again.
    const QString path = dir.filePath("lfw/Person_0/Person_0_0001.jpg");
    QVERIFY(writeImage(path, 4242));
    QString why;
    const auto facts = data::probeImage(path, &why);
    QVERIFY2(facts, qPrintable(why));
    const data::ImportReport r = data::importIdentityFolders(st, dir.filePath("lfw"), m_ctx);
    QCOMPARE(r.imagesAdded, 0);
    QVERIFY2(hasProblem(r, "Person_0/Person_0_0001.jpg", 0, "content changed"), qPrintable(problemsText(r)));
    QVERIFY2(hasProblem(r, "Person_0/Person_0_0001.jpg", 0, "1 verdict(s) kept"), qPrintable(problemsText(r)));
    QCOMPARE(st.stats().images, 4);
    const store::ImageRecord now = images.image(id);
    QCOMPARE(now.sha256, facts->sha256);
    QCOMPARE(now.faceStatus, QStringLiteral("pending"));
    QCOMPARE(count(st, QStringLiteral("SELECT count(*) FROM faces WHERE image_id = %1").arg(id)), 0);
    QVERIFY(!QFileInfo::exists(store::FaceTable::alignedPath(st, id)));
    QCOMPARE(store::FeedbackTable(st).current(pair), std::optional<store::Verdict>(store::Verdict::Different));
    // Converged: a third import changes nothing.
    const data::ImportReport again = data::importIdentityFolders(st, dir.filePath("lfw"), m_ctx);
    QVERIFY2(again.problems.isEmpty(), qPrintable(problemsText(again)));
    QCOMPARE(again.imagesAdded, 0);
    QCOMPARE(again.imagesExisting, 4);
    QCOMPARE(count(st, "SELECT count(*) FROM images"), 4);
}

void ImportTest::sameFolderNameUnderTwoRootsIsTwoPeople()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("a/set"), 2, 3);
    writeLfwTree(dir.filePath("b/set"), 2, 3, 500);   // other pictures, same folder names
    QVERIFY(QFile::copy(dir.filePath("a/set/Person_0/Person_0_0001.jpg"), dir.filePath("b/set/Person_1/copy.jpg")));
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    QCOMPARE(data::importIdentityFolders(st, dir.filePath("a/set"), m_ctx).imagesAdded, 6);
    const data::ImportReport rb = data::importIdentityFolders(st, dir.filePath("b/set"), m_ctx);
    QCOMPARE(rb.imagesAdded, 7);
    QVERIFY2(hasProblem(rb, "Person_1/copy.jpg", 0, "never paired with it"), qPrintable(problemsText(rb)));
    QCOMPARE(st.stats().identities, 4);
    // Both roots end in "set": the second person of a name is told apart by its root, and a
    // third root of that name by its number.
    QStringList names;
    for (const auto &img : store::ImageTable(st).all())
        if (!names.contains(img.identity))
            names << img.identity;
    names.sort();
    QCOMPARE(names, QStringList({"Person_0", "Person_0 (set)", "Person_1", "Person_1 (set)"}));
    for (const char *root : {"a/set", "b/set"}) {
        const data::ImportReport again = data::importIdentityFolders(st, dir.filePath(root), m_ctx);
        QCOMPARE(again.imagesAdded, 0);
    }
    QCOMPARE(st.stats().identities, 4);
    QCOMPARE(st.stats().images, 13);

    data::PairGenOptions opt;
    opt.pairs = 60;
    opt.identities = 0;
    const data::PairGenReport rep = data::generatePairs(st, opt);
    QVERIFY2(rep.notes.join(' ').contains("share a folder name"), qPrintable(rep.notes.join('\n')));
    const auto keys = store::ImageTable(st).personKeys();
    int different = 0;
    for (const auto &p : store::PairTable(st).all()) {
        QVERIFY2(p.a.sha256 != p.b.sha256, qPrintable(p.a.relPath + " / " + p.b.relPath));
        if (p.truth == std::optional<bool>(false)) {
            ++different;
            QVERIFY2(keys.value(p.a.identityId) != keys.value(p.b.identityId), qPrintable(p.a.identity + " / " + p.b.identity));
        } else {
            QCOMPARE(p.a.identityId, p.b.identityId);
        }
    }
    QVERIFY(different > 0);
}

void ImportTest::peopleFromBeforeRootsAreFoundAgain()
{
    QTemporaryDir dir;
    writeLfwTree(dir.filePath("lfw"), 2, 2);
    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    data::importIdentityFolders(st, dir.filePath("lfw"), m_ctx);
    // People as a project from before schema step 6 has them: names only.
    QSqlQuery q(st.db());
    QVERIFY(q.exec("UPDATE identities SET root_id = NULL, folder = NULL"));
    QVERIFY(writeImage(dir.filePath("lfw/Person_0/new.jpg"), 999));
    const data::ImportReport r = data::importIdentityFolders(st, dir.filePath("lfw"), m_ctx);
    QCOMPARE(r.imagesAdded, 1);
    QCOMPARE(st.stats().identities, 2);
    // The person the new picture joined is the old one, now known by its folder too.
    QCOMPARE(count(st, "SELECT count(*) FROM identities WHERE name = 'Person_0' AND folder = 'Person_0' AND root_id IS NOT NULL"), 1);
    for (const auto &img : store::ImageTable(st).all())
        if (img.relPath == "Person_0/new.jpg")
            QCOMPARE(img.identity, QStringLiteral("Person_0"));
}

QTEST_GUILESS_MAIN(ImportTest)
#include "test_import.moc"

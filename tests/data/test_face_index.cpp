// The face stage over a project: real photos get detected and aligned faces, 112x112 crops pass
// through, a photo without a face is marked and left out of generated pairs; the demo project is
// built from the npm sample photos. Needs the models and photos from packaging/fetch-models.sh.
#include "DataPaths.h"
#include "common/TestImages.h"
#include "data/DemoProject.h"
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "store/FaceTable.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"

#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

using namespace facelab;

namespace {
QString realDataDir()
{
    return QString::fromStdString(facelab::dataDir());
}
bool haveModelsAndPhotos(QString *why)
{
    const QDir d(realDataDir());
    for (const QString &f : {"models/fr_detect.onnx", "models/fr_landmark.onnx", "samples/face-api/sample1.jpg"})
        if (!QFileInfo::exists(d.filePath(f))) {
            *why = QStringLiteral("%1 missing: run packaging/fetch-models.sh").arg(d.filePath(f));
            return false;
        }
    return true;
}
} // namespace

class FaceIndexTest : public QObject
{
    Q_OBJECT
private slots:
    void indexesPhotosCropsAndFacelessImages();
    void demoProjectIsBuiltOnceFromTheSamplePhotos();
};

void FaceIndexTest::indexesPhotosCropsAndFacelessImages()
{
    QString why;
    if (!haveModelsAndPhotos(&why))
        QSKIP(qPrintable(why));
    QTemporaryDir dir;
    const QString root = dir.filePath("faces");
    const QDir samples(QString::fromStdString(facelab::samplesDir()));
    QDir().mkpath(root + "/A");
    QDir().mkpath(root + "/B");
    QVERIFY(QFile::copy(samples.filePath("sample1.jpg"), root + "/A/photo.jpg"));
    QVERIFY(QFile::copy(samples.filePath("sample2.jpg"), root + "/B/photo.jpg"));
    test::writeImage(root + "/B/noise.png", 4242, 300, 200, "PNG");   // a pattern, no face
    test::writeImage(root + "/C/crop.png", 7, 112, 112, "PNG");        // treated as pre-aligned
    test::writeImage(root + "/C/crop2.png", 8, 112, 112, "PNG");

    const auto st = store::ProjectStore::open(dir.filePath("proj"), true);
    jobs::PlainJobContext ctx;
    data::importIdentityFolders(st, root, ctx);
    const data::FaceIndexReport r = data::indexFaces(st, ctx);
    QCOMPARE(r.processed, 5);
    QCOMPARE(r.found, 2);
    QCOMPARE(r.preAligned, 2);
    QCOMPARE(r.none, 1);
    QCOMPARE(r.multiFace, 2);   // both group photos hold several faces; one is kept, all are stored
    QCOMPARE(r.problems.size(), 1);
    QVERIFY(r.problems[0].file.endsWith("noise.png"));

    store::FaceTable faces(st);
    for (const store::ImageRecord &img : store::ImageTable(st).all()) {
        const QString aligned = store::FaceTable::alignedPath(st, img.id);
        if (img.faceStatus == "none") {
            QVERIFY(!QFileInfo::exists(aligned));
            QVERIFY(faces.note(img.id).contains("no face"));
            continue;
        }
        QVERIFY2(QFileInfo::exists(aligned), qPrintable(aligned));
        QCOMPARE(QImage(aligned).size(), QSize(112, 112));
        if (img.faceStatus == "found") {
            QVERIFY(faces.faces(img.id).size() >= 3);
            QVERIFY(faces.chosen(img.id).has_value());
            QCOMPARE(faces.chosen(img.id)->landmarks68.size(), 68);
        }
    }
    // A second run has nothing left to do.
    QCOMPARE(data::indexFaces(st, ctx).processed, 0);

    // The user picks another face of the first photo: the crop is rewritten from that face.
    const qint64 photo = faces.imagesWithStatus("found").front();
    const QByteArray before = [&] { QFile f(store::FaceTable::alignedPath(st, photo)); f.open(QIODevice::ReadOnly); return f.readAll(); }();
    faces.choose(photo, faces.faces(photo).back().id);
    data::realignImage(st, photo);
    QFile after(store::FaceTable::alignedPath(st, photo));
    QVERIFY(after.open(QIODevice::ReadOnly));
    QVERIFY(after.readAll() != before);

    // The faceless image never enters generated pairs.
    data::PairGenOptions o;
    o.pairs = 10;
    data::generatePairs(st, o);
    const qint64 noFace = faces.imagesWithStatus("none").front();
    for (const auto &p : store::PairTable(st).all())
        QVERIFY(p.a.id != noFace && p.b.id != noFace);
}

void FaceIndexTest::demoProjectIsBuiltOnceFromTheSamplePhotos()
{
    QString why;
    if (!haveModelsAndPhotos(&why))
        QSKIP(qPrintable(why));
    // A private data dir whose models and photos are the real ones.
    QTemporaryDir dir;
    QVERIFY(QFile::link(QDir(realDataDir()).filePath("models"), dir.filePath("models")));
    QDir().mkpath(dir.filePath("samples"));
    QVERIFY(QFile::link(QDir(realDataDir()).filePath("samples/face-api"), dir.filePath("samples/face-api")));
    qputenv("FACELAB_DATA_DIR", dir.path().toUtf8());
    jobs::PlainJobContext ctx;
    const QString folder = data::ensureDemoProject(ctx);
    QCOMPARE(folder, dir.filePath("demo-project"));
    const auto st = store::ProjectStore::open(folder);
    const auto s = st.stats();
    QVERIFY2(s.identities >= 20, qPrintable(QString::number(s.identities)));   // 22 people in the six photos
    QCOMPARE(s.images, s.identities * 4);
    QCOMPARE(s.pairs, 200);
    QCOMPARE(store::FaceTable(st).counts().prealigned, s.images);
    const auto pairs = store::PairTable(st).all();
    const int same = int(std::count_if(pairs.begin(), pairs.end(), [](const auto &p) { return *p.truth; }));
    QCOMPARE(same, 100);
    // Built once: a second call changes nothing.
    QCOMPARE(data::ensureDemoProject(ctx), folder);
    QCOMPARE(st.stats().pairs, 200);
    qunsetenv("FACELAB_DATA_DIR");
}

QTEST_GUILESS_MAIN(FaceIndexTest)
#include "test_face_index.moc"

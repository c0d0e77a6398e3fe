// The Linearizer's training set read from an InsightFace RecordIO pack (linearize::packImages):
// every face of a pack written by python3 from real faces, with the pack's identities, loaded
// bit-identical to the faces packed, and named by pack and record in messages.
#include "common/DevFaces.h"
#include "data/RecordIo.h"
#include "linearize/SurrogateData.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <opencv2/imgcodecs.hpp>

using namespace facelab;

class TestPackImages : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_dir;
    QJsonObject m_manifest;

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(QFileInfo(test::devFacesDir()).isDir(), "the development faces (shared/data/faces112) are missing");
        m_dir = m_tmp.filePath("packs");
        QProcess gen;
        gen.start("/usr/bin/python3", {QStringLiteral(FACELAB_SOURCE_DIR "/tests/data/make_insightface_packs.py"), "rec",
                                       test::devFacesDir(), m_dir});
        QVERIFY(gen.waitForFinished(120000));
        QVERIFY2(gen.exitStatus() == QProcess::NormalExit && gen.exitCode() == 0, gen.readAllStandardError().constData());
        QFile mf(m_dir + "/rec.json");
        QVERIFY(mf.open(QIODevice::ReadOnly));
        m_manifest = QJsonDocument::fromJson(mf.readAll()).object();
    }

    void packFacesWithTheirIdentities()
    {
        const QString rec = m_dir + "/train.rec";
        const linearize::SurrogateImages images = linearize::packImages(rec);
        const QJsonArray expected = m_manifest["images"].toArray();
        QCOMPARE(images.ids.size(), expected.size());
        QVERIFY(images.paths.isEmpty());
        int raw = 0;
        for (int i = 0; i < expected.size(); ++i) {
            const QJsonObject m = expected[i].toObject();
            QCOMPARE(images.identity[i], qint64(m["identity"].toInt()) + 1);
            QCOMPARE(images.identityNames[i], QStringLiteral("id %1").arg(m["identity"].toInt()));
            QCOMPARE(images.name(i), QStringLiteral("%1#%2").arg(rec).arg(m["key"].toInt()));
            const cv::Mat face = images.load(i);
            QCOMPARE(face.type(), CV_8UC3);
            QCOMPARE(face.cols, 112);
            if (!m["file"].toString().isEmpty()) {
                ++raw;
                const cv::Mat file = cv::imread(m["file"].toString().toStdString(), cv::IMREAD_COLOR);
                QCOMPARE(cv::norm(face, file, cv::NORM_INF), 0.0);
            }
        }
        QCOMPARE(raw, 6);
        // The held-out split sees the pack's people (3 here: fewer than 4, so by image).
        const linearize::HeldOutSplit split = linearize::splitHeldOut(images, 0.25, 1);
        QCOMPARE(split.trainIdentities, 3);
        QCOMPARE(int(split.train.size() + split.heldOut.size()), expected.size());
        QCOMPARE(linearize::packImages(rec, 5).ids.size(), 5);
    }

    void corruptFaceIsNamedWhenLoaded()
    {
        const QString rec = m_dir + "/bad.rec";
        QVERIFY(QFile::copy(m_dir + "/train.rec", rec) && QFile::copy(m_dir + "/train.idx", m_dir + "/bad.idx"));
        const std::uint64_t at = data::RecordIoReader(rec.toStdString()).offset(2);
        {
            QFile f(rec);
            QVERIFY(f.open(QIODevice::ReadWrite) && f.seek(qint64(at)));
            f.write("XXXX", 4);
        }
        const linearize::SurrogateImages images = linearize::packImages(rec);
        QCOMPARE(images.load(0).cols, 112);
        try {
            images.load(1);
            QFAIL("a corrupt record loaded");
        } catch (const data::RecordIoError &e) {
            QVERIFY2(QString(e.what()).contains("bad.rec: record 2") && QString(e.what()).contains("corrupt"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestPackImages)
#include "test_pack_images.moc"

// InsightFace RecordIO packs (train.rec + train.idx) read in place: packs written by python3 the way
// MXNet writes them (make_insightface_packs.py: dmlc-core's part splitting, mx.recordio.pack) from
// real faces read back bit-identical, identities come from the header's ranges, and truncated or
// corrupt records are refused naming the file and the record while the others still read.
#include "common/DevFaces.h"
#include "data/RecordIo.h"
#include "data/RecordIoFaceSet.h"
#include "data/RecordIoImage.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <opencv2/imgcodecs.hpp>

using namespace facelab;
using data::RecordIoError;
using data::RecordIoFaceSet;
using data::RecordIoReader;

namespace {

const char *kPython = "/usr/bin/python3";

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

QString sha256(const std::string &s)
{
    return QString::fromLatin1(QCryptographicHash::hash(QByteArray::fromStdString(s), QCryptographicHash::Sha256).toHex());
}

// The message of the RecordIoError f throws ("" when it throws none).
template <typename F>
QString errorOf(F &&f)
{
    try {
        f();
    } catch (const RecordIoError &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestRecordIo : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_dir;
    QJsonObject m_manifest;

    QString path(const QString &name) const { return m_dir + "/" + name; }
    // A copy of train.rec/.idx under another name, so each test damages its own.
    QString copyPack(const QString &name)
    {
        QFile::remove(path(name + ".rec"));
        QFile::remove(path(name + ".idx"));
        if (!QFile::copy(path("train.rec"), path(name + ".rec")) || !QFile::copy(path("train.idx"), path(name + ".idx")))
            return {};
        QFile(path(name + ".rec")).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        return path(name + ".rec");
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(QFileInfo(test::devFacesDir()).isDir(), "the development faces (shared/data/faces112) are missing");
        m_dir = m_tmp.filePath("packs");
        QProcess gen;
        gen.start(kPython, {QStringLiteral(FACELAB_SOURCE_DIR "/tests/data/make_insightface_packs.py"), "rec",
                            test::devFacesDir(), m_dir});
        QVERIFY(gen.waitForFinished(120000));
        QVERIFY2(gen.exitStatus() == QProcess::NormalExit && gen.exitCode() == 0, gen.readAllStandardError().constData());
        m_manifest = QJsonDocument::fromJson(readAll(path("rec.json"))).object();
        QVERIFY(m_manifest["images"].toArray().size() == 12);
    }

    void insightFacePackReadsBackBitIdentical()
    {
        const RecordIoFaceSet set(path("train.rec").toStdString());
        const QJsonArray images = m_manifest["images"].toArray();
        QCOMPARE(int(set.imageCount()), images.size());
        QVERIFY(set.hasIdentityRanges());
        QCOMPARE(int(set.identityCount()), m_manifest["people"].toArray().size());
        const std::vector<std::int64_t> identities = set.identities();
        int rawFiles = 0;
        for (int i = 0; i < images.size(); ++i) {
            const QJsonObject m = images[i].toObject();
            QCOMPARE(qint64(set.imageKey(size_t(i))), qint64(m["key"].toInt()));
            QCOMPARE(qint64(identities[size_t(i)]), qint64(m["identity"].toInt()));
            const data::RecordIoRecord r = set.image(size_t(i));
            QCOMPARE(r.flag, 0u);
            QCOMPARE(double(r.label), double(m["identity"].toInt()));
            QCOMPARE(qint64(r.id), qint64(m["key"].toInt()));
            QCOMPARE(sha256(r.payload), m["sha256"].toString());
            const QString file = m["file"].toString();
            if (file.isEmpty())
                continue;
            // Stored as the file is: the very bytes, and the very pixels OpenCV reads from the file.
            ++rawFiles;
            QCOMPARE(QByteArray::fromStdString(r.payload), readAll(file));
            const cv::Mat decoded = data::decodeRecordImage(r, set.reader().recPath());
            const cv::Mat expected = cv::imread(file.toStdString(), cv::IMREAD_COLOR);
            QCOMPARE(decoded.size(), expected.size());
            QCOMPARE(cv::norm(decoded, expected, cv::NORM_INF), 0.0);
        }
        QCOMPARE(rawFiles, 6);
        // The JPEG records decode to 112x112 faces too.
        QCOMPARE(data::decodeRecordImage(set.image(1), "train.rec").size(), cv::Size(112, 112));
    }

    void headerAndIdentityRecords()
    {
        const RecordIoReader r(path("train.rec").toStdString());
        const int a = m_manifest["images_end"].toInt(), b = m_manifest["identities_end"].toInt();
        QCOMPARE(int(r.size()), b);
        const data::RecordIoRecord head = r.read(0);
        QCOMPARE(head.flag, 2u);
        QCOMPARE(head.labels, (std::vector<float>{float(a), float(b)}));
        QVERIFY(head.payload.empty());
        // The first identity's range [first, last) covers its images 1..4.
        const data::RecordIoRecord id0 = r.readHeader(std::uint64_t(a));
        QCOMPARE(id0.labels, (std::vector<float>{1.f, 5.f}));
    }

    void multiPartRecordsAndArrayLabels()
    {
        // Payloads holding the magic number are split into parts by the writer and joined again.
        const RecordIoReader r(path("plain.rec").toStdString());
        QCOMPARE(r.keys(), (std::vector<std::uint64_t>{5, 6, 9, 12}));
        for (const auto &v : m_manifest["plain"].toArray()) {
            const QJsonObject m = v.toObject();
            const std::string raw = r.readRaw(std::uint64_t(m["key"].toInt()));
            QCOMPARE(int(raw.size()), m["size"].toInt());
            QCOMPARE(sha256(raw), m["record_sha256"].toString());
        }
        const data::RecordIoRecord arr = r.read(6);
        QCOMPARE(arr.flag, 2u);
        QCOMPARE(arr.labels, (std::vector<float>{7.f, 3.f}));
        QCOMPARE(double(arr.firstLabel()), 7.0);
        QCOMPARE(data::decodeRecordImage(arr, r.recPath()).size(), cv::Size(112, 112));
        // Without a header every record is a face; identities are the labels.
        const RecordIoFaceSet set(path("plain.rec").toStdString());
        QVERIFY(!set.hasIdentityRanges());
        QCOMPARE(set.identities(), (std::vector<std::int64_t>{3, 7, 1, 2}));
        // What the writer of this library writes, this reader reads (and python3 wrote the same bytes).
        {
            data::RecordIoWriter w(path("mine.rec").toStdString(), path("mine.idx").toStdString());
            for (std::uint64_t k : r.keys())
                w.write(k, r.readRaw(k));
            w.close();
        }
        QCOMPARE(readAll(path("mine.rec")), readAll(path("plain.rec")));
        QCOMPARE(readAll(path("mine.idx")), readAll(path("plain.idx")));
        // A split record cut inside one of its later parts is refused, named.
        QVERIFY(QFile::resize(path("mine.rec"), qint64(r.offset(9) + 40)));
        writeAll(path("mine.idx"), readAll(path("mine.idx")).replace(QByteArray("12\t") + QByteArray::number(qulonglong(r.offset(12))) + "\n", ""));
        const RecordIoReader cut(path("mine.rec").toStdString());
        QCOMPARE(int(cut.size()), 3);
        const QString e = errorOf([&] { cut.read(9); });
        QVERIFY2(e.contains("mine.rec: record 9") && e.contains("truncated"), qPrintable(e));
    }

    void undecodablePayloadIsNamed()
    {
        const RecordIoReader r(path("plain.rec").toStdString());
        const QString e = errorOf([&] { data::decodeRecordImage(r.read(9), r.recPath()); });
        QVERIFY2(e.contains("plain.rec") && e.contains("record 9") && e.contains("not an image"), qPrintable(e));
    }

    void truncatedRecordsAreRefusedByIndex()
    {
        const QString rec = copyPack("cut");
        QVERIFY(!rec.isEmpty());
        const RecordIoReader whole(rec.toStdString());
        // Cut inside record 7: it and the records after it are lost; the ones before still read.
        const std::uint64_t cutAt = whole.offset(7) + 100;
        QVERIFY(QFile::resize(rec, qint64(cutAt)));
        // The index names records whose offset is now past the end: refused when opened, by record.
        QString e = errorOf([&] { RecordIoReader r(rec.toStdString()); });
        QVERIFY2(e.contains("cut.idx") && e.contains("of record 8 is beyond the end") && e.contains("cut.rec"), qPrintable(e));
        // With an index that lists only the records before the cut (a copy cut short too), record 7
        // is refused when read, named, and 1..6 read as before.
        QByteArray idx;
        for (const QByteArray &line : readAll(path("cut.idx")).split('\n'))
            if (!line.isEmpty() && line.split('\t').value(0).toInt() <= 7)
                idx += line + '\n';
        writeAll(path("cut.idx"), idx);
        const RecordIoReader cut(rec.toStdString());
        e = errorOf([&] { cut.read(7); });
        QVERIFY2(e.contains("cut.rec") && e.contains("record 7") && e.contains("truncated"), qPrintable(e));
        for (std::uint64_t k = 1; k <= 6; ++k)
            QCOMPARE(cut.readRaw(k), whole.readRaw(k));
        // Cut inside the 8-byte part header itself.
        QVERIFY(QFile::resize(rec, qint64(whole.offset(7) + 5)));
        const RecordIoReader cut2(rec.toStdString());
        e = errorOf([&] { cut2.read(7); });
        QVERIFY2(e.contains("record 7") && e.contains("truncated"), qPrintable(e));
    }

    void corruptRecordsAreRefusedByIndex()
    {
        const QString rec = copyPack("bad");
        QVERIFY(!rec.isEmpty());
        std::uint64_t at3, at5, at9;
        {
            const RecordIoReader r(rec.toStdString());
            at3 = r.offset(3);
            at5 = r.offset(5);
            at9 = r.offset(9);
        }
        QByteArray bytes = readAll(rec);
        bytes[int(at3)] = char(0x55);                                    // record 3: its magic number
        bytes[int(at5) + 7] = char(bytes[int(at5) + 7] | 0x40);          // record 5: continuation flag 2 on a first part
        const QByteArray huge("\xff\xff\xff\x1f", 4);                    // record 9: a length past the end
        bytes.replace(int(at9) + 4, 4, huge);
        writeAll(rec, bytes);
        const RecordIoReader r(rec.toStdString());
        QString e = errorOf([&] { r.read(3); });
        QVERIFY2(e.contains("bad.rec") && e.contains("record 3") && e.contains("corrupt") && e.contains("0xced7230a"), qPrintable(e));
        e = errorOf([&] { r.read(5); });
        QVERIFY2(e.contains("record 5") && e.contains("continuation flag 2"), qPrintable(e));
        e = errorOf([&] { r.read(9); });
        QVERIFY2(e.contains("record 9") && e.contains("truncated"), qPrintable(e));
        // The undamaged records read as before.
        const RecordIoReader good(path("train.rec").toStdString());
        for (std::uint64_t k : {1, 2, 4, 6, 8, 10})
            QCOMPARE(r.readRaw(k), good.readRaw(k));
    }

    void headerLongerThanItsRecordIsRefused()
    {
        // A record whose IRHeader declares more labels than it holds.
        {
            data::RecordIoWriter w(path("labels.rec").toStdString(), path("labels.idx").toStdString());
            std::string rec = data::packRecord({1.f, 2.f}, "");
            rec[0] = char(9);   // flag 9: 36 bytes of labels promised, 8 there
            w.write(0, rec);
            w.write(1, "short");
            w.close();
        }
        const RecordIoReader r(path("labels.rec").toStdString());
        QString e = errorOf([&] { r.read(0); });
        QVERIFY2(e.contains("labels.rec") && e.contains("record 0") && e.contains("declares 9 labels"), qPrintable(e));
        e = errorOf([&] { r.read(1); });
        QVERIFY2(e.contains("record 1") && e.contains("shorter than"), qPrintable(e));
        // The same header as the face set's record 0 is refused as a face set, naming the record.
        e = errorOf([&] { RecordIoFaceSet s(path("labels.rec").toStdString()); });
        QVERIFY2(e.contains("record 0"), qPrintable(e));
    }

    void badIndexFilesAreNamed()
    {
        QVERIFY(!copyPack("idx").isEmpty());
        writeAll(path("idx.idx"), "0\t0\n1\tabc\n");
        QString e = errorOf([&] { RecordIoReader r(path("idx.rec").toStdString()); });
        QVERIFY2(e.contains("idx.idx") && e.contains("line 2"), qPrintable(e));
        writeAll(path("idx.idx"), "0\t0\n0\t8\n");
        e = errorOf([&] { RecordIoReader r(path("idx.rec").toStdString()); });
        QVERIFY2(e.contains("record 0 is listed twice"), qPrintable(e));
        writeAll(path("idx.idx"), "");
        e = errorOf([&] { RecordIoReader r(path("idx.rec").toStdString()); });
        QVERIFY2(e.contains("no records"), qPrintable(e));
        e = errorOf([&] { RecordIoReader r(path("missing.rec").toStdString()); });
        QVERIFY2(e.contains("missing.rec") && e.contains("cannot open"), qPrintable(e));
        // A record asked for by a key the index does not list.
        const RecordIoReader r(path("train.rec").toStdString());
        e = errorOf([&] { r.read(999); });
        QVERIFY2(e.contains("record 999 is not in the index"), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestRecordIo)
#include "test_recordio.moc"

// Reading an error export back (eval::readErrorFolder): a hand-written export in the layout
// exportErrors writes is listed FP/FN in summary order with its files; folders that are not an
// export say which folder and what is wrong. (The round trip from exportErrors is in
// test_eval_export.)
#include "common/TestImages.h"
#include "eval/ErrorFolder.h"
#include "eval/EvalError.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

using namespace facelab;

namespace {

QJsonObject entry(const QString &folder, qint64 id, double score, const QString &truth)
{
    return QJsonObject{{"folder", folder}, {"pair_id", id}, {"score", score}, {"truth", truth},
                       {"truth_from", "imported"}, {"path1", "/photos/a.jpg"}, {"path2", "/photos/b.jpg"},
                       {"split", "test"}};
}

void writePairFolder(const QString &dir, int seed)
{
    test::writeImage(dir + "/img1_a.jpg", seed);
    test::writeImage(dir + "/img2_b.jpg", seed + 1);
    test::writeImage(dir + "/comparison.png", seed + 2);
    test::writeText(dir + "/info.txt", QByteArray("pair id: ") + QByteArray::number(seed) + "\n");
}

QString readError(const QString &dir)
{
    try {
        eval::readErrorFolder(dir);
    } catch (const eval::EvalError &e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace

class EvalErrorFolderTest : public QObject
{
    Q_OBJECT
private slots:
    void readsAnExportInSummaryOrder()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath("errors");
        writePairFolder(out + "/false_positives/pair_001_sim0.810", 1);
        writePairFolder(out + "/false_positives/pair_002_sim0.700", 2);
        writePairFolder(out + "/false_negatives/pair_001_sim0.100", 3);
        const QJsonObject summary{
            {"generator", "facelab errors"}, {"model_version", "toy"}, {"threshold", 0.5},
            {"false_positive_count", 2}, {"false_negative_count", 1},
            {"false_positives", QJsonArray{entry("false_positives/pair_001_sim0.810", 11, 0.81, "different"),
                                           entry("false_positives/pair_002_sim0.700", 12, 0.70, "different")}},
            {"false_negatives", QJsonArray{entry("false_negatives/pair_001_sim0.100", 13, 0.10, "same")}}};
        test::writeText(out + "/summary.json", QJsonDocument(summary).toJson());

        const eval::ErrorFolder f = eval::readErrorFolder(out);
        QCOMPARE(f.dir, QFileInfo(out).absoluteFilePath());
        QCOMPARE(f.modelVersion, QStringLiteral("toy"));
        QCOMPARE(f.threshold, 0.5);
        QCOMPARE(f.falsePositives.size(), 2);
        QCOMPARE(f.falseNegatives.size(), 1);
        QVERIFY2(f.problems.isEmpty(), qPrintable(f.problems.join('\n')));
        QCOMPARE(f.falsePositives[0].pairId, 11);
        QCOMPARE(f.falsePositives[1].score, 0.70);
        QVERIFY(f.falsePositives[0].falsePositive && !f.falsePositives[0].truthSame);
        QVERIFY(!f.falseNegatives[0].falsePositive && f.falseNegatives[0].truthSame);
        const eval::ExportedPair &p = f.falseNegatives[0];
        QCOMPARE(p.folder, f.dir + "/false_negatives/pair_001_sim0.100");
        QCOMPARE(p.image1, p.folder + "/img1_a.jpg");
        QCOMPARE(p.image2, p.folder + "/img2_b.jpg");
        QCOMPARE(p.comparison, p.folder + "/comparison.png");
        QCOMPARE(p.infoFile, p.folder + "/info.txt");
        QCOMPARE(eval::readInfo(p), QStringLiteral("pair id: 3\n"));
        QCOMPARE(p.sourcePath1, QStringLiteral("/photos/a.jpg"));
        QCOMPARE(p.split, QStringLiteral("test"));
    }

    // A listed pair folder that is gone, or lacks files, is a problem reported beside the rest.
    void missingPairFilesAreProblemsNotFailures()
    {
        QTemporaryDir tmp;
        const QString out = tmp.filePath("errors");
        writePairFolder(out + "/false_positives/pair_001_sim0.810", 1);
        QFile::remove(out + "/false_positives/pair_001_sim0.810/img2_b.jpg");
        const QJsonObject summary{
            {"false_positive_count", 3},
            {"false_positives", QJsonArray{entry("false_positives/pair_001_sim0.810", 11, 0.81, "different"),
                                           entry("false_positives/pair_002_sim0.700", 12, 0.70, "different")}},
            {"false_negatives", QJsonArray{}}};
        test::writeText(out + "/summary.json", QJsonDocument(summary).toJson());
        const eval::ErrorFolder f = eval::readErrorFolder(out);
        QCOMPARE(f.falsePositives.size(), 2);
        QVERIFY(f.falsePositives[1].image1.isEmpty());
        QVERIFY(eval::readInfo(f.falsePositives[1]).isEmpty());
        QCOMPARE(f.problems.size(), 3);
        QVERIFY(f.problems.join('\n').contains("pair_001_sim0.810 lacks img2_*"));
        QVERIFY(f.problems.join('\n').contains("pair_002_sim0.700 is listed in summary.json but missing"));
        QVERIFY(f.problems.join('\n').contains("false_positive_count = 3 but lists 2"));
    }

    void badFoldersNameTheFolderAndTheProblem_data()
    {
        QTest::addColumn<QString>("setup");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << "missing" << "does not exist";
        QTest::newRow("a file") << "file" << "not a folder";
        QTest::newRow("empty") << "empty" << "the folder is empty";
        QTest::newRow("no summary") << "nosummary" << "no summary.json";
        QTest::newRow("malformed json") << "malformed" << "summary.json is not valid JSON";
        QTest::newRow("json array") << "array" << "not a JSON object";
        QTest::newRow("other json") << "other" << "no false_positives / false_negatives lists";
    }

    void badFoldersNameTheFolderAndTheProblem()
    {
        QFETCH(QString, setup);
        QFETCH(QString, expected);
        QTemporaryDir tmp;
        const QString dir = tmp.filePath("chosen");
        if (setup == "file")
            test::writeText(dir, "x");
        else if (setup != "missing")
            QDir().mkpath(dir);
        if (setup == "nosummary")
            test::writeText(dir + "/holiday.jpg", "x");
        if (setup == "malformed")
            test::writeText(dir + "/summary.json", "{\"false_positives\": [");
        if (setup == "array")
            test::writeText(dir + "/summary.json", "[]");
        if (setup == "other")
            test::writeText(dir + "/summary.json", "{\"name\": \"something else\"}");
        const QString msg = readError(dir);
        QVERIFY2(msg.contains(expected), qPrintable(msg));
        QVERIFY2(msg.contains(QFileInfo(dir).absoluteFilePath()), qPrintable(msg));
    }
};

QTEST_GUILESS_MAIN(EvalErrorFolderTest)
#include "test_eval_errorfolder.moc"

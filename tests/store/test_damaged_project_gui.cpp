// The GUI on a project whose pairs table has a damaged page: it must tell the user (a message
// naming the file) and keep running, never abort. Starts the real facelab binary on a damaged
// copy, offscreen, and checks it is alive after a few seconds or ended by itself without a signal.
#include "store/Connection.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"

#include <QDirIterator>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace facelab::store;

class DamagedProjectGuiTest : public QObject
{
    Q_OBJECT
private slots:
    void guiSurvivesADamagedPairsTable();
};

void DamagedProjectGuiTest::guiSurvivesADamagedPairsTable()
{
    QTemporaryDir dir;
    QTemporaryDir home;   // its own settings: no recent projects of the user's
    const QString db = QDir(dir.path()).filePath(QString::fromLatin1(ProjectStore::kDbFileName));
    int rootPage = 0, pageSize = 0;
    {
        const ProjectStore st = ProjectStore::open(dir.path(), true);
        ImageTable t(st);
        // Real face crops (one folder per person), as an import would record them.
        const QString faces = QStringLiteral("/work/shared/data/faces112");
        const qint64 root = t.ensureRoot(faces, "identities");
        QVector<qint64> ids;
        QDirIterator it(faces, {QStringLiteral("*.png"), QStringLiteral("*.jpg")}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext() && ids.size() < 300) {
            const QFileInfo fi(it.next());
            const QString person = fi.dir().dirName();
            ids << t.insert(root, {person + QLatin1Char('/') + fi.fileName(), QStringLiteral("sha%1").arg(ids.size()),
                                   fi.size(), 112, 112, t.ensureIdentity(person)})
                       .first;
        }
        if (ids.size() < 100)
            QSKIP("the face crops in /work/shared/data/faces112 are missing");
        PairTable pairs(st);
        for (int i = 0; i + 1 < ids.size(); ++i)
            pairs.insert({ids[i], ids[i + 1], std::nullopt, "generated", "train"});
        QSqlQuery q(st.db());
        QVERIFY(q.exec("SELECT rootpage FROM sqlite_master WHERE name = 'pairs'") && q.next());
        rootPage = q.value(0).toInt();
        QVERIFY(q.exec("PRAGMA page_size") && q.next());
        pageSize = q.value(0).toInt();
    }
    closeThreadConnection(db);
    QFile f(db);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek(qint64(rootPage - 1) * pageSize));
    QCOMPARE(f.write(QByteArray(pageSize, char(0xA5))), qint64(pageSize));
    f.close();

    QProcess gui;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.path());
    gui.setProcessEnvironment(env);
    gui.setProcessChannelMode(QProcess::MergedChannels);
    gui.start(QStringLiteral(FACELAB_BINARY), {dir.path()});
    QVERIFY2(gui.waitForStarted(10000), qPrintable(gui.errorString()));
    // Loading the annotate view reads the pairs table at once; an abort comes within this wait.
    const bool ended = gui.waitForFinished(5000);
    const QString output = QString::fromLocal8Bit(gui.readAll());
    if (ended) {
        QVERIFY2(gui.exitStatus() == QProcess::NormalExit, qPrintable(output));
    } else {
        gui.kill();
        gui.waitForFinished(5000);
    }
    // What the user is told names the damaged file.
    QVERIFY2(output.contains(QStringLiteral("malformed")) && output.contains(QFileInfo(db).absoluteFilePath()), qPrintable(output));
}

QTEST_GUILESS_MAIN(DamagedProjectGuiTest)
#include "test_damaged_project_gui.moc"

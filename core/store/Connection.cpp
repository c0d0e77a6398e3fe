#include "Connection.h"

#include "StoreError.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QSet>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QThreadStorage>
#include <QUrl>
#include <unistd.h>

namespace facelab::store {
namespace {

// Process-wide: which files are open read-only (every thread opens them the same way) and which
// project each open driver belongs to (error messages name the project).
struct Registry
{
    QMutex mutex;
    QSet<QString> readOnly;
    QHash<const QSqlDriver *, QString> fileByDriver;
};

Registry &registry()
{
    static Registry r;
    return r;
}

void forgetDriver(const QSqlDatabase &db)
{
    QMutexLocker lock(&registry().mutex);
    registry().fileByDriver.remove(db.driver());
}

// The connection names owned by one thread; removed from QSqlDatabase's registry when the
// thread's storage is destroyed (thread exit), so finished jobs leave no dangling connections.
struct ThreadConnections
{
    QHash<QString, QString> nameByPath;
    ~ThreadConnections()
    {
        for (const QString &name : std::as_const(nameByPath)) {
            forgetDriver(QSqlDatabase::database(name, false));
            QSqlDatabase::database(name, false).close();
            QSqlDatabase::removeDatabase(name);
        }
    }
};

QThreadStorage<ThreadConnections *> &storage()
{
    static QThreadStorage<ThreadConnections *> s;
    return s;
}

QString connectionName(const QString &dbPath)
{
    return QStringLiteral("facelab:%1:%2")
        .arg(reinterpret_cast<quintptr>(QThread::currentThreadId()), 0, 16)
        .arg(dbPath);
}

void discard(QSqlDatabase &db, const QString &name)
{
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(name);
}

// access(2) honours read-only mounts and immutable files even for root.
bool writable(const QString &path)
{
    return ::access(QFile::encodeName(path).constData(), W_OK) == 0;
}

// A file SQLite could write: the file itself and its folder (WAL mode creates -wal and -shm there).
bool looksWritable(const QString &dbPath)
{
    const QString dir = QFileInfo(dbPath).absolutePath();
    return writable(dir) && (!QFileInfo::exists(dbPath) || writable(dbPath));
}

// Opens dbPath read-write in WAL mode; returns the reason when that fails.
QString openReadWrite(QSqlDatabase &db, const QString &dbPath)
{
    db.setDatabaseName(dbPath);
    // Another thread's write transaction may hold the lock briefly; wait instead of failing.
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open())
        return QStringLiteral("cannot open %1: %2").arg(dbPath, db.lastError().text());
    // WAL: readers never block the writer; synchronous=NORMAL in WAL mode keeps every committed
    // transaction across a killed process (only an OS crash or power cut can lose the last ones).
    try {
        execRaw(db, QStringLiteral("PRAGMA journal_mode=WAL"), "enable WAL");
        execRaw(db, QStringLiteral("PRAGMA synchronous=NORMAL"), "set synchronous");
        execRaw(db, QStringLiteral("PRAGMA foreign_keys=ON"), "enable foreign keys");
    } catch (const StoreError &e) {
        db.close();
        // Typically "file is not a database": say which file, and leave it untouched.
        return QStringLiteral("%1 is not a readable FaceLab database (%2)").arg(dbPath, QString::fromUtf8(e.what()));
    }
    return {};
}

bool probe(const QSqlDatabase &db)
{
    QSqlQuery q(db);
    return q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) && q.next();
}

// Opens dbPath read-only. A WAL database needs its -shm file, which a read-only folder may lack
// and cannot get: then it is opened as immutable (no locks, no -shm; nobody can write it anyway).
bool openReadOnly(QSqlDatabase &db, const QString &dbPath)
{
    db.setDatabaseName(dbPath);
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"));
    if (db.open() && probe(db))
        return true;
    db.close();
    QUrl uri = QUrl::fromLocalFile(QFileInfo(dbPath).absoluteFilePath());
    uri.setQuery(QStringLiteral("immutable=1"));
    db.setDatabaseName(QString::fromUtf8(uri.toEncoded()));
    db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
    if (db.open() && probe(db))
        return true;
    db.close();
    return false;
}

} // namespace

QSqlDatabase threadConnection(const QString &dbPath)
{
    if (!storage().hasLocalData())
        storage().setLocalData(new ThreadConnections);
    ThreadConnections *mine = storage().localData();
    if (auto it = mine->nameByPath.constFind(dbPath); it != mine->nameByPath.constEnd())
        return QSqlDatabase::database(*it, false);

    const QString name = connectionName(dbPath);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    bool readOnly = QFileInfo::exists(dbPath) && !looksWritable(dbPath);
    if (!readOnly) {
        const QString why = openReadWrite(db, dbPath);
        if (!why.isEmpty()) {
            // Some read-only cases only show when SQLite tries (a file SQLite opened read-only by
            // itself): fall back to reading, or report the first reason.
            if (!QFileInfo::exists(dbPath) || !openReadOnly(db, dbPath)) {
                discard(db, name);
                throw StoreError(why);
            }
            readOnly = true;
        }
    } else if (!openReadOnly(db, dbPath)) {
        const QString why = db.lastError().text();
        discard(db, name);
        throw StoreError(QStringLiteral("%1 is not a readable FaceLab database (read-only: %2)").arg(dbPath, why));
    }
    if (readOnly) {
        QSqlQuery q(db);
        q.exec(QStringLiteral("PRAGMA foreign_keys=ON"));   // harmless when nothing is written
    }
    {
        QMutexLocker lock(&registry().mutex);
        if (readOnly)
            registry().readOnly.insert(dbPath);
        else
            registry().readOnly.remove(dbPath);
        registry().fileByDriver.insert(db.driver(), QFileInfo(dbPath).absoluteFilePath());
    }
    mine->nameByPath.insert(dbPath, name);
    return db;
}

bool isReadOnlyDatabase(const QString &dbPath)
{
    QMutexLocker lock(&registry().mutex);
    return registry().readOnly.contains(dbPath);
}

QString fileOfDriver(const QSqlDriver *driver)
{
    QMutexLocker lock(&registry().mutex);
    return registry().fileByDriver.value(driver);
}

QString projectOfDriver(const QSqlDriver *driver)
{
    const QString file = fileOfDriver(driver);
    return file.isEmpty() ? QStringLiteral("the project") : QFileInfo(file).absolutePath();
}

void closeThreadConnection(const QString &dbPath)
{
    if (!storage().hasLocalData())
        return;
    ThreadConnections *mine = storage().localData();
    const QString name = mine->nameByPath.take(dbPath);
    if (name.isEmpty())
        return;
    forgetDriver(QSqlDatabase::database(name, false));
    QSqlDatabase::database(name, false).close();
    QSqlDatabase::removeDatabase(name);
}

} // namespace facelab::store

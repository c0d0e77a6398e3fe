#include "Connection.h"

#include "StoreError.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QThreadStorage>

namespace facelab::store {
namespace {

// The connection names owned by one thread; removed from QSqlDatabase's registry when the
// thread's storage is destroyed (thread exit), so finished jobs leave no dangling connections.
struct ThreadConnections
{
    QHash<QString, QString> nameByPath;
    ~ThreadConnections()
    {
        for (const QString &name : std::as_const(nameByPath)) {
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
    db.setDatabaseName(dbPath);
    // Another thread's write transaction may hold the lock briefly; wait instead of failing.
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        const QString why = db.lastError().text();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        throw StoreError(QStringLiteral("cannot open %1: %2").arg(dbPath, why));
    }
    // WAL: readers never block the writer; synchronous=NORMAL in WAL mode keeps every committed
    // transaction across a killed process (only an OS crash or power cut can lose the last ones).
    try {
        execRaw(db, QStringLiteral("PRAGMA journal_mode=WAL"), "enable WAL");
        execRaw(db, QStringLiteral("PRAGMA synchronous=NORMAL"), "set synchronous");
        execRaw(db, QStringLiteral("PRAGMA foreign_keys=ON"), "enable foreign keys");
    } catch (const StoreError &e) {
        // Typically "file is not a database": say which file, and leave it untouched.
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        throw StoreError(QStringLiteral("%1 is not a readable FaceLab database (%2)").arg(dbPath, QString::fromUtf8(e.what())));
    }
    mine->nameByPath.insert(dbPath, name);
    return db;
}

void closeThreadConnection(const QString &dbPath)
{
    if (!storage().hasLocalData())
        return;
    ThreadConnections *mine = storage().localData();
    const QString name = mine->nameByPath.take(dbPath);
    if (name.isEmpty())
        return;
    QSqlDatabase::database(name, false).close();
    QSqlDatabase::removeDatabase(name);
}

} // namespace facelab::store

#pragma once
// One QSqlDatabase connection per (project file, thread). A QSqlDatabase may only be used by the
// thread that opened it, so background jobs never share the GUI's connection; connections are
// closed and removed when their thread ends.
#include <QSqlDatabase>
#include <QString>

class QSqlDriver;

namespace facelab::store {

// Returns this thread's open connection to the SQLite file at dbPath, opening it (WAL, foreign
// keys, busy timeout) on first use. A file that cannot be written (read-only folder, file or
// mount) is opened read-only instead: reads work, writes fail with "... is read-only". Throws
// StoreError if the file cannot be opened at all.
QSqlDatabase threadConnection(const QString &dbPath);

// True when the latest connection this process opened to dbPath is read-only.
bool isReadOnlyDatabase(const QString &dbPath);

// The database file and the project folder a connection's driver belongs to, for error messages
// ("" and "the project" when unknown).
QString fileOfDriver(const QSqlDriver *driver);
QString projectOfDriver(const QSqlDriver *driver);

// Closes every connection of the calling thread to dbPath (used before deleting/moving a project).
void closeThreadConnection(const QString &dbPath);

} // namespace facelab::store

#pragma once
// One QSqlDatabase connection per (project file, thread). A QSqlDatabase may only be used by the
// thread that opened it, so background jobs never share the GUI's connection; connections are
// closed and removed when their thread ends.
#include <QSqlDatabase>
#include <QString>

namespace facelab::store {

// Returns this thread's open connection to the SQLite file at dbPath, opening it (WAL, foreign
// keys, busy timeout) on first use. Throws StoreError if the file cannot be opened.
QSqlDatabase threadConnection(const QString &dbPath);

// Closes every connection of the calling thread to dbPath (used before deleting/moving a project).
void closeThreadConnection(const QString &dbPath);

} // namespace facelab::store

#pragma once
#include <QSqlDatabase>
#include <QStringList>

namespace facelab::store {

// The schema as an ordered list of forward migrations; PRAGMA user_version records how many
// have been applied. Never edit a released step: append a new one.
int latestSchemaVersion();
// SQL statements of step `version` (1-based), e.g. to build an old database in a test.
QStringList migrationStatements(int version);
// Applies every missing step, each in its own transaction. Throws StoreError; refuses a database
// written by a newer FaceLab (user_version above latestSchemaVersion()).
void migrate(QSqlDatabase db);
int schemaVersion(QSqlDatabase db);

} // namespace facelab::store

#pragma once
#include <optional>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <stdexcept>

namespace facelab::store {

// Thrown for any database failure; what() names the statement's purpose and SQLite's reason.
// kind() sorts the failures a caller reacts to differently (a read-only project, a full disk,
// a damaged file) from the rest.
class StoreError : public std::runtime_error
{
public:
    enum class Kind { Other, ReadOnly, DiskFull, Damaged };
    explicit StoreError(const QString &message, Kind kind = Kind::Other, QString file = {})
        : std::runtime_error(message.toStdString()), m_kind(kind), m_file(std::move(file))
    {
    }
    Kind kind() const { return m_kind; }
    // The database file the failed statement ran on, when known.
    QString file() const { return m_file; }

private:
    Kind m_kind;
    QString m_file;
};

// The kind of a failed statement's error (SQLite's primary result code).
StoreError::Kind errorKind(const QSqlError &error);

// Prepares sql on q or throws; every statement in the store goes through this (bound values only).
void prepare(QSqlQuery &q, const QString &sql);
// Executes a prepared query or throws StoreError naming what was being done; a write refused
// because the project is read-only reads "<project> is read-only: <what>".
void exec(QSqlQuery &q, const char *what);
// Executes a one-off statement without parameters (schema, pragmas) or throws.
void execRaw(const QSqlDatabase &db, const QString &sql, const char *what);

// RAII transaction: rolls back unless commit() was called.
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db);
    ~Transaction();
    void commit();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

private:
    QSqlDatabase m_db;
    bool m_done = false;
};

// A long write (an import) as a run of short transactions: one is open from construction, and
// every `every`-th step() commits it and opens the next, so the GUI's verdicts never wait long
// behind SQLite's write lock. commit() commits the last; without it the open one rolls back.
class ChunkedTransaction
{
public:
    explicit ChunkedTransaction(QSqlDatabase db, int every = 256);
    void step();     // after each write
    void commit();

private:
    QSqlDatabase m_db;
    int m_every;
    int m_writes = 0;
    std::optional<Transaction> m_tx;
};

} // namespace facelab::store

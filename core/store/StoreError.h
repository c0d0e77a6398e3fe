#pragma once
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <stdexcept>

namespace facelab::store {

// Thrown for any database failure; what() names the statement's purpose and SQLite's reason.
class StoreError : public std::runtime_error
{
public:
    explicit StoreError(const QString &message) : std::runtime_error(message.toStdString()) {}
};

// Prepares sql on q or throws; every statement in the store goes through this (bound values only).
void prepare(QSqlQuery &q, const QString &sql);
// Executes a prepared query or throws StoreError naming what was being done.
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

} // namespace facelab::store

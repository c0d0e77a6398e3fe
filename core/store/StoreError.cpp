#include "StoreError.h"

namespace facelab::store {

void prepare(QSqlQuery &q, const QString &sql)
{
    if (!q.prepare(sql))
        throw StoreError(QStringLiteral("cannot prepare statement (%1): %2")
                             .arg(sql.simplified().left(80), q.lastError().text()));
}

void exec(QSqlQuery &q, const char *what)
{
    if (!q.exec())
        throw StoreError(QStringLiteral("%1 failed: %2").arg(QString::fromUtf8(what), q.lastError().text()));
}

void execRaw(const QSqlDatabase &db, const QString &sql, const char *what)
{
    QSqlQuery q(db);
    if (!q.exec(sql))
        throw StoreError(QStringLiteral("%1 failed: %2").arg(QString::fromUtf8(what), q.lastError().text()));
}

Transaction::Transaction(QSqlDatabase db) : m_db(std::move(db))
{
    if (!m_db.transaction())
        throw StoreError(QStringLiteral("cannot begin transaction: %1").arg(m_db.lastError().text()));
}

Transaction::~Transaction()
{
    if (!m_done)
        m_db.rollback();
}

void Transaction::commit()
{
    if (!m_db.commit())
        throw StoreError(QStringLiteral("commit failed: %1").arg(m_db.lastError().text()));
    m_done = true;
}

} // namespace facelab::store

#include "StoreError.h"

#include "Connection.h"

#include <QSqlDriver>

namespace facelab::store {
namespace {

// SQLite primary result codes (the low byte of an extended code).
constexpr int kSqliteCorrupt = 11;
constexpr int kSqliteFull = 13;
constexpr int kSqliteReadOnly = 8;
constexpr int kSqliteNotADb = 26;

StoreError failure(const QSqlDriver *driver, const QSqlError &error, const char *what)
{
    const StoreError::Kind kind = errorKind(error);
    const QString file = fileOfDriver(driver);
    if (kind == StoreError::Kind::ReadOnly)
        return StoreError(QStringLiteral("%1 is read-only: %2").arg(projectOfDriver(driver), QString::fromUtf8(what)),
                          kind, file);
    QString message = QStringLiteral("%1 failed: %2").arg(QString::fromUtf8(what), error.text());
    // A damaged file is a problem of that file, not of the statement: name it.
    if (kind == StoreError::Kind::Damaged && !file.isEmpty())
        message += QStringLiteral(" (%1)").arg(file);
    return StoreError(message, kind, file);
}

} // namespace

StoreError::Kind errorKind(const QSqlError &error)
{
    bool ok = false;
    const int code = error.nativeErrorCode().toInt(&ok) & 0xff;
    if (!ok)
        return StoreError::Kind::Other;
    switch (code) {
    case kSqliteReadOnly: return StoreError::Kind::ReadOnly;
    case kSqliteFull: return StoreError::Kind::DiskFull;
    case kSqliteCorrupt:
    case kSqliteNotADb: return StoreError::Kind::Damaged;
    default: return StoreError::Kind::Other;
    }
}

void prepare(QSqlQuery &q, const QString &sql)
{
    if (!q.prepare(sql))
        throw StoreError(QStringLiteral("cannot prepare statement (%1): %2")
                             .arg(sql.simplified().left(80), q.lastError().text()),
                         errorKind(q.lastError()));
}

void exec(QSqlQuery &q, const char *what)
{
    if (!q.exec())
        throw failure(q.driver(), q.lastError(), what);
}

void execRaw(const QSqlDatabase &db, const QString &sql, const char *what)
{
    QSqlQuery q(db);
    if (!q.exec(sql))
        throw failure(q.driver(), q.lastError(), what);
}

Transaction::Transaction(QSqlDatabase db) : m_db(std::move(db))
{
    if (!m_db.transaction())
        throw StoreError(QStringLiteral("cannot begin transaction: %1").arg(m_db.lastError().text()),
                         errorKind(m_db.lastError()));
}

Transaction::~Transaction()
{
    // A COMMIT that failed (disk full) leaves SQLite's transaction open: rolling it back here is
    // what lets the next statement on this connection read and write again.
    if (!m_done)
        m_db.rollback();
}

void Transaction::commit()
{
    if (!m_db.commit()) {
        const QSqlError e = m_db.lastError();
        if (errorKind(e) == StoreError::Kind::ReadOnly)
            throw StoreError(QStringLiteral("%1 is read-only: commit").arg(projectOfDriver(m_db.driver())),
                             StoreError::Kind::ReadOnly);
        throw StoreError(QStringLiteral("commit failed: %1").arg(e.text()), errorKind(e));
    }
    m_done = true;
}

ChunkedTransaction::ChunkedTransaction(QSqlDatabase db, int every) : m_db(std::move(db)), m_every(every)
{
    m_tx.emplace(m_db);
}

void ChunkedTransaction::step()
{
    if (++m_writes % m_every != 0)
        return;
    m_tx->commit();
    m_tx.emplace(m_db);
}

void ChunkedTransaction::commit()
{
    m_tx->commit();
}

} // namespace facelab::store

#include "ProjectStore.h"

#include "Connection.h"
#include "RunTable.h"
#include "Schema.h"
#include "StoreError.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

bool ProjectStore::exists(const QString &folder)
{
    return QFileInfo::exists(QDir(folder).filePath(QString::fromLatin1(kDbFileName)));
}

ProjectStore ProjectStore::open(const QString &folder, bool create)
{
    if (folder.isEmpty())
        throw StoreError(QStringLiteral("no project folder given"));
    const QFileInfo fi(folder);
    if (fi.exists() && !fi.isDir())
        throw StoreError(QStringLiteral("%1 is a file, not a project folder").arg(folder));
    const QString abs = fi.absoluteFilePath();
    const QString dbPath = QDir(abs).filePath(QString::fromLatin1(kDbFileName));
    if (!QFileInfo::exists(dbPath)) {
        if (!create)
            throw StoreError(QStringLiteral("%1 is not a FaceLab project (no %2); create it with "
                                            "'facelab init %1'")
                                 .arg(folder, QString::fromLatin1(kDbFileName)));
        if (!QDir().mkpath(abs))
            throw StoreError(QStringLiteral("cannot create project folder %1").arg(folder));
    }
    ProjectStore s(abs, dbPath);
    QSqlDatabase db = s.db();
    if (s.isReadOnly() && schemaVersion(db) < latestSchemaVersion())
        throw StoreError(QStringLiteral("%1 is read-only and was made by an older FaceLab (schema %2; this FaceLab "
                                        "reads %3): open it once where it can be written, or open a copy")
                             .arg(folder)
                             .arg(schemaVersion(db))
                             .arg(latestSchemaVersion()),
                         StoreError::Kind::ReadOnly, dbPath);
    try {
        migrate(db);
    } catch (const StoreError &e) {
        throw StoreError(QStringLiteral("%1: %2").arg(dbPath, QString::fromUtf8(e.what())));
    }
    if (s.isReadOnly())
        return s;
    try {
        s.m_interrupted = RunTable(s).markRunningAsInterrupted();
    } catch (const StoreError &e) {
        // A full disk (or a file that turned read-only) must not stop the project from being read;
        // the runs are marked on a later open.
        if (e.kind() != StoreError::Kind::DiskFull && e.kind() != StoreError::Kind::ReadOnly)
            throw;
    }
    s.ensureReserve();
    return s;
}

bool ProjectStore::isReadOnly() const
{
    db();   // the connection decides
    return isReadOnlyDatabase(m_dbPath);
}

void ProjectStore::ensureReserve() const
{
    constexpr qint64 kReserveBytes = 256 * 1024;
    const QString path = QDir(m_folder).filePath(QString::fromLatin1(kReserveFileName));
    if (QFileInfo(path).size() == kReserveBytes)
        return;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return;
    const QByteArray zeros(int(kReserveBytes), '\0');
    const bool ok = f.write(zeros) == kReserveBytes && f.flush();
    f.close();
    if (!ok)
        f.remove();   // no space for it now: try again on a later open
}

bool ProjectStore::releaseReserve() const
{
    return QFile::remove(QDir(m_folder).filePath(QString::fromLatin1(kReserveFileName)));
}

QString ProjectStore::name() const
{
    return QFileInfo(m_folder).fileName();
}

QSqlDatabase ProjectStore::db() const
{
    return threadConnection(m_dbPath);
}

QString ProjectStore::setting(const QString &key, const QString &fallback) const
{
    QSqlQuery q(db());
    prepare(q, QStringLiteral("SELECT value FROM settings WHERE key = ?"));
    q.addBindValue(key);
    exec(q, "read setting");
    return q.next() ? q.value(0).toString() : fallback;
}

void ProjectStore::setSetting(const QString &key, const QString &value) const
{
    QSqlQuery q(db());
    prepare(q, QStringLiteral("INSERT INTO settings(key, value) VALUES(?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    q.addBindValue(key);
    q.addBindValue(value);
    exec(q, "write setting");
}

ProjectStats ProjectStore::stats() const
{
    ProjectStats st;
    QSqlQuery q(db());
    prepare(q, QStringLiteral(
        "SELECT (SELECT count(*) FROM images),"
        "       (SELECT count(*) FROM identities),"
        "       (SELECT count(*) FROM pairs),"
        "       (SELECT count(*) FROM pairs WHERE truth IS NOT NULL)"));
    exec(q, "count project");
    if (q.next()) {
        st.images = q.value(0).toLongLong();
        st.identities = q.value(1).toLongLong();
        st.pairs = q.value(2).toLongLong();
        st.pairsWithTruth = q.value(3).toLongLong();
    }
    // The current verdict of a pair (its newest feedback row that is not undone) is pairs.verdict.
    QSqlQuery v(db());
    prepare(v, QStringLiteral("SELECT verdict, count(*) FROM pairs WHERE verdict IS NOT NULL GROUP BY verdict"));
    exec(v, "count verdicts");
    while (v.next()) {
        const QString verdict = v.value(0).toString();
        const qint64 n = v.value(1).toLongLong();
        if (verdict == QLatin1String("same"))
            st.same = n;
        else if (verdict == QLatin1String("different"))
            st.different = n;
        else
            st.skipped = n;
    }
    st.labelled = st.same + st.different;
    return st;
}

QString verdictName(Verdict v)
{
    switch (v) {
    case Verdict::Same: return QStringLiteral("same");
    case Verdict::Different: return QStringLiteral("different");
    case Verdict::Skip: return QStringLiteral("skip");
    }
    return {};
}

std::optional<Verdict> verdictFromName(const QString &s)
{
    if (s == QLatin1String("same"))
        return Verdict::Same;
    if (s == QLatin1String("different"))
        return Verdict::Different;
    if (s == QLatin1String("skip"))
        return Verdict::Skip;
    return std::nullopt;
}

QString runStatusName(RunStatus s)
{
    switch (s) {
    case RunStatus::Queued: return QStringLiteral("queued");
    case RunStatus::Running: return QStringLiteral("running");
    case RunStatus::Done: return QStringLiteral("done");
    case RunStatus::Failed: return QStringLiteral("failed");
    case RunStatus::Cancelled: return QStringLiteral("cancelled");
    case RunStatus::Interrupted: return QStringLiteral("interrupted");
    }
    return {};
}

} // namespace facelab::store

#pragma once
// A FaceLab project: a folder holding project.sqlite and the files the project writes.
// Images are never copied; the store keeps their paths relative to import roots.
#include "StoreTypes.h"

#include <QSqlDatabase>
#include <QString>
#include <QVector>

namespace facelab::store {

class ProjectStore
{
public:
    static constexpr const char *kDbFileName = "project.sqlite";
    static constexpr const char *kReserveFileName = "project.sqlite-reserve";

    // Opens the project in folder, creating folder and database when create is true; migrates
    // the schema; marks runs left 'running' by a killed process as 'interrupted' (left as they are
    // when the project is read-only or the disk is full: reading goes on). Throws StoreError with a
    // message naming the folder and the reason.
    static ProjectStore open(const QString &folder, bool create = false);
    static bool exists(const QString &folder);

    QString folder() const { return m_folder; }
    QString dbPath() const { return m_dbPath; }
    QString name() const;
    // The calling thread's own connection (see Connection.h).
    QSqlDatabase db() const;

    QString setting(const QString &key, const QString &fallback = {}) const;
    void setSetting(const QString &key, const QString &value) const;

    ProjectStats stats() const;
    // True when the project could only be opened for reading (read-only folder, file or mount):
    // viewing, listing and evaluating work; any write fails with "<project> is read-only: ...".
    bool isReadOnly() const;

    // A few hundred KiB the project keeps on disk for the moment the disk is full: releasing it
    // lets a failed run still record why it failed. Returns whether space was freed. The reserve
    // is made again when the project is next opened with space to spare.
    bool releaseReserve() const;
    // Number of runs turned from running to interrupted when this store was opened.
    int interruptedOnOpen() const { return m_interrupted; }

private:
    void ensureReserve() const;
    ProjectStore(QString folder, QString dbPath) : m_folder(std::move(folder)), m_dbPath(std::move(dbPath)) {}
    QString m_folder;
    QString m_dbPath;
    int m_interrupted = 0;
};

// ISO-8601 UTC with milliseconds; every timestamp in the store uses it.
QString nowIso();

} // namespace facelab::store

#include "RunRecorder.h"

#include "store/RunTable.h"
#include "store/StoreError.h"

#include <QJsonDocument>

namespace facelab::jobs {

RunRecorder::RunRecorder(const store::ProjectStore &store, const QString &kind, const QJsonObject &params)
    : m_store(store)
{
    const QString why = QStringLiteral("this run is not recorded: %1 is read-only").arg(store.folder());
    if (store.isReadOnly()) {
        m_note = why;
        m_finished = true;
        return;
    }
    try {
        m_id = store::RunTable(store).start(kind, QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact)));
    } catch (const store::StoreError &e) {
        // A file that turned read-only after the open: the work can still read, so let it run.
        if (e.kind() != store::StoreError::Kind::ReadOnly)
            throw;
        m_note = why;
        m_finished = true;
    }
}

RunRecorder::~RunRecorder()
{
    if (m_finished)
        return;
    try {
        finish(store::RunStatus::Failed, QStringLiteral("the work ended without recording an outcome"));
    } catch (...) {
        // A destructor must not throw; the next open marks a run left 'running' as interrupted.
    }
}

void RunRecorder::log(const QString &text) const
{
    if (!text.isEmpty() && recorded())
        store::RunTable(m_store).appendLog(m_id, text);
}

void RunRecorder::metric(qint64 modelVersionId, const QString &name, double value) const
{
    if (recorded())
        store::RunTable(m_store).addMetric(m_id, modelVersionId, name, value);
}

void RunRecorder::finish(store::RunStatus status, const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    const store::RunTable runs(m_store);
    const QString line = error.isEmpty() ? QString() : QStringLiteral("error: ") + error;
    try {
        runs.finish(m_id, status, line);
    } catch (const store::StoreError &e) {
        // Out of space: give back the reserve the project keeps for this moment and try once more.
        if (e.kind() != store::StoreError::Kind::DiskFull || !m_store.releaseReserve())
            throw;
        runs.finish(m_id, status, line);
    }
}

store::RunStatus runStatusOf(JobStatus finalStatus)
{
    switch (finalStatus) {
    case JobStatus::Done: return store::RunStatus::Done;
    case JobStatus::Cancelled: return store::RunStatus::Cancelled;
    case JobStatus::Queued: return store::RunStatus::Queued;
    case JobStatus::Waiting: return store::RunStatus::Queued;
    case JobStatus::Running: return store::RunStatus::Running;
    case JobStatus::Failed: break;
    }
    return store::RunStatus::Failed;
}

QString failureReason(const std::exception &e)
{
    const QString text = QString::fromUtf8(e.what());
    const auto *se = dynamic_cast<const store::StoreError *>(&e);
    const bool full = (se && se->kind() == store::StoreError::Kind::DiskFull) ||
                      text.contains(QLatin1String("No space left on device")) ||
                      text.contains(QLatin1String("database or disk is full"));
    if (full && !text.startsWith(QLatin1String("disk full")))
        return QStringLiteral("disk full: ") + text;
    return text;
}

} // namespace facelab::jobs

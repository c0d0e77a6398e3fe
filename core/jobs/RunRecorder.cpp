#include "RunRecorder.h"

#include "store/RunTable.h"

#include <QJsonDocument>

namespace facelab::jobs {

RunRecorder::RunRecorder(const store::ProjectStore &store, const QString &kind, const QJsonObject &params)
    : m_store(store)
{
    m_id = store::RunTable(store).start(kind, QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact)));
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
    if (!text.isEmpty())
        store::RunTable(m_store).appendLog(m_id, text);
}

void RunRecorder::metric(qint64 modelVersionId, const QString &name, double value) const
{
    store::RunTable(m_store).addMetric(m_id, modelVersionId, name, value);
}

void RunRecorder::finish(store::RunStatus status, const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    const store::RunTable runs(m_store);
    if (!error.isEmpty())
        runs.appendLog(m_id, QStringLiteral("error: ") + error);
    runs.setStatus(m_id, status);
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

} // namespace facelab::jobs

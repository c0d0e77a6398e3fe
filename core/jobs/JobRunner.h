#pragma once
// Runs one piece of work on a worker thread as a recorded run (QGIS QgsTask-like contract):
// the work polls isCanceled() and reports progress; progress and finished() are delivered on the
// thread that owns the JobRunner (the GUI thread), so slots may touch widgets. The run's row in
// the runs table goes running -> done / failed / cancelled; a killed process leaves 'running',
// which the next open turns into 'interrupted'.
#include "JobContext.h"

#include <QFuture>
#include <QObject>
#include <QVariant>
#include <functional>

namespace facelab::jobs {

class JobRunner : public QObject
{
    Q_OBJECT
public:
    using Work = std::function<QVariant(JobContext &)>;

    // projectFolder: the project whose runs table records this job ("" for no record).
    JobRunner(QString projectFolder, QString kind, QString paramsJson, Work work, QObject *parent = nullptr);
    ~JobRunner() override;   // cancels and waits: a job never outlives its owner

    void start();
    void cancel();
    bool isRunning() const;
    QString kind() const { return m_kind; }
    qint64 runId() const { return m_runId; }
    QString status() const { return m_status; }   // running / done / failed / cancelled
    QString error() const { return m_error; }
    QVariant result() const { return m_result; }
    qint64 elapsedMs() const;

signals:
    void progress(qint64 done, qint64 total, const QString &what);
    void logLine(const QString &line);
    void finished();

private:
    class Context;
    void onWorkFinished();

    QString m_folder, m_kind, m_params;
    Work m_work;
    qint64 m_runId = 0;
    QString m_status = QStringLiteral("queued");
    QString m_error;
    QVariant m_result;
    qint64 m_startMs = 0, m_endMs = 0;
    std::atomic<bool> m_cancel{false};
    QFuture<void> m_future;
};

} // namespace facelab::jobs

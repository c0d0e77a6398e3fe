#include "JobRunner.h"

#include "store/RunTable.h"

#include <QDateTime>
#include <QFutureWatcher>
#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

namespace facelab::jobs {

// Lives on the worker thread; forwards progress to the runner's thread through queued signals
// and mirrors the log into the run record.
class JobRunner::Context : public JobContext
{
public:
    Context(JobRunner *r, std::atomic<bool> *cancel) : m_runner(r), m_cancel(cancel) {}
    bool isCanceled() const override { return m_cancel->load(); }
    void setProgress(qint64 done, qint64 total, const QString &what) override
    {
        // Throttle to ~20 updates a second so a fast loop does not flood the GUI's event queue.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (done < total && now - m_lastEmit < 50)
            return;
        m_lastEmit = now;
        QMetaObject::invokeMethod(m_runner, [r = m_runner, done, total, what] { emit r->progress(done, total, what); },
                                  Qt::QueuedConnection);
    }
    void log(const QString &line) override
    {
        m_log += line + QLatin1Char('\n');
        QMetaObject::invokeMethod(m_runner, [r = m_runner, line] { emit r->logLine(line); }, Qt::QueuedConnection);
    }
    QString m_log;

private:
    JobRunner *m_runner;
    std::atomic<bool> *m_cancel;
    qint64 m_lastEmit = 0;
};

JobRunner::JobRunner(QString projectFolder, QString kind, QString paramsJson, Work work, QObject *parent)
    : QObject(parent), m_folder(std::move(projectFolder)), m_kind(std::move(kind)), m_params(std::move(paramsJson)),
      m_work(std::move(work))
{
}

JobRunner::~JobRunner()
{
    cancel();
    m_future.waitForFinished();
}

void JobRunner::start()
{
    m_startMs = QDateTime::currentMSecsSinceEpoch();
    m_status = QStringLiteral("running");
    m_future = QtConcurrent::run([this] {
        Context ctx(this, &m_cancel);
        std::unique_ptr<store::ProjectStore> st;
        QString status = QStringLiteral("done"), error;
        QVariant result;
        try {
            if (!m_folder.isEmpty()) {
                st = std::make_unique<store::ProjectStore>(store::ProjectStore::open(m_folder));
                m_runId = store::RunTable(*st).start(m_kind, m_params);
            }
            result = m_work(ctx);
        } catch (const Cancelled &) {
            status = QStringLiteral("cancelled");
        } catch (const std::exception &e) {
            status = QStringLiteral("failed");
            error = QString::fromUtf8(e.what());
        }
        if (st && m_runId > 0) {
            try {
                store::RunTable runs(*st);
                const QString tail = error.isEmpty() ? QString() : QStringLiteral("error: ") + error + QLatin1Char('\n');
                if (!ctx.m_log.isEmpty() || !tail.isEmpty())
                    runs.appendLog(m_runId, ctx.m_log + tail);
                runs.setStatus(m_runId, status == QLatin1String("done")        ? store::RunStatus::Done
                                        : status == QLatin1String("cancelled") ? store::RunStatus::Cancelled
                                                                               : store::RunStatus::Failed);
            } catch (const std::exception &e) {
                if (error.isEmpty())
                    error = QString::fromUtf8(e.what());
            }
        }
        QMetaObject::invokeMethod(this, [this, status, error, result] {
            m_status = status;
            m_error = error;
            m_result = result;
            onWorkFinished();
        }, Qt::QueuedConnection);
    });
}

void JobRunner::onWorkFinished()
{
    m_endMs = QDateTime::currentMSecsSinceEpoch();
    emit finished();
}

void JobRunner::cancel()
{
    m_cancel.store(true);
}

bool JobRunner::isRunning() const
{
    return m_status == QLatin1String("running");
}

qint64 JobRunner::elapsedMs() const
{
    if (m_startMs == 0)
        return 0;
    return (m_endMs ? m_endMs : QDateTime::currentMSecsSinceEpoch()) - m_startMs;
}

} // namespace facelab::jobs

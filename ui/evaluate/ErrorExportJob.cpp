#include "ui/evaluate/ErrorExportJob.h"

#include "eval/ErrorExport.h"
#include "eval/EvalRun.h"
#include "jobs/JobQueue.h"
#include "ui/UiText.h"
#include "ui/widgets/NotificationBar.h"

#include <QDesktopServices>
#include <QPointer>
#include <QUrl>
#include <algorithm>
#include <memory>

namespace facelab::ui {

ErrorExportJob::ErrorExportJob(jobs::JobQueue *jobs, NotificationBar *notify, QObject *parent)
    : QObject(parent), m_jobs(jobs), m_notify(notify)
{
}

jobs::Job *ErrorExportJob::start(const store::ProjectStore &st, const eval::EvalPairs &pairs, double threshold,
                                       const QString &outDir)
{
    if (m_running || !m_jobs)
        return nullptr;
    const QJsonObject params{{"version", pairs.version.name}, {"out", outDir}, {"threshold", threshold},
                             {"truth", eval::truthSourceName(pairs.source)}};
    m_running = true;
    emit runningChanged(true);
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::ErrorExport, tr("Exporting error folders to %1").arg(shortPathName(outDir)), params,
                      {}, st.folder()},
        [st, pairs, threshold, outDir](jobs::JobContext &ctx) {
            ctx.setProgress(0, 0, tr("evaluating"));
            eval::EvalOptions o;
            o.threshold = threshold;
            o.folds = int(std::min<std::size_t>(10, std::max<std::size_t>(2, pairs.size())));
            return eval::exportErrors(st, pairs, eval::evaluatePairs(pairs, o), outDir, ctx);
        },
        [self = QPointer<ErrorExportJob>(this), outDir](jobs::Job &job) {
            if (self)
                self->finish(job, outDir);
        });
}

void ErrorExportJob::finish(const jobs::Job &job, const QString &outDir)
{
    m_running = false;
    emit runningChanged(false);
    const eval::ErrorExportReport *report = job.result<eval::ErrorExportReport>();
    if (job.status() == jobs::JobStatus::Done && report) {
        const int fp = int(report->errors.falsePositives.size()), fn = int(report->errors.falseNegatives.size());
        const QString dir = report->outDir;
        if (m_notify)
            m_notify->showMessage(NotificationBar::Kind::Success,
                                  tr("Exported %1 false positives and %2 false negatives to %3.").arg(fp).arg(fn).arg(dir),
                                  tr("Open folder"),
                                  [dir] { QDesktopServices::openUrl(QUrl::fromLocalFile(dir)); }, 30000);
        emit exported(dir, fp, fn);
        return;
    }
    const bool cancelled = job.status() == jobs::JobStatus::Cancelled;
    const QString message = cancelled ? tr("Error export cancelled; %1 was left as it was.").arg(outDir)
                                      : tr("Error export failed: %1").arg(job.error());
    if (m_notify)
        m_notify->showMessage(cancelled ? NotificationBar::Kind::Info : NotificationBar::Kind::Error, message, {}, {},
                              cancelled ? 10000 : 0);
    emit failed(message);
}

} // namespace facelab::ui

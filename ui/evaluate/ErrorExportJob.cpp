#include "ui/evaluate/ErrorExportJob.h"

#include "eval/ErrorExport.h"
#include "eval/EvalRun.h"
#include "ui/UiText.h"
#include "ui/jobs/RunningJobs.h"
#include "ui/widgets/NotificationBar.h"

#include <QDesktopServices>
#include <QPointer>
#include <QUrl>
#include <algorithm>
#include <memory>

namespace facelab::ui {

ErrorExportJob::ErrorExportJob(RunningJobs *jobs, NotificationBar *notify, QObject *parent)
    : QObject(parent), m_jobs(jobs), m_notify(notify)
{
}

jobs::JobRunner *ErrorExportJob::start(const store::ProjectStore &st, const eval::EvalPairs &pairs, double threshold,
                                       const QString &outDir)
{
    if (m_running || !m_jobs)
        return nullptr;
    const QJsonObject params{{"version", pairs.version.name}, {"out", outDir}, {"threshold", threshold},
                             {"truth", eval::truthSourceName(pairs.source)}};
    auto report = std::make_shared<eval::ErrorExportReport>();
    m_running = true;
    emit runningChanged(true);
    return m_jobs->start(
        st.folder(), QStringLiteral("errors"), tr("Exporting error folders to %1").arg(shortPathName(outDir)),
        compactJson(params),
        [st, pairs, threshold, outDir, report](jobs::JobContext &ctx) -> QVariant {
            ctx.setProgress(0, 0, tr("evaluating"));
            eval::EvalOptions o;
            o.threshold = threshold;
            o.folds = int(std::min<std::size_t>(10, std::max<std::size_t>(2, pairs.size())));
            *report = eval::exportErrors(st, pairs, eval::evaluatePairs(pairs, o), outDir, ctx);
            return report->outDir;
        },
        [self = QPointer<ErrorExportJob>(this), report, outDir](jobs::JobRunner &r) {
            if (self)
                self->finish(r, *report, outDir);
        });
}

void ErrorExportJob::finish(const jobs::JobRunner &r, const eval::ErrorExportReport &report, const QString &outDir)
{
    m_running = false;
    emit runningChanged(false);
    if (r.status() == QLatin1String("done")) {
        const int fp = int(report.errors.falsePositives.size()), fn = int(report.errors.falseNegatives.size());
        const QString dir = report.outDir;
        if (m_notify)
            m_notify->showMessage(NotificationBar::Kind::Success,
                                  tr("Exported %1 false positives and %2 false negatives to %3.").arg(fp).arg(fn).arg(dir),
                                  tr("Open folder"),
                                  [dir] { QDesktopServices::openUrl(QUrl::fromLocalFile(dir)); }, 30000);
        emit exported(dir, fp, fn);
        return;
    }
    const bool cancelled = r.status() == QLatin1String("cancelled");
    const QString message = cancelled ? tr("Error export cancelled; %1 was left as it was.").arg(outDir)
                                      : tr("Error export failed: %1").arg(r.error());
    if (m_notify)
        m_notify->showMessage(cancelled ? NotificationBar::Kind::Info : NotificationBar::Kind::Error, message, {}, {},
                              cancelled ? 10000 : 0);
    emit failed(message);
}

} // namespace facelab::ui

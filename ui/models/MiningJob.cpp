#include "ui/models/MiningJob.h"

#include "queue/PairMining.h"

#include <QCoreApplication>
#include <stdexcept>

namespace facelab::ui {

jobs::Job *queueMining(jobs::JobQueue &queue, const store::ProjectStore &store, const QString &versionName,
                       std::shared_ptr<const qint64> versionId, jobs::Job *after, jobs::JobQueue::OnDone onDone)
{
    const store::ProjectStore st = store;
    return queue.start(
        jobs::JobSpec{jobs::JobKind::MinePairs,
                      QCoreApplication::translate("facelab::ui::MiningJob", "Mine hard pairs for %1").arg(versionName),
                      {{QStringLiteral("model"), versionName}}, QString(), st.folder()},
        [st, versionId, versionName](jobs::JobContext &ctx) {
            if (!versionId || *versionId <= 0)
                throw std::runtime_error(QStringLiteral("version %1 was not made").arg(versionName).toStdString());
            ctx.setProgress(0, 0, QStringLiteral("searching the nearest neighbours under %1").arg(versionName));
            const queue::MiningReport r = queue::minePairs(st, *versionId);
            ctx.log(QStringLiteral("mined %1 hard negatives and %2 hard positives with %3 (%4, %5 images, %6 s)")
                        .arg(r.negativesAdded)
                        .arg(r.positivesAdded)
                        .arg(r.version, r.backend)
                        .arg(r.images)
                        .arg(r.seconds, 0, 'f', 2));
            for (const QString &n : r.notes)
                ctx.log(QStringLiteral("note: ") + n);
            return r;
        },
        std::move(onDone), {after});
}

QString miningSummary(const jobs::Job &job, const QString &versionName)
{
    const auto tr = [](const char *s) { return QCoreApplication::translate("facelab::ui::MiningJob", s); };
    const queue::MiningReport *r = job.result<queue::MiningReport>();
    if (job.status() == jobs::JobStatus::Done && r) {
        const int added = r->negativesAdded + r->positivesAdded;
        if (added == 0)
            return tr("No new hard pairs for %1: %2").arg(versionName, r->notes.join(QStringLiteral("; ")));
        return tr("%1 hard pairs mined for %2 (%3 pairs of two people it finds alike, %4 pairs of one person it finds "
                  "unlike): they come first in Annotate.")
            .arg(added)
            .arg(versionName)
            .arg(r->negativesAdded)
            .arg(r->positivesAdded);
    }
    if (job.status() == jobs::JobStatus::Failed)
        return tr("Mining hard pairs for %1 failed: %2").arg(versionName, job.error());
    return tr("Mining hard pairs for %1 did not run: %2")
        .arg(versionName, job.error().isEmpty() ? tr("cancelled") : job.error());
}

} // namespace facelab::ui

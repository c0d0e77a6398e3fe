#include "FineTuneWorker.h"

#include "FineTuneJob.h"
#include "TrainingSnapshotFile.h"
#include "parallel/DataParallel.h"
#include "embedding/VersionModel.h"
#include "eval/EvalPairs.h"
#include "store/ProjectStore.h"
#include "train/ContrastiveTrainer.h"

#include <QDir>
#include <QFile>
#include <stdexcept>

namespace facelab::finetune {

QString defaultSnapshotPath(const store::ProjectStore &store)
{
    return QDir(store.folder()).filePath(QStringLiteral("training/finetune-snapshot.bin"));
}

void runFineTuneWorker(const QString &projectFolder, const FineTuneRequest &request,
                       const std::function<void(const QString &)> &log)
{
    const parallel::DataParallelOptions &dp = request.parallel;
    // Rank 0 writes the snapshot before it joins, so it is there once the group has formed.
    const std::shared_ptr<train::Collective> group = parallel::joinAsWorker(dp);
    const store::ProjectStore project = store::ProjectStore::open(projectFolder);
    const QString path = dp.snapshotPath.isEmpty() ? defaultSnapshotPath(project) : dp.snapshotPath;
    const TrainingSnapshotFile snap = readTrainingSnapshot(path);
    const FineTuneRequest req = FineTuneRequest::fromJson(snap.request);
    const store::ModelVersionRecord parent = eval::versionForEval(project, snap.parentVersion);
    train::ContrastiveTrainer trainer(embedding::openVersion(project, parent), req.training);
    trainer.setCollective(group);
    train::TrainCallbacks cb;
    cb.onStep = [&](const train::StepStats &s) {
        log(QStringLiteral("rank %1: epoch %2, step %3/%4, loss %5").arg(dp.rank).arg(s.epoch).arg(s.step).arg(s.steps)
                .arg(s.loss, 0, 'f', 4));
    };
    const train::TrainResult r = trainer.train(snap.set, cb);
    log(QStringLiteral("rank %1: done, %2 epochs on %3").arg(dp.rank).arg(r.epochsRun).arg(QString::fromStdString(r.device)));
}

} // namespace facelab::finetune

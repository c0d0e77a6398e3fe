#include "linearize/LinearizeWorker.h"

#include "embedding/VersionModel.h"
#include "eval/EvalPairs.h"
#include "linearize/LinearizeJob.h"
#include "linearize/LinearizeSnapshotFile.h"
#include "linearize/SurrogateData.h"
#include "linearizer/LinearizerTrainer.h"
#include "parallel/DataParallel.h"

#include <QDir>
#include <stdexcept>

namespace facelab::linearize {

QString defaultLinearizeSnapshotPath(const store::ProjectStore &store)
{
    return QDir(store.folder()).filePath(QStringLiteral("linearizer/training-snapshot.bin"));
}

void runLinearizeWorker(const QString &projectFolder, const LinearizeRequest &request,
                        const std::function<void(const QString &)> &log)
{
    const parallel::DataParallelOptions &dp = request.parallel;
    const QString who = QStringLiteral("rank %1").arg(dp.rank);
    // Rank 0 has opened the project and written the snapshot by the time the group forms.
    const std::shared_ptr<train::Collective> group = parallel::joinAsWorker(dp);
    const store::ProjectStore project = store::ProjectStore::open(projectFolder);
    const QString path = dp.snapshotPath.isEmpty() ? defaultLinearizeSnapshotPath(project) : dp.snapshotPath;
    const LinearizeSnapshotFile snap = readLinearizeSnapshot(path);
    const LinearizeRequest req = LinearizeRequest::fromJson(snap.request);
    const SurrogateImages images = snapshotImages(snap, projectFolder);
    if (std::size_t(images.ids.size()) != snap.faces)
        throw std::runtime_error(QStringLiteral("%1: the snapshot has %2 faces, %3 has %4")
                                     .arg(who).arg(snap.faces).arg(snap.pack.isEmpty() ? projectFolder : snap.pack)
                                     .arg(images.ids.size()).toStdString());
    linearizer::LinearizerData data;
    data.count = snap.faces;
    data.load = [&images](size_t i) { return images.load(int(i)); };
    data.name = [&images](size_t i) { return images.name(int(i)).toStdString(); };
    data.train = snap.train;
    data.heldOut = snap.heldOut;
    data.targets = snap.targets;

    const nn::FaceModel teacher = embedding::openVersion(project, eval::versionForEval(project, snap.teacher));
    linearizer::LinearizerTrainOptions options = req.training;
    options.checkpointPath.clear();   // rank 0 writes it
    if (req.resume)
        options.resumeFrom = resumeCheckpointPath(project, snap.teacher).toStdString();
    linearizer::LinearizerTrainer trainer(teacher, req.config, options);
    trainer.setCollective(group);
    linearizer::LinearizerCallbacks cb;
    cb.onStep = [&](const linearizer::LinearizerStep &s) {
        log(QStringLiteral("%1: epoch %2, step %3/%4, loss %5").arg(who).arg(s.epoch).arg(s.step).arg(s.steps).arg(s.loss, 0, 'f', 4));
    };
    try {
        const linearizer::LinearizerTrainResult r = trainer.train(data, cb);
        log(QStringLiteral("%1: done, %2 epochs on %3").arg(who).arg(r.epochsRun).arg(QString::fromStdString(r.device)));
    } catch (const linearizer::LinearizerTrainingError &e) {
        throw std::runtime_error(QStringLiteral("%1: %2").arg(who, QString::fromUtf8(e.what())).toStdString());
    }
}

} // namespace facelab::linearize

// Test helper: fine-tunes PROJECT's current version for EPOCHS epochs, printing "epoch N" after
// each validation pass, so test_finetune can SIGKILL it in the middle of training.
#include "finetune/FineTuneJob.h"
#include "jobs/RunRecorded.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 3)
        return 2;
    const auto st = facelab::store::ProjectStore::open(QString::fromLocal8Bit(argv[1]));
    facelab::finetune::FineTuneRequest req;
    req.training.epochs = std::atoi(argv[2]);
    req.training.batchPairs = 8;
    facelab::finetune::FineTuneObserver obs;
    obs.epoch = [](const facelab::train::EpochStats &e) {
        std::printf("epoch %d\n", e.epoch);
        std::fflush(stdout);
    };
    facelab::jobs::PlainJobContext ctx;
    facelab::jobs::runRecorded(st, facelab::jobs::JobKind::FineTune, facelab::finetune::fineTuneRunParams(st, req), ctx,
                               [&](facelab::jobs::JobContext &c) { return facelab::finetune::fineTune(st, req, c, obs); });
    std::printf("done\n");
    return 0;
}

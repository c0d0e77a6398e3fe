// Test helper: a worker of a data-parallel fine-tuning or Linearizer job (what `facelab finetune|
// linearize PROJECT --process-rank R --world W --master HOST:PORT --snapshot PATH` runs), started by
// core/parallel's LocalWorkers with that command line. With FACELAB_TEST_KILL_AT_STEP=N in its
// environment, rank 1 SIGKILLs itself after step N (the fault tests).
#include "finetune/FineTuneJob.h"
#include "finetune/FineTuneWorker.h"
#include "linearize/LinearizeJob.h"
#include "linearize/LinearizeWorker.h"

#include <QCoreApplication>
#include <csignal>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.size() < 3 || (a[1] != QLatin1String("finetune") && a[1] != QLatin1String("linearize")))
        return 2;
    facelab::parallel::DataParallelOptions dp;
    for (int i = 3; i + 1 < a.size(); i += 2) {
        if (a[i] == QLatin1String("--process-rank"))
            dp.rank = a[i + 1].toInt();
        else if (a[i] == QLatin1String("--world"))
            dp.world = a[i + 1].toInt();
        else if (a[i] == QLatin1String("--master"))
            dp.master = a[i + 1];
        else if (a[i] == QLatin1String("--snapshot"))
            dp.snapshotPath = a[i + 1];
        else if (a[i] == QLatin1String("--worker-timeout"))
            dp.timeoutSeconds = a[i + 1].toInt();
    }
    const int killAt = qEnvironmentVariableIntValue("FACELAB_TEST_KILL_AT_STEP");
    int steps = 0;
    auto log = [&](const QString &line) {
        std::printf("%s\n", qPrintable(line));
        std::fflush(stdout);
        if (line.contains(QLatin1String(", step ")) && ++steps == killAt && dp.rank == 1)
            std::raise(SIGKILL);
    };
    try {
        if (a[1] == QLatin1String("finetune")) {
            facelab::finetune::FineTuneRequest req;
            req.parallel = dp;
            facelab::finetune::runFineTuneWorker(a[2], req, log);
        } else {
            facelab::linearize::LinearizeRequest req;
            req.parallel = dp;
            facelab::linearize::runLinearizeWorker(a[2], req, log);
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "training_worker rank %d: %s\n", dp.rank, e.what());
        return 1;
    }
    return 0;
}

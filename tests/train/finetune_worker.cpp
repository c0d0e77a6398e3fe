// Test helper: a worker of a data-parallel fine-tuning job (what `facelab finetune PROJECT --rank R
// --world W --master HOST:PORT --snapshot PATH` runs), started by core/finetune's LocalWorkers with
// that command line. With FACELAB_TEST_KILL_AT_STEP=N in its environment, rank 1 SIGKILLs itself
// after step N (test_finetune's fault test).
#include "finetune/FineTuneJob.h"

#include <QCoreApplication>
#include <csignal>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.size() < 3 || a[1] != QLatin1String("finetune"))
        return 2;
    facelab::finetune::FineTuneRequest req;
    auto &dp = req.parallel;
    for (int i = 3; i + 1 < a.size(); i += 2) {
        if (a[i] == QLatin1String("--rank"))
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
    try {
        facelab::finetune::runFineTuneWorker(a[2], req, [&](const QString &line) {
            std::printf("%s\n", qPrintable(line));
            std::fflush(stdout);
            if (line.contains(QLatin1String(", step ")) && ++steps == killAt && dp.rank == 1)
                std::raise(SIGKILL);
        });
    } catch (const std::exception &e) {
        std::fprintf(stderr, "finetune_worker rank %d: %s\n", dp.rank, e.what());
        return 1;
    }
    return 0;
}

#include "ParallelOptions.h"

#include "CliOutput.h"
#include "OptionParsing.h"

namespace facelab::cli {

void addParallelOptions(QCommandLineParser &p, const QString &defaultSnapshot, bool rankAlias)
{
    p.addOption({"workers", "Data-parallel training on N local processes (this one and N-1 children); --batch stays the "
                            "global batch, split across them, so the result does not depend on N.", "N"});
    const QString rankHelp = QStringLiteral("This process's rank in a job across hosts (0: the one that reads and writes the project).");
    p.addOption({"process-rank", rankHelp, "R"});
    if (rankAlias)
        p.addOption({"rank", rankHelp + QStringLiteral(" Same as --process-rank."), "R"});
    p.addOption({"world", "The number of processes of a job across hosts.", "W"});
    p.addOption({"master", "Rank 0's rendezvous address of a job across hosts.", "HOST:PORT"});
    p.addOption({"snapshot", QStringLiteral("The training snapshot rank 0 writes and every worker reads (a path all hosts "
                                            "see; default %1).").arg(defaultSnapshot), "PATH"});
    p.addOption({"worker-timeout", "A worker that dies or hangs fails the job within S seconds (default 120).", "S"});
}

parallel::DataParallelOptions parallelOptions(const QCommandLineParser &p, bool rankAlias)
{
    parallel::DataParallelOptions dp;
    dp.workers = intOption(p, "workers", 1, 1, 256);
    dp.world = intOption(p, "world", 1, 1, 4096);
    if (rankAlias && p.isSet("rank") && p.isSet("process-rank"))
        throw UsageError("--rank and --process-rank are the same option: give one");
    dp.rank = intOption(p, rankAlias && p.isSet("rank") ? "rank" : "process-rank", 0, 0, 4095);
    dp.master = p.value("master");
    dp.snapshotPath = p.value("snapshot");
    dp.timeoutSeconds = intOption(p, "worker-timeout", dp.timeoutSeconds, 5, 86400);
    if (const QString bad = parallel::checkOptions(dp); !bad.isEmpty())
        throw UsageError(bad.toStdString());
    return dp;
}

} // namespace facelab::cli

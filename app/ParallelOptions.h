#pragma once
// The data-parallel options finetune and linearize share: --workers N (local children), or
// --process-rank R --world W --master HOST:PORT to join a job across hosts, --snapshot and
// --worker-timeout. (linearize's --rank is the rank of A, so the process's rank is --process-rank;
// finetune also takes it as --rank, the torchrun-like name.)
#include "parallel/DataParallel.h"

#include <QCommandLineParser>

namespace facelab::cli {

void addParallelOptions(QCommandLineParser &p, const QString &defaultSnapshot, bool rankAlias);
// Throws UsageError when they do not fit together.
parallel::DataParallelOptions parallelOptions(const QCommandLineParser &p, bool rankAlias);

} // namespace facelab::cli

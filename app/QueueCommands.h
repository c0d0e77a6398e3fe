#pragma once
// The queue subcommand of the facelab binary: the next pairs to label under an active-learning
// strategy (core/data/QueueStrategy), optionally after mining new hard pairs (core/queue).
// Registered in CliCommands.cpp's commands() table.
#include "OptionParsing.h"

#include "queue/PairMining.h"
#include "store/ModelTable.h"

#include <QCommandLineParser>

namespace facelab::cli {

// A usage or input error of this command; a UsageError: exit code 2.
struct QueueUsageError : UsageError
{
    using UsageError::UsageError;
};

void queueOptions(QCommandLineParser &p);
#ifdef FACELAB_ENGINE
// Mines up to `count` hard pairs with a version's embeddings, recorded as a mine-pairs run (engine only:
// FAISS). queue --mine and embed --mine use it.
queue::MiningReport minePairsRecorded(const store::ProjectStore &st, const store::ModelVersionRecord &v, int count);
#endif
int cmdQueue(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli

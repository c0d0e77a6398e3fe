#pragma once
// The queue subcommand of the facelab binary: the next pairs to label under an active-learning
// strategy (core/data/QueueStrategy), optionally after mining new hard pairs (core/queue).
// Registered in CliCommands.cpp's commands() table.
#include <QCommandLineParser>
#include <stdexcept>

namespace facelab::cli {

// A usage or input error of this command; CliCommands.cpp turns it into exit code 2.
struct QueueUsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

void queueOptions(QCommandLineParser &p);
int cmdQueue(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli

#pragma once
// The evaluation subcommands of the facelab binary: eval (metrics of a model version, recorded as
// a run) and errors (error folders). Registered in CliCommands.cpp's commands() table.
#include <QCommandLineParser>
#include <stdexcept>

namespace facelab::cli {

// A usage or input error of these commands; CliCommands.cpp turns it into exit code 2.
struct EvalUsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

void evalOptions(QCommandLineParser &p);
int cmdEval(QCommandLineParser &p, const QStringList &args);
void errorsOptions(QCommandLineParser &p);
int cmdErrors(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli

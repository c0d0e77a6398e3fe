#pragma once
// The evaluation subcommands of the facelab binary: eval (metrics of a model version, recorded as
// a run) and errors (error folders). Registered in CliCommands.cpp's commands() table.
#include "OptionParsing.h"

#include <QCommandLineParser>

namespace facelab::cli {

// A usage or input error of these commands; a UsageError: exit code 2.
struct EvalUsageError : UsageError
{
    using UsageError::UsageError;
};

void evalOptions(QCommandLineParser &p);
int cmdEval(QCommandLineParser &p, const QStringList &args);
void errorsOptions(QCommandLineParser &p);
int cmdErrors(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli

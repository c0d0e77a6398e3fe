#pragma once
// The training subcommands of the facelab binary: finetune (contrastive fine-tuning on the
// project's verdicts -> a new model version). Registered in CliCommands.cpp's commands() table.
#include <QCommandLineParser>

namespace facelab::cli {

void finetuneOptions(QCommandLineParser &p);

// The value of --name as a finite number / a whole number (fallback when not given). Throws
// EvalUsageError naming the option and the value otherwise. Shared by the training commands.
double numberOption(const QCommandLineParser &p, const char *name, double fallback);
int intOption(const QCommandLineParser &p, const char *name, int fallback);
// Throws EvalUsageError (EvalCommands.h) for bad arguments.
int cmdFinetune(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli

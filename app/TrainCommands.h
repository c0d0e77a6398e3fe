#pragma once
// The training subcommands of the facelab binary: finetune (contrastive fine-tuning on the
// project's verdicts -> a new model version). Registered in CliCommands.cpp's commands() table.
#include <QCommandLineParser>

namespace facelab::cli {

void finetuneOptions(QCommandLineParser &p);

// Throws EvalUsageError (EvalCommands.h) for bad arguments.
int cmdFinetune(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli

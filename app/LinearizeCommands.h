#pragma once
// `facelab linearize`: train a Linearizer surrogate of a version, sweep the rank of its A, or
// unlearn an identity from it. Registered in CliCommands.cpp's commands() table.
#include <QCommandLineParser>

namespace facelab::cli {

void linearizeOptions(QCommandLineParser &p);
// Throws EvalUsageError (EvalCommands.h) for bad arguments.
int cmdLinearize(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli

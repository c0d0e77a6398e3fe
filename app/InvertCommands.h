#pragma once
// `facelab invert`: what a model version thinks a person (or the person in an image) looks like:
// images optimised until the model embeds them near the target. Registered in CliCommands.cpp.
#include <QCommandLineParser>

namespace facelab::cli {

void invertOptions(QCommandLineParser &p);
// Throws EvalUsageError (EvalCommands.h) for bad arguments.
int cmdInvert(QCommandLineParser &p, const QStringList &args);

} // namespace facelab::cli

#pragma once
// The headless subcommands of the facelab binary (init, import, pairs, label, stats).
#include <QStringList>

namespace facelab::cli {

// True when args[1] names a subcommand (the GUI is not started then).
bool isSubcommand(const QStringList &args);
// Runs the subcommand; prints results to stdout and errors to stderr; returns the exit code.
int runSubcommand(const QStringList &args);

} // namespace facelab::cli

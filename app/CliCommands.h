#pragma once
// The headless subcommands (init, import, pairs, label, stats, ...), one table for the small
// facelab binary and facelab-engine (EngineHandover.h says which runs what).
#include <QStringList>

namespace facelab::cli {

// True when args[1] names a subcommand (the GUI is not started then).
bool isSubcommand(const QStringList &args);
// Runs the subcommand; prints results to stdout and errors to stderr; returns the exit code.
// Throws EngineNeeded in the small binary for a command that only facelab-engine runs.
int runSubcommand(const QStringList &args);

// `facelab [PROJECT | --demo]` with --version or --help among its arguments answers here, without
// a window (a QApplication would abort on a machine without a display before printing anything):
// the exit code when it answered, -1 when the GUI is meant. Both binaries call it first.
int answerVersionOrHelp(int argc, char *argv[], const QStringList &args);

// Where models and demo photos live: $FACELAB_DATA_DIR wins, else the "paths/dataDir" setting,
// else the per-user default (core/DataPaths.h). The setting is passed on through the environment
// so the Qt-free engine code (and facelab-engine, after a hand-over) sees the same folder.
void applyDataDirSetting();

} // namespace facelab::cli

#pragma once
// What every subcommand prints through and checks its arguments with (stdout, JSON, the PROJECT
// argument, options that exclude each other), shared by the small facelab binary and the engine.
#include "OptionParsing.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>
#include <QTextStream>
#include <initializer_list>

namespace facelab::data {
struct ImportReport;
}

namespace facelab::cli {

QTextStream &out();
void printJson(const QJsonObject &o);
void printJson(const QJsonArray &a);

// Options of which a command acts on one: two given together is a UsageError naming both, never a
// silent choice of one (label --pair 5 --same --undo used to undo another pair's verdict).
void oneOf(const QCommandLineParser &p, std::initializer_list<const char *> options);

// The PROJECT positional argument, or a UsageError quoting the usage line.
QString projectArg(const QCommandLineParser &p, const char *usage);

// An import's summary (or JSON) on stdout and each problem as a warning on stderr.
void printImportReport(const data::ImportReport &r, bool json);

} // namespace facelab::cli

#pragma once
// Parsing of numeric command-line options, shared by every subcommand: a value that is not a
// number, not whole where a whole number is needed, NaN, infinite or out of its range is a usage
// error naming the option, its range and the value (never a silent wrap-around to -2147483648).
#include <QCommandLineParser>
#include <stdexcept>

namespace facelab::cli {

// A usage or input error: runSubcommand prints it and exits with code 2.
struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

// The value of --name as a whole number in [minimum, maximum]; fallback when the option is not given.
int intOption(const QCommandLineParser &p, const char *name, int fallback, int minimum, int maximum);
qint64 int64Option(const QCommandLineParser &p, const char *name, qint64 fallback, qint64 minimum, qint64 maximum);
// The value of --name as a finite number in [minimum, maximum].
double doubleOption(const QCommandLineParser &p, const char *name, double fallback, double minimum, double maximum);
// A random seed: a non-negative whole number that fits 64 bits.
quint64 seedOption(const QCommandLineParser &p, const char *name, quint64 fallback);

} // namespace facelab::cli

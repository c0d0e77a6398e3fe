#include "OptionParsing.h"

#include <cmath>
#include <limits>

namespace facelab::cli {
namespace {

[[noreturn]] void refuse(const char *name, const QString &value, const QString &wanted)
{
    throw UsageError(QStringLiteral("--%1 needs %2, not '%3'").arg(QLatin1String(name), wanted, value).toStdString());
}

// Whole numbers are also accepted as 1e3 or 100.0; the range check happens before any conversion
// to a narrower type.
qint64 wholeNumber(const QCommandLineParser &p, const char *name, qint64 minimum, qint64 maximum)
{
    const QString text = p.value(QLatin1String(name)).trimmed();
    const QString wanted = QStringLiteral("a whole number from %1 to %2").arg(minimum).arg(maximum);
    bool ok = false;
    qint64 v = text.toLongLong(&ok);
    if (!ok) {
        const double d = text.toDouble(&ok);
        if (!ok || !std::isfinite(d) || d != std::floor(d))
            refuse(name, text, wanted);
        if (d < double(minimum) || d > double(maximum))
            refuse(name, text, wanted);
        v = qint64(d);
    }
    if (v < minimum || v > maximum)
        refuse(name, text, wanted);
    return v;
}

} // namespace

int intOption(const QCommandLineParser &p, const char *name, int fallback, int minimum, int maximum)
{
    return p.isSet(QLatin1String(name)) ? int(wholeNumber(p, name, minimum, maximum)) : fallback;
}

qint64 int64Option(const QCommandLineParser &p, const char *name, qint64 fallback, qint64 minimum, qint64 maximum)
{
    return p.isSet(QLatin1String(name)) ? wholeNumber(p, name, minimum, maximum) : fallback;
}

double doubleOption(const QCommandLineParser &p, const char *name, double fallback, double minimum, double maximum)
{
    if (!p.isSet(QLatin1String(name)))
        return fallback;
    const QString text = p.value(QLatin1String(name)).trimmed();
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !std::isfinite(v) || v < minimum || v > maximum)
        refuse(name, text, QStringLiteral("a number from %1 to %2").arg(minimum).arg(maximum));
    return v;
}

quint64 seedOption(const QCommandLineParser &p, const char *name, quint64 fallback)
{
    if (!p.isSet(QLatin1String(name)))
        return fallback;
    const QString text = p.value(QLatin1String(name)).trimmed();
    bool ok = false;
    const quint64 v = text.startsWith(QLatin1Char('-')) ? 0 : text.toULongLong(&ok);
    if (!ok)
        refuse(name, text, QStringLiteral("a whole number from 0 to %1").arg(std::numeric_limits<quint64>::max()));
    return v;
}

} // namespace facelab::cli

#include "CliOutput.h"

#include "data/ImportReport.h"

#include <QJsonDocument>

namespace facelab::cli {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

void printJson(const QJsonObject &o)
{
    out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
    out().flush();
}

void printJson(const QJsonArray &a)
{
    out() << QJsonDocument(a).toJson(QJsonDocument::Indented);
    out().flush();
}

void oneOf(const QCommandLineParser &p, std::initializer_list<const char *> options)
{
    QStringList given;
    for (const char *o : options)
        if (p.isSet(QLatin1String(o)))
            given << QStringLiteral("--") + QLatin1String(o);
    if (given.size() > 1)
        throw UsageError(QStringLiteral("%1 and %2 cannot be given together").arg(given[0], given[1]).toStdString());
}

QString projectArg(const QCommandLineParser &p, const char *usage)
{
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        throw UsageError(QStringLiteral("missing PROJECT; usage: %1").arg(QLatin1String(usage)).toStdString());
    return pos[1];
}

void printImportReport(const data::ImportReport &r, bool json)
{
    if (json) {
        printJson(r.toJson());
    } else {
        out() << r.summary() << "\n";
        out().flush();
    }
    for (const data::ImportProblem &p : r.problems)
        QTextStream(stderr) << "warning: " << p.toString() << "\n";
}

} // namespace facelab::cli

#pragma once
// What an import did: counts, and every problem with its file, line and reason. Problems are
// reported and skipped; they never abort the import or touch what is already stored.
#include <QJsonObject>
#include <QString>
#include <QVector>
#include <stdexcept>

namespace facelab::data {

struct ImportProblem
{
    QString file;
    int line = 0;      // 0 when the problem is a whole file
    QString reason;
    QString toString() const;
};

struct ImportReport
{
    int imagesAdded = 0;
    int imagesExisting = 0;     // already in the project (same root and sha256)
    int identitiesSeen = 0;
    int pairsAdded = 0;
    int pairsExisting = 0;
    QVector<ImportProblem> problems;
    QJsonObject toJson() const;
    QString summary() const;    // one line for status bars and logs
};

// An import that cannot start at all: missing/empty folder, unreadable or wrong kind of file.
class ImportError : public std::runtime_error
{
public:
    explicit ImportError(const QString &m) : std::runtime_error(m.toStdString()) {}
};

} // namespace facelab::data

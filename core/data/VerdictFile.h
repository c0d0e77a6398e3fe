#pragma once
// Many verdicts from one file (facelab label --from): a line per pair, "ID,VERDICT" or
// "PATH1,PATH2,VERDICT", VERDICT being same / different / skip (also 1 / 0, true / false).
// Blank lines, '#' comments and a header line are ignored. Paths are matched against the
// project's pairs (as given, or resolved to their canonical path) in either order.
#include "ImportReport.h"
#include "store/ProjectStore.h"

#include <QVector>

namespace facelab::data {

struct VerdictLine
{
    int line = 0;
    qint64 pairId = 0;
    store::Verdict verdict = store::Verdict::Skip;
};

struct VerdictFileReport
{
    QVector<VerdictLine> verdicts;       // in file order; a pair named twice keeps both (the last wins)
    QVector<ImportProblem> problems;     // bad lines, each with its number and reason
    int linesRead = 0;
};

// Parses the file against the project's pairs; throws ImportError when the file cannot be read at
// all. Stops collecting problems after kMaxProblems (a wrong file is not worth a million lines).
VerdictFileReport readVerdictFile(const store::ProjectStore &store, const QString &file);
constexpr int kMaxVerdictFileProblems = 1000;

// Records the verdicts in one transaction (all or none); returns how many were written.
int applyVerdicts(const store::ProjectStore &store, const QVector<VerdictLine> &verdicts);

} // namespace facelab::data

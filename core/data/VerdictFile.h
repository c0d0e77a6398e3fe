#pragma once
// Many verdicts from one file (facelab label --from): a line per pair, "ID,VERDICT" or
// "PATH1,PATH2,VERDICT", VERDICT being same / different / skip (also 1 / 0, true / false).
// Blank lines, '#' comments and a header line are ignored. Paths are matched against the
// project's pairs (as given, or resolved to their canonical path) in either order.
#include "ImportReport.h"
#include "store/ProjectStore.h"

#include <QHash>
#include <QIODevice>
#include <QSet>
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

// What lines are matched against: the project's pair ids, and each pair by the paths of its two
// images (as stored and canonical, in either order).
class VerdictPairIndex
{
public:
    static VerdictPairIndex of(const store::ProjectStore &store);
    void add(qint64 pairId, const QString &pathA, const QString &pathB);
    bool contains(qint64 pairId) const { return m_ids.contains(pairId); }
    qint64 find(const QString &pathA, const QString &pathB) const;   // 0 when no pair has them

private:
    QSet<qint64> m_ids;
    QHash<QString, qint64> m_byPaths;
};

// Parses the file against the project's pairs; throws ImportError when the file cannot be read at
// all. Stops collecting problems after kMaxProblems (a wrong file is not worth a million lines).
VerdictFileReport readVerdictFile(const store::ProjectStore &store, const QString &file);
constexpr int kMaxVerdictFileProblems = 1000;
// A line longer than this is reported as too long (and skipped whole), not read in pieces.
constexpr int kMaxVerdictLineBytes = 64 * 1024;
// The lines of `in` (named `file` in problems) against `pairs`: what readVerdictFile does once the
// file is open and is text. Never throws for what the lines hold (the fuzz target calls it).
VerdictFileReport parseVerdicts(QIODevice &in, const QString &file, const VerdictPairIndex &pairs);

// Records the verdicts in one transaction (all or none); returns how many were written.
int applyVerdicts(const store::ProjectStore &store, const QVector<VerdictLine> &verdicts);

} // namespace facelab::data

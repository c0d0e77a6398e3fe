#pragma once
// Imports pairs lists: LFW pairs.txt ("folds n" or plain-count header; `name i j` and
// `name1 i name2 j` lines; images ROOT/name/name_%04d.jpg) and CSV `path1,path2,same`
// (header optional; same as 1/0, yes/no, true/false, same/different). The format is detected from
// the content. Images named by the file are imported on the way (identity from the LFW name,
// or from the parent folder for CSV paths inside a folder).
#include "ImportReport.h"
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

#include <QIODevice>
#include <QVector>
#include <optional>

namespace facelab::data {

// root: folder the pairs' image paths are relative to (default: the pairs file's folder).
// Throws ImportError, importing nothing, for a missing/unreadable file, a binary one (NUL bytes in
// its first 64 KB), one whose first kPairsFileProbeLines lines with content are all bad, or one
// with no valid pair line. At most kMaxPairsFileProblems problems are listed, then one that says
// how many more there were.
ImportReport importPairsFile(const store::ProjectStore &store, const QString &file, const QString &root,
                             jobs::JobContext &ctx);
constexpr int kPairsFileProbeLines = 50;

// One pair line, as written: paths relative to the image root, identities empty when unknown.
struct PairsFilePair
{
    int line = 0;
    QString pathA, pathB;
    QString identityA, identityB;
    std::optional<bool> truth;
};

struct PairsFileContent
{
    bool csv = false;                   // else LFW pairs.txt
    QVector<PairsFilePair> pairs;
    QVector<ImportProblem> problems;    // at most kMaxPairsFileProblems
    int unlistedProblems = 0;
    int badLines = 0;
};

// The text half of importPairsFile, with no store and no image: reads `in` to its end and throws
// the same ImportErrors (empty, not a pairs file, no valid pair line); `file` names it in messages.
PairsFileContent parsePairsFile(QIODevice &in, const QString &file);
constexpr int kMaxPairsFileProblems = 1000;

} // namespace facelab::data

#pragma once
// Imports pairs lists: LFW pairs.txt ("folds n" or plain-count header; `name i j` and
// `name1 i name2 j` lines; images ROOT/name/name_%04d.jpg) and CSV `path1,path2,same`
// (header optional; same as 1/0, yes/no, true/false, same/different). The format is detected from
// the content. Images named by the file are imported on the way (identity from the LFW name,
// or from the parent folder for CSV paths inside a folder).
#include "ImportReport.h"
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

namespace facelab::data {

// root: folder the pairs' image paths are relative to (default: the pairs file's folder).
// Throws ImportError for a missing/unreadable/binary file or one with no valid pair line.
ImportReport importPairsFile(const store::ProjectStore &store, const QString &file, const QString &root,
                             jobs::JobContext &ctx);

} // namespace facelab::data

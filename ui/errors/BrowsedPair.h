#pragma once
// One row of the Errors view: a pair of the current evaluation (from a PairListing) or of an
// exported errors folder, with what the view may do with it in the open project. No widgets.
#include "eval/ErrorFolder.h"
#include "ui/errors/PairListing.h"

#include <optional>

namespace facelab::store {
class ProjectStore;
}

namespace facelab::ui {

struct BrowsedPair
{
    eval::ErrorPair pair;                          // pairId 0 when an export did not record it
    std::optional<eval::ExportedPair> exported;    // set when browsing an exported folder
    QString notInProject;                          // why verdicts cannot be recorded ("" = they can)
    enum class Recorded { Nothing, CorrectedTruth, AddedToFeedback } recorded = Recorded::Nothing;
};

QVector<BrowsedPair> browsedPairs(const PairListing &listing, const store::ProjectStore *st);

// The folder's pairs, FP then FN. A pair is in the open project when summary.json names its id and
// the project's pair of that id joins the images the export copied (same file names and sizes); otherwise notInProject says
// why (another project's export, no project open, no id recorded).
QVector<BrowsedPair> browsedPairs(const eval::ErrorFolder &folder, const store::ProjectStore *st);

} // namespace facelab::ui

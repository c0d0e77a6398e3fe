#include "ui/errors/PairListing.h"

#include <QCoreApplication>

namespace facelab::ui {

PairListing errorListing(const eval::EvalPairs &pairs, double threshold, bool falsePositives)
{
    const auto tr = [](const char *text) { return QCoreApplication::translate("facelab::ui::PairListing", text); };
    const eval::ErrorList all = eval::listErrors(pairs, threshold);
    PairListing l;
    l.pairs = falsePositives ? all.falsePositives : all.falseNegatives;
    l.versionId = pairs.version.id;
    l.threshold = threshold;
    l.title = (falsePositives ? tr("False positives (%1)") : tr("False negatives (%1)")).arg(l.pairs.size());
    l.hint = (falsePositives ? tr("Different pairs scored at or above %1 (%2), highest score first.")
                             : tr("Same pairs scored below %1 (%2), lowest score first."))
                 .arg(threshold, 0, 'f', 4)
                 .arg(pairs.describe());
    return l;
}

} // namespace facelab::ui

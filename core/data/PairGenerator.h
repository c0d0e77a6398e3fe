#pragma once
// Generates labelled pairs from imported identities: half same-identity, half different, no
// duplicates (also against stored pairs) and no self pairs, deterministic for a given seed.
#include "store/ProjectStore.h"

#include <QJsonObject>

namespace facelab::data {

enum class SplitMethod {
    PairLevel,          // each pair drawn to train/validation/test at random: identities are shared
    IdentityDisjoint,   // identities are divided first; no identity appears in two splits
};
QString splitMethodName(SplitMethod m);               // "pair-level" / "identity-disjoint"
QString splitMethodExplanation(SplitMethod m);        // one sentence for the UI

struct PairGenOptions
{
    int pairs = 200;
    int identities = 10;      // how many identities to draw pairs from (0 = all)
    quint64 seed = 1;
    SplitMethod split = SplitMethod::PairLevel;
    double trainFraction = 0.7;
    double validationFraction = 0.15;   // the rest is test
};

struct PairGenReport
{
    int requested = 0;
    int same = 0;
    int different = 0;
    int identitiesUsed = 0;
    int train = 0, validation = 0, test = 0;
    QString splitMethod;
    QStringList notes;        // e.g. "only 30 same pairs exist among the chosen identities"
    QJsonObject toJson() const;
};

// Throws std::runtime_error (with a message for the user) when fewer than two identities with
// images exist.
PairGenReport generatePairs(const store::ProjectStore &store, const PairGenOptions &opt);

} // namespace facelab::data

#pragma once
// The one rule for the threshold at which a version's cosine similarity means "same person",
// wherever FaceLab decides by the model (Annotate's model line and queue order, Models, Evaluate's
// starting threshold and the Errors it lists): the version's stored threshold, else the
// best-accuracy threshold of its last finished evaluation run, else kDefaultDecisionThreshold.
// The origin goes with the value so a view can say where the number came from.
#include "ModelTable.h"

namespace facelab::store {

// Stated, not tuned: cosine 0.40 is a common operating point for ArcFace-style 512-d embeddings.
constexpr double kDefaultDecisionThreshold = 0.40;

struct DecisionThreshold
{
    enum class Origin { Version, Evaluation, Default };
    double value = kDefaultDecisionThreshold;
    Origin origin = Origin::Default;
    qint64 evalRunId = 0;   // the evaluation run it comes from (Origin::Evaluation)

    // A few words for a caption: "stored", "last evaluation", "default".
    QString originShort() const;
    // For a tooltip or hint: "0.312, the best-accuracy threshold of evaluation run 12".
    QString describe() const;
};

DecisionThreshold decisionThreshold(const ProjectStore &store, const ModelVersionRecord &version);

} // namespace facelab::store

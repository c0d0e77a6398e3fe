#pragma once
// How well similarity scores separate same from different pairs, for the validation pass after
// each epoch: the best-accuracy threshold and AUC, both sort-based and exact with ties. (core/eval
// has the full protocol but needs Qt; this is the small part training needs.)
#include <vector>

namespace facelab::train {

struct Separation
{
    double accuracy = 0;   // at threshold: score >= threshold predicts same
    double threshold = 0;
    double auc = 0;
};

// scores[i], same[i] describe one pair. Both classes must be present (else accuracy is the
// majority rate and auc 0.5).
Separation separation(const std::vector<double> &scores, const std::vector<bool> &same);

// The lowest threshold whose false accept rate (negatives with score >= threshold, over all
// negatives) is at most far, placed halfway to the next lower negative, with the FAR and TAR it
// gives. With no negatives: threshold -1 (accept everything).
struct FarThreshold
{
    double threshold = 0;
    double far = 0;
    double tar = 0;
};
FarThreshold thresholdAtFar(const std::vector<double> &scores, const std::vector<bool> &same, double far);

} // namespace facelab::train

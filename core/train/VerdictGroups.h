#pragma once
// What the verdicts say about every pair of faces, not only the labelled ones: "same" verdicts
// join faces into groups (union-find, so transitively), and a "different" verdict between two
// faces makes their whole groups negatives of each other. Torch-free: the trainer asks it for the
// known relations between the faces of a batch.
#include "TrainingTypes.h"

#include <set>
#include <utility>
#include <vector>

namespace facelab::train {

class VerdictGroups
{
public:
    // faces: how many faces the pairs index. Pairs that contradict each other (a "different"
    // verdict inside one group) are counted in contradictions() and give no negative link.
    VerdictGroups(int faces, const std::vector<FacePair> &pairs);

    int groupOf(int face) const { return m_group[size_t(face)]; }   // 0..groupCount()-1
    int groupCount() const { return m_groups; }
    int negativeLinks() const { return int(m_negative.size()); }
    int contradictions() const { return m_contradictions; }

    // +1: known same person (one group), -1: known different (groups linked by a "different"
    // verdict), 0: unknown.
    int relation(int faceA, int faceB) const;

private:
    std::vector<int> m_group;
    int m_groups = 0;
    std::set<std::pair<int, int>> m_negative;   // (smaller group, larger group)
    int m_contradictions = 0;
};

} // namespace facelab::train

#include "VerdictGroups.h"

#include <numeric>

namespace facelab::train {

namespace {
int root(std::vector<int> &parent, int x)
{
    while (parent[size_t(x)] != x) {
        parent[size_t(x)] = parent[size_t(parent[size_t(x)])];   // path halving
        x = parent[size_t(x)];
    }
    return x;
}
} // namespace

VerdictGroups::VerdictGroups(int faces, const std::vector<FacePair> &pairs)
{
    std::vector<int> parent(size_t(std::max(faces, 0)));
    std::iota(parent.begin(), parent.end(), 0);
    for (const FacePair &p : pairs)
        if (p.same)
            parent[size_t(root(parent, p.a))] = root(parent, p.b);
    // Dense group ids in face order.
    m_group.assign(parent.size(), -1);
    std::vector<int> idOfRoot(parent.size(), -1);
    for (int i = 0; i < faces; ++i) {
        const int r = root(parent, i);
        if (idOfRoot[size_t(r)] < 0)
            idOfRoot[size_t(r)] = m_groups++;
        m_group[size_t(i)] = idOfRoot[size_t(r)];
    }
    for (const FacePair &p : pairs) {
        if (p.same)
            continue;
        const int ga = m_group[size_t(p.a)], gb = m_group[size_t(p.b)];
        if (ga == gb)
            ++m_contradictions;
        else
            m_negative.insert({std::min(ga, gb), std::max(ga, gb)});
    }
}

int VerdictGroups::relation(int faceA, int faceB) const
{
    const int ga = m_group[size_t(faceA)], gb = m_group[size_t(faceB)];
    if (ga == gb)
        return 1;
    return m_negative.count({std::min(ga, gb), std::max(ga, gb)}) ? -1 : 0;
}

} // namespace facelab::train

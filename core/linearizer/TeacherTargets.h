#pragma once
// The teacher's targets for the Linearizer: its L2-normalised embeddings of the faces a batch
// holds, as they were augmented. Cached ones (the project's embedding cache) are used as they are;
// the others are computed in one teacher pass per batch and kept for the next time their image comes
// round, within a memory budget (a pack the size of MS1MV2, 5.8M faces, would need 24 GB for every
// plain and flipped target at 512 floats; past the budget a target is computed again). Torch.
#include "linearizer/FaceAugment.h"
#include "nn/FaceNet.h"
#include "nn/Preprocessing.h"

#include <torch/torch.h>

#include <unordered_map>
#include <vector>

namespace facelab::linearizer {

class TeacherTargets
{
public:
    // cached: per face, its cached target or an empty vector (not copied: it must outlive this).
    TeacherTargets(nn::FaceNetImpl &teacher, nn::Preprocessing spec, torch::Device device,
                   const std::vector<std::vector<float>> &cached, int64_t dim, std::size_t budgetBytes);

    // faces.size() x dim on the device, row k the target of face idx[k] as faces[k] shows it.
    torch::Tensor forBatch(const std::vector<std::size_t> &idx, const std::vector<AugmentedFace> &faces);
    std::int64_t teacherForwards() const { return m_forwards; }   // faces the teacher embedded

private:
    const float *find(std::size_t i, bool flipped) const;
    void keep(std::size_t i, bool flipped, const torch::Tensor &row);
    static std::uint64_t key(std::size_t i, bool flipped) { return std::uint64_t(i) * 2 + (flipped ? 1 : 0); }

    nn::FaceNetImpl &m_teacher;
    nn::Preprocessing m_spec;
    torch::Device m_device;
    const std::vector<std::vector<float>> &m_cached;
    int64_t m_dim;
    std::size_t m_room;
    std::unordered_map<std::uint64_t, std::vector<float>> m_kept;
    std::int64_t m_forwards = 0;
};

} // namespace facelab::linearizer

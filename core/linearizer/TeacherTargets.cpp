#include "linearizer/TeacherTargets.h"

namespace facelab::linearizer {

TeacherTargets::TeacherTargets(nn::FaceNetImpl &teacher, nn::Preprocessing spec, torch::Device device,
                               const std::vector<std::vector<float>> &cached, int64_t dim, std::size_t budgetBytes)
    : m_teacher(teacher), m_spec(std::move(spec)), m_device(device), m_cached(cached), m_dim(dim),
      m_room(budgetBytes / (std::size_t(dim) * sizeof(float) + 64))
{
}

const float *TeacherTargets::find(std::size_t i, bool flipped) const
{
    if (!flipped && i < m_cached.size() && int64_t(m_cached[i].size()) == m_dim)
        return m_cached[i].data();
    const auto it = m_kept.find(key(i, flipped));
    return it == m_kept.end() ? nullptr : it->second.data();
}

void TeacherTargets::keep(std::size_t i, bool flipped, const torch::Tensor &row)
{
    if (m_kept.size() >= m_room)
        return;
    const torch::Tensor c = row.to(torch::kCPU).contiguous();
    m_kept.emplace(key(i, flipped), std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel()));
}

torch::Tensor TeacherTargets::forBatch(const std::vector<std::size_t> &idx, const std::vector<AugmentedFace> &faces)
{
    torch::Tensor t = torch::empty({long(idx.size()), m_dim});
    std::vector<std::size_t> todo;
    std::vector<cv::Mat> todoFaces;
    for (std::size_t k = 0; k < idx.size(); ++k) {
        const float *known = faces[k].randomised ? nullptr : find(idx[k], faces[k].flipped);
        if (known) {
            t[long(k)] = torch::from_blob(const_cast<float *>(known), {m_dim}).clone();
        } else {
            todo.push_back(k);
            todoFaces.push_back(faces[k].face);
        }
    }
    if (!todo.empty()) {
        torch::NoGradGuard noGrad;
        torch::Tensor e = m_teacher.forward(nn::facesToTensor(todoFaces, m_spec).to(m_device)).reshape({long(todo.size()), -1});
        e = torch::nn::functional::normalize(e, torch::nn::functional::NormalizeFuncOptions().dim(1)).to(torch::kCPU);
        m_forwards += int64_t(todo.size());
        for (std::size_t j = 0; j < todo.size(); ++j) {
            const std::size_t k = todo[j];
            t[long(k)] = e[long(j)];
            if (!faces[k].randomised)
                keep(idx[k], faces[k].flipped, e[long(j)]);
        }
    }
    return t.to(m_device);
}

} // namespace facelab::linearizer

#include "train/RankProgress.h"

#include "train/Collective.h"

namespace facelab::train {

std::vector<RankProgress> exchangeProgress(Collective *collective, const RankProgress &mine)
{
    if (!collective || collective->world() == 1)
        return {mine};
    // Doubles: a step count and seconds survive exactly enough; one gather of 6 numbers per rank.
    const torch::Tensor local = torch::tensor({double(mine.step), double(mine.samples), mine.computeSeconds,
                                               mine.waitSeconds, mine.stop ? 1.0 : 0.0, double(mine.rank)},
                                              torch::kDouble);
    const std::vector<torch::Tensor> all = collective->allGather(local);
    std::vector<RankProgress> out;
    for (size_t r = 0; r < all.size(); ++r) {
        const auto v = all[r].accessor<double, 1>();
        RankProgress p;
        p.rank = int(r);
        p.step = std::int64_t(v[0]);
        p.samples = std::int64_t(v[1]);
        p.computeSeconds = v[2];
        p.waitSeconds = v[3];
        p.stop = v[4] > 0;
        out.push_back(p);
    }
    return out;
}

bool anyStop(const std::vector<RankProgress> &ranks)
{
    for (const auto &r : ranks)
        if (r.stop)
            return true;
    return false;
}

} // namespace facelab::train

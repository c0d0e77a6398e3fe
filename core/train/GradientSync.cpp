#include "train/GradientSync.h"

#include "train/Collective.h"

namespace facelab::train {

void syncGradients(Collective *collective, const std::vector<torch::Tensor> &trainable, std::vector<torch::Tensor> *riders)
{
    if (!collective || collective->world() == 1)
        return;
    std::vector<torch::Tensor> sums;
    for (torch::Tensor p : trainable) {
        if (!p.grad().defined())
            p.mutable_grad() = torch::zeros_like(p);
        sums.push_back(p.grad());
    }
    if (riders)
        for (const torch::Tensor &r : *riders)   // in the gradients' dtype and device: the last bucket
            sums.push_back(sums.empty() ? r : r.to(sums.front().device(), sums.front().scalar_type()));
    collective->allReduceSum(sums);
    if (riders)
        for (size_t k = 0; k < riders->size(); ++k)
            (*riders)[k] = sums[sums.size() - riders->size() + k].to((*riders)[k].device(), (*riders)[k].scalar_type());
}

} // namespace facelab::train

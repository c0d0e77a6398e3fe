#pragma once
// What a data-parallel trainer needs from the processes it runs with: the job's rank and size, a
// summing all-reduce (bucketed by the implementation), an all-gather of equal-shaped tensors and a
// broadcast from rank 0. core/distributed implements it on PyTorch's c10d (Gloo, NCCL); a trainer
// without one runs alone. Torch header, no Qt.
#include <torch/torch.h>

#include <stdexcept>
#include <vector>

namespace facelab::train {

// A collective failed: a peer died, hung past the timeout or the rendezvous broke. The message
// names the rank where known.
class CollectiveError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

class Collective
{
public:
    virtual ~Collective() = default;
    virtual int rank() const = 0;
    virtual int world() const = 0;
    // Every tensor replaced, in place, by its sum over all ranks.
    virtual void allReduceSum(std::vector<torch::Tensor> &tensors) = 0;
    // One tensor of the same shape from every rank, rank order.
    virtual std::vector<torch::Tensor> allGather(const torch::Tensor &local) = 0;
    // Every tensor replaced, in place, by rank 0's.
    virtual void broadcast(std::vector<torch::Tensor> &tensors) = 0;
};

} // namespace facelab::train

#pragma once
// train::Collective on PyTorch's own distributed engine (c10d): a TCPStore rendezvous at the
// master's host:port (rank 0 hosts it) and a Gloo process group on the CPU, or NCCL when LibTorch
// has CUDA and its NCCL headers were there at build time (Debian's LibTorch 1.13 is CPU-only, so
// that path is compiled out here). All-reduces go in buckets of about 25 MB (flattened, not one call
// per tensor). Every collective has the timeout; when one fails the error names the ranks that fell
// behind (each rank posts how many collectives it has started to the store). Broadcasts are
// bucketed the same way. Torch, no Qt.
#include "GroupOptions.h"
#include "train/Collective.h"

#include <chrono>
#include <memory>
#include <string>

namespace facelab::distributed {

// Timing of the all-reduces so far (for the benchmark).
struct ReduceTiming
{
    double seconds = 0;
    double megabytes = 0;
    long calls = 0;                               // allReduceSum calls
    long buckets = 0;                             // process-group all-reduces they made
};

class ProcessGroupCollective : public train::Collective
{
public:
    // Blocks until all world ranks joined (or the timeout: CollectiveError naming the master).
    explicit ProcessGroupCollective(const GroupOptions &options);
    ~ProcessGroupCollective() override;

    int rank() const override;
    int world() const override;
    void allReduceSum(std::vector<torch::Tensor> &tensors) override;
    std::vector<torch::Tensor> allGather(const torch::Tensor &local) override;
    void broadcast(std::vector<torch::Tensor> &tensors) override;
    void barrier();

    std::string backendName() const;              // "gloo" / "nccl"
    const ReduceTiming &reduceTiming() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace facelab::distributed

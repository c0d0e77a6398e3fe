#pragma once
// Which pairs, flips and unlabelled anchor faces each optimiser step takes: a seeded shuffle per
// epoch, the global batch drawn identically on every process of a data-parallel job (the same seed
// gives the same order everywhere), each process then taking its contiguous shard of it. The whole
// position (engine state, the epoch's order, where in it we are) saves to a string for checkpoints.
// Torch-free and Qt-free.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace facelab::train {

// One step's global batch: pairs order[begin, end) of the epoch.
struct PairBatch
{
    std::vector<std::size_t> pairs;     // indices into TrainingSet::train
    std::vector<bool> flipA, flipB;     // per pair, the mirror of its first / second face
    std::vector<std::int64_t> anchors;  // rows of TrainingSet::anchors (distillation faces)
};

// The part [begin, end) of n items that rank r of world takes: contiguous, sizes differ by at most one.
struct ShardRange
{
    std::size_t begin = 0, end = 0;
};
ShardRange shardRange(std::size_t n, int rank, int world);

class PairSampler
{
public:
    // pairCount training pairs, anchorCount anchor faces of which distillBatch ride in each step
    // (0 = none), flips drawn when flip is set.
    PairSampler(std::uint64_t seed, std::size_t pairCount, std::size_t batchPairs, std::size_t anchorCount,
                int distillBatch, bool flip);

    std::int64_t stepsPerEpoch() const;
    void beginEpoch();                          // reshuffles the pairs
    bool epochDone() const { return m_next >= m_order.size(); }
    std::size_t position() const { return m_next; }   // pairs of this epoch handed out
    PairBatch next();                           // the next global batch; consumes the engine

    std::string saveState() const;
    // Throws std::runtime_error when the text is not a state of a sampler of this shape.
    void loadState(const std::string &state);

private:
    std::mt19937_64 m_rng;
    std::size_t m_batch;
    int m_distillBatch;
    bool m_flip;
    std::vector<std::size_t> m_order;
    std::size_t m_next;
    std::vector<std::size_t> m_anchorOrder;
    std::size_t m_anchorNext;
};

} // namespace facelab::train

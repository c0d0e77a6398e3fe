#include "PairSampler.h"

#include <numeric>
#include <sstream>
#include <stdexcept>

namespace facelab::train {

namespace {

// Fisher-Yates with our own engine: the same on every libstdc++ (std::shuffle is not specified).
void shuffle(std::vector<std::size_t> &v, std::mt19937_64 &rng)
{
    for (std::size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[std::size_t(rng() % i)]);
}

} // namespace

ShardRange shardRange(std::size_t n, int rank, int world)
{
    const auto w = std::size_t(world), r = std::size_t(rank);
    return {n * r / w, n * (r + 1) / w};
}

PairSampler::PairSampler(std::uint64_t seed, std::size_t pairCount, std::size_t batchPairs, std::size_t anchorCount,
                         int distillBatch, bool flip)
    : m_rng(seed), m_batch(batchPairs), m_distillBatch(distillBatch), m_flip(flip), m_order(pairCount),
      m_next(pairCount), m_anchorOrder(anchorCount), m_anchorNext(anchorCount)
{
    std::iota(m_order.begin(), m_order.end(), std::size_t(0));
    std::iota(m_anchorOrder.begin(), m_anchorOrder.end(), std::size_t(0));
}

std::int64_t PairSampler::stepsPerEpoch() const
{
    return std::int64_t((m_order.size() + m_batch - 1) / m_batch);
}

void PairSampler::beginEpoch()
{
    shuffle(m_order, m_rng);
    m_next = 0;
}

PairBatch PairSampler::next()
{
    PairBatch b;
    const std::size_t e = std::min(m_order.size(), m_next + m_batch);
    std::bernoulli_distribution coin(0.5);
    for (std::size_t k = m_next; k < e; ++k) {
        b.pairs.push_back(m_order[k]);
        // Drawn pair by pair, first face then second: the order the single-process trainer always used.
        b.flipA.push_back(m_flip && coin(m_rng));
        b.flipB.push_back(m_flip && coin(m_rng));
    }
    m_next = e;
    for (int k = 0; k < m_distillBatch && k < int(m_anchorOrder.size()); ++k) {
        if (m_anchorNext >= m_anchorOrder.size()) {   // reshuffled when used up
            shuffle(m_anchorOrder, m_rng);
            m_anchorNext = 0;
        }
        b.anchors.push_back(std::int64_t(m_anchorOrder[m_anchorNext++]));
    }
    return b;
}

std::string PairSampler::saveState() const
{
    std::ostringstream out;
    out << m_rng << '\n' << m_order.size() << ' ' << m_next << ' ' << m_anchorOrder.size() << ' ' << m_anchorNext;
    for (std::size_t v : m_order)
        out << ' ' << v;
    for (std::size_t v : m_anchorOrder)
        out << ' ' << v;
    return out.str();
}

void PairSampler::loadState(const std::string &state)
{
    std::istringstream in(state);
    std::mt19937_64 rng;
    std::size_t pairs = 0, next = 0, anchors = 0, anchorNext = 0;
    in >> rng >> pairs >> next >> anchors >> anchorNext;
    if (!in || pairs != m_order.size() || anchors != m_anchorOrder.size() || next > pairs || anchorNext > anchors)
        throw std::runtime_error("the checkpoint's sampler state does not fit this training set (" +
                                 std::to_string(pairs) + " pairs and " + std::to_string(anchors) + " anchors saved, " +
                                 std::to_string(m_order.size()) + " and " + std::to_string(m_anchorOrder.size()) +
                                 " now)");
    std::vector<std::size_t> order(pairs), anchorOrder(anchors);
    for (auto &v : order)
        in >> v;
    for (auto &v : anchorOrder)
        in >> v;
    if (!in)
        throw std::runtime_error("the checkpoint's sampler state is truncated");
    m_rng = rng;
    m_order = std::move(order);
    m_next = next;
    m_anchorOrder = std::move(anchorOrder);
    m_anchorNext = anchorNext;
}

} // namespace facelab::train

#pragma once
// Where each process of a data-parallel job stands after a step, for the progress every rank shows
// (rank 0 reports them all): its step, the images it trained, how long its own work took and how
// long it waited in collectives (a rank that computes slower makes the others wait). Torch-free.
#include <cstdint>
#include <vector>

namespace facelab::train {

struct RankProgress
{
    int rank = 0;
    std::int64_t step = 0;          // steps finished
    std::int64_t samples = 0;       // training samples (images, pairs) of its shards so far
    double computeSeconds = 0;      // its own forward, backward and step, so far
    double waitSeconds = 0;         // in collectives (gradients, the exchange), so far
    bool stop = false;              // it asked to stop (a cancel) before the next step
};

class Collective;

// Every rank calls this once per step with its own figures: they are gathered to every rank (one
// small all-gather) in rank order. Alone (no collective or world 1): just mine. A stop asked on any
// rank is then seen by all, so they all stop at the same step. Throws CollectiveError.
std::vector<RankProgress> exchangeProgress(Collective *collective, const RankProgress &mine);

// Whether any rank asked to stop.
bool anyStop(const std::vector<RankProgress> &ranks);

} // namespace facelab::train

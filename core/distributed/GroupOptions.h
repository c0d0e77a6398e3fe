#pragma once
// Joining a data-parallel job, seen from code without torch headers (the Qt job in core/finetune):
// where the rendezvous is, this process's rank, the job's size, the timeout every collective gets.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace facelab::train {
class Collective;
}

namespace facelab::distributed {

struct GroupOptions
{
    std::string masterHost = "127.0.0.1";
    int masterPort = 29500;
    int rank = 0;
    int world = 1;
    std::chrono::milliseconds timeout{120000};    // rendezvous and every collective
    std::size_t bucketBytes = 25u << 20;          // all-reduce buckets
};

// Blocks until all ranks joined; throws std::runtime_error (train::CollectiveError) naming the
// rank and the master when the rendezvous fails or times out. See ProcessGroupCollective.h.
std::shared_ptr<train::Collective> joinGroup(const GroupOptions &options);

// "HOST:PORT" into options; false when it is not of that form.
bool parseMaster(const std::string &text, GroupOptions &options);

// A TCP port on the loopback that was free a moment ago (for a job of local workers); 0 if none.
int freeLocalPort();

} // namespace facelab::distributed

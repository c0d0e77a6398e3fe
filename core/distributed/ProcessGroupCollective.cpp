#include "ProcessGroupCollective.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(FACELAB_HAVE_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <functional>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace facelab::distributed {

using Clock = std::chrono::steady_clock;

struct ProcessGroupCollective::Impl
{
    GroupOptions o;
    c10::intrusive_ptr<c10d::TCPStore> store;
    c10::intrusive_ptr<c10d::ProcessGroup> group;
    std::string backend;
    std::int64_t started = 0;   // collectives this rank has started
    ReduceTiming timing;

    // NCCL reduces CUDA tensors only: CPU ones (step counters, a stop vote) go over on the GPU.
    torch::Tensor onBackend(const torch::Tensor &t) const
    {
        return backend == "nccl" && !t.is_cuda() ? t.to(torch::kCUDA) : t;
    }

    // Consecutive tensors of one dtype and device share a flat bucket of at most bucketBytes (a
    // larger tensor gets one of its own); one collective per bucket, the results copied back.
    void inBuckets(std::vector<torch::Tensor> &tensors, const char *what,
                   const std::function<c10::intrusive_ptr<c10d::Work>(std::vector<torch::Tensor> &)> &op)
    {
        size_t i = 0;
        while (i < tensors.size()) {
            size_t j = i, bytes = 0;
            while (j < tensors.size() && tensors[j].scalar_type() == tensors[i].scalar_type() &&
                   tensors[j].device() == tensors[i].device() &&
                   (j == i || bytes + size_t(tensors[j].nbytes()) <= o.bucketBytes)) {
                bytes += size_t(tensors[j].nbytes());
                ++j;
            }
            std::vector<torch::Tensor> flat;
            for (size_t k = i; k < j; ++k)
                flat.push_back(tensors[k].reshape({-1}));
            std::vector<torch::Tensor> bucket{onBackend(torch::cat(flat))};
            run(what, [&] { return op(bucket); });
            long at = 0;
            torch::NoGradGuard noGrad;
            for (size_t k = i; k < j; ++k) {
                const long n = tensors[k].numel();
                tensors[k].copy_(bucket[0].slice(0, at, at + n).view(tensors[k].sizes()));
                at += n;
            }
            timing.megabytes += double(bytes) / 1e6;
            ++timing.buckets;
            i = j;
        }
    }

    // Runs one collective; on failure, names the ranks that did not get as far as this one.
    void run(const char *what, const std::function<c10::intrusive_ptr<c10d::Work>()> &op)
    {
        ++started;
        try {
            store->add("count/" + std::to_string(o.rank), 1);
            op()->wait(o.timeout);
        } catch (const c10::Error &e) {
            throw train::CollectiveError(describeFailure(what, e.what_without_backtrace()));
        } catch (const std::exception &e) {
            throw train::CollectiveError(describeFailure(what, e.what()));
        }
    }

    std::string describeFailure(const char *what, const std::string &cause)
    {
        std::string behind;
        try {
            store->setTimeout(std::chrono::milliseconds(2000));
            for (int r = 0; r < o.world; ++r) {
                if (r == o.rank)
                    continue;
                const std::int64_t n = store->add("count/" + std::to_string(r), 0);
                if (n < started)
                    behind += (behind.empty() ? "" : ", ") + std::to_string(r) + " (at collective " + std::to_string(n) +
                              " of " + std::to_string(started) + ")";
            }
        } catch (const std::exception &) {
            return "rank " + std::to_string(o.rank) + ": " + what + " failed and the rendezvous host (rank 0, " +
                   o.masterHost + ":" + std::to_string(o.masterPort) + ") is gone: rank 0 died or hung (" + cause + ")";
        }
        return "rank " + std::to_string(o.rank) + ": " + what + " failed" +
               (behind.empty() ? std::string() : "; rank " + behind + " fell behind: it died or hung") + " (" + cause + ")";
    }
};

ProcessGroupCollective::ProcessGroupCollective(const GroupOptions &options) : d(std::make_unique<Impl>())
{
    d->o = options;
    const GroupOptions &o = d->o;
    if (o.world < 1 || o.rank < 0 || o.rank >= o.world)
        throw train::CollectiveError("rank " + std::to_string(o.rank) + " is not one of the " + std::to_string(o.world) +
                                     " ranks of the job");
    if (o.masterPort < 1 || o.masterPort > 65535)
        throw train::CollectiveError("the master port must be between 1 and 65535 (got " + std::to_string(o.masterPort) + ")");
    try {
        c10d::TCPStoreOptions so;
        so.port = std::uint16_t(o.masterPort);
        so.isServer = o.rank == 0;
        so.numWorkers = std::size_t(o.world);
        so.waitWorkers = true;
        so.timeout = o.timeout;
        d->store = c10::make_intrusive<c10d::TCPStore>(o.masterHost, so);
    } catch (const std::exception &e) {
        throw train::CollectiveError("rank " + std::to_string(o.rank) + ": no rendezvous at " + o.masterHost + ":" +
                                     std::to_string(o.masterPort) + " within " + std::to_string(o.timeout.count() / 1000) +
                                     " s (" + e.what() + ")");
    }
    try {
#if defined(FACELAB_HAVE_NCCL)
        if (torch::cuda::is_available()) {
            auto opts = c10d::ProcessGroupNCCL::Options::create();
            opts->timeout = o.timeout;
            d->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(d->store, o.rank, o.world, opts);
            d->backend = "nccl";
        }
#endif
        if (!d->group) {
            auto opts = c10d::ProcessGroupGloo::Options::create(o.timeout);
            // A job on one machine talks over the loopback; across hosts over the address this host's name resolves to.
            const bool local = o.masterHost == "127.0.0.1" || o.masterHost == "localhost";
            opts->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                          : c10d::ProcessGroupGloo::createDefaultDevice());
            d->group = c10::make_intrusive<c10d::ProcessGroupGloo>(d->store, o.rank, o.world, opts);
            d->backend = "gloo";
        }
    } catch (const std::exception &e) {
        throw train::CollectiveError("rank " + std::to_string(o.rank) + ": the process group did not form: " + e.what());
    }
}

ProcessGroupCollective::~ProcessGroupCollective() = default;

int ProcessGroupCollective::rank() const { return d->o.rank; }
int ProcessGroupCollective::world() const { return d->o.world; }
std::string ProcessGroupCollective::backendName() const { return d->backend; }
const ReduceTiming &ProcessGroupCollective::reduceTiming() const { return d->timing; }

void ProcessGroupCollective::allReduceSum(std::vector<torch::Tensor> &tensors)
{
    const auto t0 = Clock::now();
    d->inBuckets(tensors, "all-reduce", [this](std::vector<torch::Tensor> &bucket) { return d->group->allreduce(bucket); });
    ++d->timing.calls;
    d->timing.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<torch::Tensor> ProcessGroupCollective::allGather(const torch::Tensor &local)
{
    std::vector<torch::Tensor> in{d->onBackend(local.contiguous())};
    std::vector<std::vector<torch::Tensor>> out(1);
    for (int r = 0; r < d->o.world; ++r)
        out[0].push_back(torch::empty_like(in[0]));
    d->run("all-gather", [&] { return d->group->allgather(out, in); });
    for (auto &t : out[0])
        t = t.to(local.device());
    return out[0];
}

void ProcessGroupCollective::broadcast(std::vector<torch::Tensor> &tensors)
{
    const ReduceTiming before = d->timing;   // the timing is the all-reduces'
    d->inBuckets(tensors, "broadcast", [this](std::vector<torch::Tensor> &bucket) { return d->group->broadcast(bucket); });
    d->timing = before;
}

void ProcessGroupCollective::barrier()
{
    d->run("barrier", [&] { return d->group->barrier(); });
}

std::shared_ptr<train::Collective> joinGroup(const GroupOptions &options)
{
    return std::make_shared<ProcessGroupCollective>(options);
}

bool parseMaster(const std::string &text, GroupOptions &options)
{
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        return false;
    int port = 0;
    for (size_t i = colon + 1; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9' || port > 65535)
            return false;
        port = port * 10 + (text[i] - '0');
    }
    if (port < 1 || port > 65535)
        return false;
    options.masterHost = text.substr(0, colon);
    options.masterPort = port;
    return true;
}

int freeLocalPort()
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

} // namespace facelab::distributed

#include "nn/Engine.h"

#include <torch/torch.h>

#include <cstdlib>
#include <mutex>
#include <thread>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace facelab::nn {

void initEngine()
{
    static std::once_flag once;
    std::call_once(once, [] {
#ifdef __GLIBC__
        // LibTorch allocates every activation afresh. glibc serves blocks above its mmap threshold
        // (dynamic, at most 32 MiB) with mmap and unmaps them on free, so each forward pass faults
        // in and zeroes fresh pages: 55k page faults (~215 MB) per batch-32 pass of fr_feature.onnx,
        // 2-3x slower. Serve blocks up to 64 MiB from the heap and keep up to 256 MiB of freed heap
        // for reuse instead. Process-wide, like the thread count: the price is retained memory.
        mallopt(M_MMAP_THRESHOLD, 64 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
        const char *local = std::getenv("FACELAB_LOCAL_PROCESSES");
        shareCores(local ? std::max(1, std::atoi(local)) : 1);
        // Graph execution is sequential; a single inter-op thread avoids oversubscribing the cores.
        // It can only be set before the pool starts, which an earlier torch user may have done.
        try {
            at::set_num_interop_threads(1);
        } catch (const c10::Error &) {
        }
    });
}

void shareCores(int processes)
{
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(std::max(1, cores / std::max(1, processes)));
}

bool cudaAvailable() { return torch::cuda::is_available(); }

} // namespace facelab::nn

#include "TrainCheckpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace facelab::train {

void saveArchiveAtomically(torch::serialize::OutputArchive &archive, const std::string &path)
{
    const std::string part = path + ".part";
    try {
        archive.save_to(part);
    } catch (const std::exception &e) {
        std::remove(part.c_str());
        throw std::runtime_error("cannot write the checkpoint " + part + ": " + e.what());
    }
    if (std::rename(part.c_str(), path.c_str()) != 0) {
        std::remove(part.c_str());
        throw std::runtime_error("cannot replace the checkpoint " + path);
    }
}

torch::Tensor cpuGeneratorState()
{
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void setCpuGeneratorState(const torch::Tensor &state)
{
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

} // namespace facelab::train

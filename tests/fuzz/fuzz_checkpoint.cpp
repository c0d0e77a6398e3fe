// libFuzzer entry point for the torch.save reader: any bytes must give a Checkpoint or a ModelError,
// never a crash, a hang or an unbounded allocation. Built only with -DFACELAB_FUZZ=ON (clang).
//   fuzz_checkpoint -jobs=1 -workers=1 -runs=1000000 -max_total_time=600 corpus/checkpoint
#include "nn/checkpoint/TorchCheckpoint.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string bytes(reinterpret_cast<const char *>(data), size);
    try {
        const auto c = facelab::nn::ckpt::readTorchSaveBytes(bytes, "fuzz");
        for (const auto &t : c.tensors)
            (void)t.toDouble(); // strided reads stay inside their storage
        (void)facelab::nn::ckpt::checkpointTreeJson(c);
    } catch (const facelab::nn::ModelError &) {
    }
    return 0;
}

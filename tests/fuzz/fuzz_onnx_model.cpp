// libFuzzer entry point for the ONNX reader: any bytes must give a validated OnnxModelFile or a
// ModelError, the checks an import runs before anything executes the graph.
//   fuzz_onnx_model -max_total_time=240 -rss_limit_mb=2048 CORPUS_COPY   (seeds: copies of the fetched
//   models, ~/.local/share/FaceLab/models/*.onnx: the repository holds no model files)
#include "nn/ModelError.h"
#include "nn/OnnxModelFile.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string bytes(reinterpret_cast<const char *>(data), size);
    try {
        const auto m = facelab::nn::OnnxModelFile::fromBytes(bytes, "fuzz.onnx");
        (void)m.declaredBatch();
        for (const auto &v : m.inputs())
            (void)facelab::nn::shapeToString(v.shape);
        for (const auto &v : m.outputs())
            (void)facelab::nn::shapeToString(v.shape);
        (void)m.opHistogram();
        (void)m.unsupportedOps();
    } catch (const facelab::nn::ModelError &) {
    }
    return 0;
}

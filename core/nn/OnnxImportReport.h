#pragma once
// What an ONNX import loaded, and whether LibTorch agrees with OpenCV dnn on it. Torch-free header:
// the app can call inspectOnnxModel() at model import and show the report.
#include "nn/OnnxModelFile.h"

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace facelab::nn {

class OnnxGraphModuleImpl;

struct OnnxImportReport
{
    std::string path;
    int64_t irVersion = 0;
    int64_t opset = 0;
    std::string producer;
    int64_t parameterCount = 0;   // trainable scalars
    int64_t parameterTensors = 0; // initializers registered as parameters
    int64_t bufferTensors = 0;    // BN statistics, integer/scalar constants, Constant nodes
    std::vector<OnnxValueInfo> inputs;
    std::vector<OnnxValueInfo> outputs;
    std::map<std::string, int> opHistogram;
    std::vector<std::string> unsupportedOps; // non-empty: the model was refused
    // Largest |LibTorch - OpenCV dnn| over all outputs for one random batch; NaN when no comparison
    // ran (openCvNote says why).
    double maxAbsDiffVsOpenCV = std::numeric_limits<double>::quiet_NaN();
    int comparedBatch = 0;
    std::string openCvNote;

    bool loadable() const { return unsupportedOps.empty(); }
    // Loadable and within `tolerance` of OpenCV dnn.
    bool agreesWithOpenCV(double tolerance = 1e-4) const;
    std::string summary() const;
};

// Reads and validates the file, builds the LibTorch module when every operator is supported and
// compares it with OpenCV dnn on a random batch of `compareBatch`. Throws ModelError for a file
// that is missing or not a valid ONNX model; unsupported operators are listed in the report.
OnnxImportReport inspectOnnxModel(const std::string &path, int compareBatch = 4);

// The same, keeping the module. Throws UnsupportedOpsError for a model it cannot run.
struct OnnxImport
{
    std::shared_ptr<OnnxGraphModuleImpl> module;
    OnnxImportReport report;
};
OnnxImport importOnnxModel(const std::string &path, int compareBatch = 4);

// Runs one seeded random batch (uniform in [-1, 1]) through `module` and through OpenCV dnn reading
// `onnxPath`, and returns the largest absolute difference over all outputs. LibTorch runs the
// batch at once; OpenCV runs it in chunks of the graph's declared batch (it cannot restore the batch
// of graphs such as fr_feature.onnx), so a module that mixed faces would show up as a difference.
// Throws ModelError when OpenCV cannot read or run the file, or the inputs are not float.
double maxAbsDiffVsOpenCV(OnnxGraphModuleImpl &module, const std::string &onnxPath, int batch = 4, uint64_t seed = 1);

} // namespace facelab::nn

#pragma once
// An ONNX model read from disk (or built in memory) and checked before anything executes it.
// Torch-free: usable from code that only wants to look at a model.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace facelab::nn {

// A graph input or output: its element type (onnx::TensorProto::DataType) and shape.
// Symbolic or unknown dimensions are -1.
struct OnnxValueInfo
{
    std::string name;
    int32_t elemType = 0;
    std::vector<int64_t> shape;
};

std::string shapeToString(const std::vector<int64_t> &shape);

class OnnxModelFile
{
public:
    // Reads and validates a .onnx file. Throws ModelError naming the file and the problem
    // (missing, empty, truncated or random bytes, not an ONNX graph, broken references).
    static OnnxModelFile load(const std::string &path);
    // Validates serialized bytes / a proto; `label` stands in for the file name in messages.
    static OnnxModelFile fromBytes(const std::string &bytes, const std::string &label);
    static OnnxModelFile fromProto(onnx::ModelProto proto, const std::string &label);

    const onnx::ModelProto &proto() const { return *m_proto; }
    const onnx::GraphProto &graph() const { return m_proto->graph(); }
    const std::string &path() const { return m_path; }
    // Opset version of the default ("" / "ai.onnx") domain.
    int64_t opset() const { return m_opset; }
    // Runtime inputs (graph inputs that are not initializers) and outputs.
    const std::vector<OnnxValueInfo> &inputs() const { return m_inputs; }
    const std::vector<OnnxValueInfo> &outputs() const { return m_outputs; }
    // Batch size the graph was exported with: dim 0 of the inputs when all agree and it is fixed,
    // else -1 (dynamic).
    int64_t declaredBatch() const;

    // Node count per operator type ("domain::Op" for operators outside the default domain).
    std::map<std::string, int> opHistogram() const;
    // Sorted operator types the executor lacks; empty when the graph can run.
    std::vector<std::string> unsupportedOps() const;

private:
    OnnxModelFile() = default;
    void validate();

    std::shared_ptr<const onnx::ModelProto> m_proto;
    std::string m_path;
    int64_t m_opset = 0;
    std::vector<OnnxValueInfo> m_inputs;
    std::vector<OnnxValueInfo> m_outputs;
};

} // namespace facelab::nn

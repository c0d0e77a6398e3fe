#include "nn/OnnxModelFile.h"

#include "nn/ModelError.h"
#include "nn/OnnxOps.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace facelab::nn {

std::string shapeToString(const std::vector<int64_t> &shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
    return s + "]";
}

namespace {

bool isDefaultDomain(const std::string &domain) { return domain.empty() || domain == "ai.onnx"; }

std::string opKey(const onnx::NodeProto &node)
{
    return isDefaultDomain(node.domain()) ? node.op_type() : node.domain() + "::" + node.op_type();
}

OnnxValueInfo valueInfo(const onnx::ValueInfoProto &v)
{
    OnnxValueInfo info;
    info.name = v.name();
    if (v.type().has_tensor_type()) {
        const auto &tt = v.type().tensor_type();
        info.elemType = tt.elem_type();
        if (tt.has_shape())
            for (const auto &d : tt.shape().dim())
                info.shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
    return info;
}

std::string nodeLabel(const onnx::NodeProto &node, int index)
{
    std::string name = node.name().empty() ? "#" + std::to_string(index) : "'" + node.name() + "'";
    return "node " + name + " (" + node.op_type() + ")";
}

} // namespace

OnnxModelFile OnnxModelFile::load(const std::string &path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw ModelError(path, "file not found");
    if (!fs::is_regular_file(path, ec))
        throw ModelError(path, "not a regular file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ModelError(path, "cannot open file for reading");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in && !in.eof())
        throw ModelError(path, "read error");
    return fromBytes(bytes.str(), path);
}

OnnxModelFile OnnxModelFile::fromBytes(const std::string &bytes, const std::string &label)
{
    if (bytes.empty())
        throw ModelError(label, "empty file");
    onnx::ModelProto proto;
    // A truncated file cuts the length-delimited graph field short, so parsing fails; random bytes
    // fail on invalid wire types. Both land here.
    if (!proto.ParseFromString(bytes))
        throw ModelError(label, "not an ONNX model: protobuf parsing failed (file truncated or corrupt)");
    return fromProto(std::move(proto), label);
}

OnnxModelFile OnnxModelFile::fromProto(onnx::ModelProto proto, const std::string &label)
{
    OnnxModelFile f;
    f.m_path = label;
    f.m_proto = std::make_shared<const onnx::ModelProto>(std::move(proto));
    f.validate();
    return f;
}

void OnnxModelFile::validate()
{
    const auto &m = *m_proto;
    if (m.ir_version() <= 0)
        throw ModelError(m_path, "not an ONNX model: no IR version");
    if (!m.has_graph() || m.graph().node_size() == 0)
        throw ModelError(m_path, "not an ONNX model: no graph nodes");
    m_opset = 0;
    for (const auto &imp : m.opset_import())
        if (isDefaultDomain(imp.domain()))
            m_opset = imp.version();
    if (m_opset <= 0)
        throw ModelError(m_path, "no opset version for the default ONNX domain (file truncated?)");

    const auto &g = m.graph();
    std::set<std::string> defined;
    std::set<std::string> initializers;
    for (const auto &t : g.initializer()) {
        if (t.data_location() == onnx::TensorProto::EXTERNAL)
            throw ModelError(m_path, "initializer '" + t.name() + "' keeps its data in an external file (not supported)");
        initializers.insert(t.name());
        defined.insert(t.name());
    }
    for (const auto &in : g.input()) {
        defined.insert(in.name());
        if (!initializers.count(in.name()))
            m_inputs.push_back(valueInfo(in));
    }
    if (m_inputs.empty())
        throw ModelError(m_path, "graph has no runtime inputs");
    for (int i = 0; i < g.node_size(); ++i) {
        const auto &node = g.node(i);
        for (const auto &name : node.input())
            if (!name.empty() && !defined.count(name))
                throw ModelError(m_path, nodeLabel(node, i) + " reads '" + name +
                                             "', which no input, initializer or earlier node defines "
                                             "(file truncated, or nodes not in topological order)");
        for (const auto &name : node.output())
            if (!name.empty())
                defined.insert(name);
    }
    if (g.output_size() == 0)
        throw ModelError(m_path, "graph has no outputs");
    for (const auto &out : g.output()) {
        if (!defined.count(out.name()))
            throw ModelError(m_path, "graph output '" + out.name() + "' is never computed");
        m_outputs.push_back(valueInfo(out));
    }
}

int64_t OnnxModelFile::declaredBatch() const
{
    int64_t batch = -1;
    for (const auto &in : m_inputs) {
        if (in.shape.empty() || in.shape[0] <= 0)
            return -1;
        if (batch != -1 && batch != in.shape[0])
            return -1;
        batch = in.shape[0];
    }
    return batch;
}

std::map<std::string, int> OnnxModelFile::opHistogram() const
{
    std::map<std::string, int> h;
    for (const auto &node : graph().node())
        ++h[opKey(node)];
    return h;
}

std::vector<std::string> OnnxModelFile::unsupportedOps() const
{
    std::vector<std::string> missing;
    for (const auto &[op, count] : opHistogram())
        if (op.find("::") != std::string::npos || !isSupportedOnnxOp(op))
            missing.push_back(op);
    return missing; // std::map iteration: already sorted and unique
}

} // namespace facelab::nn

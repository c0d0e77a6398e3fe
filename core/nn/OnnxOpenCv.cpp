#include "nn/OnnxOpenCv.h"

#include <cstring>
#include <map>

namespace facelab::nn {
namespace {

// Scalar float value of a constant (initializer or Constant node output), if it is one.
bool scalarOf(const onnx::TensorProto &t, float &v)
{
    if (t.data_type() != onnx::TensorProto::FLOAT)
        return false;
    int64_t n = 1;
    for (auto d : t.dims())
        n *= d;
    if (n != 1)
        return false;
    if (t.float_data_size() == 1)
        v = t.float_data(0);
    else if (t.raw_data().size() == sizeof(float))
        std::memcpy(&v, t.raw_data().data(), sizeof(float));
    else
        return false;
    return true;
}

} // namespace

std::string openCvCompatibleBytes(const OnnxModelFile &file)
{
    if (file.opset() < 11)
        return {};
    std::map<std::string, float> scalars;
    for (const auto &init : file.graph().initializer()) {
        float v = 0;
        if (scalarOf(init, v))
            scalars[init.name()] = v;
    }
    for (const auto &node : file.graph().node())
        if (node.op_type() == "Constant" && node.output_size() == 1)
            for (const auto &a : node.attribute()) {
                float v = 0;
                if (a.name() == "value" && a.has_t() && scalarOf(a.t(), v))
                    scalars[node.output(0)] = v;
            }

    onnx::ModelProto copy = file.proto();
    bool changed = false;
    for (auto &node : *copy.mutable_graph()->mutable_node()) {
        if (node.op_type() != "Clip" || node.input_size() < 2)
            continue;
        bool ok = true;
        float bounds[2] = {0, 0};
        for (int i = 1; i < node.input_size() && ok; ++i) {
            const std::string &name = node.input(i);
            if (name.empty())
                continue;
            const auto it = scalars.find(name);
            ok = it != scalars.end();
            if (ok)
                bounds[i - 1] = it->second;
        }
        if (!ok)
            continue;   // a data-dependent bound: leave it, OpenCV will say it cannot read it
        const std::string lo = node.input(1), hi = node.input_size() > 2 ? node.input(2) : std::string();
        const std::string x = node.input(0);
        node.clear_input();
        node.add_input(x);
        if (!lo.empty()) {
            auto *a = node.add_attribute();
            a->set_name("min");
            a->set_type(onnx::AttributeProto::FLOAT);
            a->set_f(bounds[0]);
        }
        if (!hi.empty()) {
            auto *a = node.add_attribute();
            a->set_name("max");
            a->set_type(onnx::AttributeProto::FLOAT);
            a->set_f(bounds[1]);
        }
        changed = true;
    }
    return changed ? copy.SerializeAsString() : std::string();
}

cv::dnn::Net readOpenCvNet(const OnnxModelFile &file)
{
    const std::string bytes = openCvCompatibleBytes(file);
    if (bytes.empty())
        return cv::dnn::readNetFromONNX(file.path());
    return cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
}

} // namespace facelab::nn

#include "nn/families/OnnxFamily.h"

#include "nn/ModelError.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxImportReport.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace facelab::nn {
namespace {

std::string valueInfosJson(const std::vector<OnnxValueInfo> &v)
{
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) {
        s += (i ? "," : "") + std::string("{\"name\":") + ckpt::jsonQuoted(v[i].name) + ",\"shape\":[";
        for (size_t k = 0; k < v[i].shape.size(); ++k)
            s += (k ? "," : "") + std::to_string(v[i].shape[k]);
        s += "]}";
    }
    return s + "]";
}

// What the ONNX importer found, in the report's family-specific part (the keys the CLI has always printed).
std::string detailsJson(const OnnxImportReport &r)
{
    std::ostringstream s;
    s << "{\"opset\":" << r.opset << ",\"ir_version\":" << r.irVersion << ",\"producer\":" << ckpt::jsonQuoted(r.producer)
      << ",\"parameters\":" << r.parameterCount << ",\"parameter_tensors\":" << r.parameterTensors
      << ",\"buffer_tensors\":" << r.bufferTensors << ",\"inputs\":" << valueInfosJson(r.inputs)
      << ",\"outputs\":" << valueInfosJson(r.outputs) << ",\"ops\":{";
    bool first = true;
    for (const auto &[op, n] : r.opHistogram) {
        s << (first ? "" : ",") << ckpt::jsonQuoted(op) << ":" << n;
        first = false;
    }
    s << "}";
    if (std::isfinite(r.maxAbsDiffVsOpenCV)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.9g", r.maxAbsDiffVsOpenCV);
        s << ",\"max_abs_diff_vs_opencv\":" << buf;
    } else {
        s << ",\"max_abs_diff_vs_opencv\":null";
    }
    s << ",\"opencv_note\":" << ckpt::jsonQuoted(r.openCvNote) << ",\"agrees_with_opencv\":"
      << (r.agreesWithOpenCV() ? "true" : "false") << "}";
    return s.str();
}

class OnnxFamily final : public ModelFamily
{
public:
    std::string id() const override { return "onnx"; }
    std::string displayName() const override { return "ONNX graph"; }

    bool accepts(const std::string &path) const override
    {
        // A protobuf ModelProto starts with field 1 (ir_version, varint: 0x08) in every exporter
        // we know; the suffix decides the rest (a zip or pickle is never an ONNX file).
        std::ifstream f(path, std::ios::binary);
        char c = 0;
        if (!f.get(c) || c != 0x08)
            return false;
        const auto dot = path.rfind('.');
        return dot != std::string::npos && path.substr(dot) == ".onnx";
    }

    LoadReport inspect(const std::string &path) const override
    {
        const OnnxImportReport r = inspectOnnxModel(path);
        LoadReport rep;
        rep.path = path;
        rep.family = id();
        rep.architecture = "ONNX opset " + std::to_string(r.opset) + (r.producer.empty() ? "" : ", from " + r.producer);
        rep.tensorsExpected = r.parameterTensors + r.bufferTensors;
        rep.tensorsLoaded = r.loadable() ? rep.tensorsExpected : 0;
        rep.parameterCount = r.parameterCount;
        if (!r.loadable()) {
            std::string ops;
            for (const auto &o : r.unsupportedOps)
                ops += (ops.empty() ? "" : ", ") + o;
            rep.refusal = "unsupported ONNX operators: " + ops;
        } else if (r.inputs.size() != 1 || r.inputs[0].shape.size() != 4 || r.inputs[0].shape[1] != 3) {
            rep.refusal = "expected one image input of shape [N,3,H,W], the model has " +
                          (r.inputs.empty() ? std::string("none") : shapeToString(r.inputs[0].shape));
        }
        if (!r.inputs.empty() && r.inputs[0].shape.size() == 4) {
            if (r.inputs[0].shape[2] > 0)
                rep.inputHeight = int(r.inputs[0].shape[2]);
            if (r.inputs[0].shape[3] > 0)
                rep.inputWidth = int(r.inputs[0].shape[3]);
        }
        if (!r.outputs.empty() && !r.outputs[0].shape.empty())
            rep.embeddingDim = int(std::max<int64_t>(0, r.outputs[0].shape.back()));
        rep.crossCheck.applicable = true;
        rep.crossCheck.runtime = "OpenCV dnn";
        rep.crossCheck.maxAbsDiff = r.maxAbsDiffVsOpenCV;
        rep.crossCheck.note = r.openCvNote;
        rep.detailsJson = detailsJson(r);
        return rep;
    }

    FaceModel open(const std::string &path, const OpenOptions &options) const override
    {
        if (!options.preprocessing)
            throw ModelError(path, "an ONNX file does not say how it wants its input: give its preprocessing");
        auto net = std::make_shared<OnnxGraphModuleImpl>(path);
        Preprocessing spec = *options.preprocessing;
        spec.width = net->inputWidth();
        spec.height = net->inputHeight();
        return FaceModel(net, spec, path);
    }

    std::string fileSuffix() const override { return ".onnx"; }
    std::vector<std::string> exportFormats() const override { return {".onnx"}; }

    CrossCheck exportTo(const FaceModel &model, const std::string &path) const override
    {
        auto *net = dynamic_cast<OnnxGraphModuleImpl *>(model.net().get());
        if (!net)
            throw ModelError(path, "not an ONNX model");
        model.save(path);
        CrossCheck c;
        c.applicable = true;
        c.runtime = "OpenCV dnn";
        try {
            // The written file read back by OpenCV against the network in memory.
            const bool wasTraining = net->is_training();
            net->eval();
            c.maxAbsDiff = maxAbsDiffVsOpenCV(*net, path, int(std::max<int64_t>(1, net->file().declaredBatch())) * 2);
            if (wasTraining)
                net->train();
        } catch (const ModelError &e) {
            c.note = e.problem();
        }
        return c;
    }
};

} // namespace

const ModelFamily &onnxFamily()
{
    static const OnnxFamily family;
    return family;
}

} // namespace facelab::nn

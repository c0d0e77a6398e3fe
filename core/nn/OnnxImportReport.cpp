#include "nn/OnnxImportReport.h"

#include "nn/ModelError.h"
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxOpenCv.h"

#include <opencv2/dnn.hpp>

#include <cmath>
#include <random>
#include <sstream>

namespace facelab::nn {

bool OnnxImportReport::agreesWithOpenCV(double tolerance) const
{
    return loadable() && std::isfinite(maxAbsDiffVsOpenCV) && maxAbsDiffVsOpenCV < tolerance;
}

std::string OnnxImportReport::summary() const
{
    std::ostringstream s;
    s << path << "\n  IR " << irVersion << ", opset " << opset << (producer.empty() ? "" : ", from " + producer) << "\n";
    for (const auto &in : inputs)
        s << "  input  " << in.name << " " << shapeToString(in.shape) << "\n";
    for (const auto &out : outputs)
        s << "  output " << out.name << " " << shapeToString(out.shape) << "\n";
    s << "  operators:";
    for (const auto &[op, n] : opHistogram)
        s << " " << op << " " << n;
    s << "\n";
    if (!unsupportedOps.empty()) {
        s << "  REFUSED, unsupported operators:";
        for (const auto &op : unsupportedOps)
            s << " " << op;
        s << "\n";
        return s.str();
    }
    s << "  " << parameterCount << " trainable values in " << parameterTensors << " parameters, " << bufferTensors
      << " buffers\n";
    if (std::isfinite(maxAbsDiffVsOpenCV))
        s << "  max |LibTorch - OpenCV dnn| = " << maxAbsDiffVsOpenCV << " (random batch of " << comparedBatch << ")\n";
    else
        s << "  not compared with OpenCV dnn: " << openCvNote << "\n";
    return s.str();
}

double maxAbsDiffVsOpenCV(OnnxGraphModuleImpl &module, const std::string &onnxPath, int batch, uint64_t seed)
{
    const auto &file = module.file();
    const int64_t declared = file.declaredBatch();
    const int64_t chunk = declared > 0 ? declared : batch;
    if (batch <= 0 || batch % chunk != 0)
        throw ModelError(onnxPath, "comparison batch " + std::to_string(batch) + " is not a multiple of the graph's batch " +
                                       std::to_string(chunk));

    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.f, 1.f);
    std::vector<torch::Tensor> inputs;
    for (const auto &in : file.inputs()) {
        if (in.elemType != onnx::TensorProto::FLOAT)
            throw ModelError(onnxPath, "input '" + in.name + "' is not float; no random comparison batch");
        std::vector<int64_t> shape = in.shape;
        if (shape.empty())
            throw ModelError(onnxPath, "input '" + in.name + "' has no declared shape; no random comparison batch");
        shape[0] = batch;
        for (auto d : shape)
            if (d < 0)
                throw ModelError(onnxPath, "input '" + in.name + "' has an unknown dimension " + shapeToString(in.shape));
        auto t = torch::empty(shape, torch::kFloat);
        float *p = t.data_ptr<float>();
        for (int64_t i = 0; i < t.numel(); ++i)
            p[i] = uniform(rng);
        inputs.push_back(t);
    }

    std::vector<torch::Tensor> ours;
    {
        torch::NoGradGuard noGrad;
        for (auto &t : module.forwardAll(inputs))
            ours.push_back(t.detach().to(torch::kCPU, torch::kFloat).contiguous());
    }

    std::vector<std::string> outNames;
    for (const auto &out : file.outputs())
        outNames.push_back(out.name);
    double worst = 0.0;
    try {
        // The file as written, or its OpenCV-readable copy (Clip bounds as attributes).
        cv::dnn::Net net = readOpenCvNet(file.path() == onnxPath ? file : OnnxModelFile::load(onnxPath));
        for (int64_t c = 0; c < batch; c += chunk) {
            for (size_t i = 0; i < inputs.size(); ++i) {
                auto part = inputs[i].narrow(0, c, chunk).contiguous();
                std::vector<int> dims(part.sizes().begin(), part.sizes().end());
                net.setInput(cv::Mat(int(dims.size()), dims.data(), CV_32F, part.data_ptr<float>()).clone(),
                             file.inputs()[i].name);
            }
            std::vector<cv::Mat> theirs;
            net.forward(theirs, outNames);
            for (size_t k = 0; k < outNames.size(); ++k) {
                torch::Tensor mine;
                if (ours[k].dim() > 0 && ours[k].size(0) == batch)
                    mine = ours[k].narrow(0, c, chunk).contiguous();
                else if (chunk == batch)
                    mine = ours[k];
                else
                    throw ModelError(onnxPath, "output '" + outNames[k] + "' does not carry the batch");
                cv::Mat ref = theirs[k];
                if (ref.type() != CV_32F || int64_t(ref.total()) != mine.numel())
                    throw ModelError(onnxPath, "OpenCV dnn output '" + outNames[k] + "' has " + std::to_string(ref.total()) +
                                                   " values, LibTorch " + std::to_string(mine.numel()));
                ref = ref.isContinuous() ? ref : ref.clone();
                const float *a = ref.ptr<float>();
                const float *b = mine.data_ptr<float>();
                for (int64_t j = 0; j < mine.numel(); ++j) {
                    const double d = std::abs(double(a[j]) - double(b[j]));
                    if (!(d <= worst)) // also catches NaN
                        worst = std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
                }
            }
        }
    } catch (const cv::Exception &e) {
        throw ModelError(onnxPath, "OpenCV dnn: " + e.err);
    }
    return worst;
}

namespace {

OnnxImport runImport(const std::string &path, int compareBatch, bool refuseUnsupported)
{
    OnnxModelFile file = OnnxModelFile::load(path);
    OnnxImport result;
    auto &r = result.report;
    r.path = path;
    r.irVersion = file.proto().ir_version();
    r.opset = file.opset();
    r.producer = file.proto().producer_name();
    r.inputs = file.inputs();
    r.outputs = file.outputs();
    r.opHistogram = file.opHistogram();
    r.unsupportedOps = file.unsupportedOps();
    if (!r.unsupportedOps.empty()) {
        if (refuseUnsupported)
            throw UnsupportedOpsError(path, r.unsupportedOps);
        r.openCvNote = "model refused";
        return result;
    }
    result.module = std::make_shared<OnnxGraphModuleImpl>(std::move(file));
    r.parameterCount = result.module->parameterCount();
    r.parameterTensors = int64_t(result.module->named_parameters().size());
    r.bufferTensors = int64_t(result.module->named_buffers().size());
    const int64_t declared = result.module->file().declaredBatch();
    int batch = std::max(1, compareBatch);
    if (declared > 1)
        batch = int(((batch + declared - 1) / declared) * declared);
    try {
        r.maxAbsDiffVsOpenCV = maxAbsDiffVsOpenCV(*result.module, path, batch);
        r.comparedBatch = batch;
    } catch (const ModelError &e) {
        r.openCvNote = e.problem(); // LibTorch loaded it; the second runtime could not check it
    }
    return result;
}

} // namespace

OnnxImportReport inspectOnnxModel(const std::string &path, int compareBatch)
{
    return runImport(path, compareBatch, false).report;
}

OnnxImport importOnnxModel(const std::string &path, int compareBatch) { return runImport(path, compareBatch, true); }

} // namespace facelab::nn

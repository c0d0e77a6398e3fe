#include "nn/families/PatchCnnFamily.h"

#include "nn/FaceNet.h"
#include "nn/ModelError.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/families/NativeOnnxExport.h"
#include "nn/families/PatchCnn.h"
#include "nn/families/PatchCnnFuse.h"
#include "nn/families/StateDictLoad.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <fstream>
#include <set>

namespace facelab::nn {

namespace pcnn {

namespace {

StateDictRules rules()
{
    StateDictRules r;
    r.containers = {"backbone.", "state_dict.", "model.", ""};
    r.isHead = [](const std::string &key, const std::vector<int64_t> &) { return key.rfind("jigsaw.", 0) == 0; };
    return r;
}

// N from the state dict: nets.K count, checked against linear.weight [256, N*256].
int sizeFromEntries(const std::vector<std::pair<std::string, const ckpt::TensorEntry *>> &entries,
                    const std::string &path)
{
    int maxIndex = -1;
    const ckpt::TensorEntry *linear = nullptr;
    for (const auto &[key, entry] : entries) {
        if (key == "linear.weight")
            linear = entry;
        if (key.rfind("nets.", 0) != 0)
            continue;
        const auto dot = key.find('.', 5);
        if (dot == std::string::npos || key.compare(dot, std::string::npos, ".conv.weight") != 0)
            continue;
        try {
            maxIndex = std::max(maxIndex, std::stoi(key.substr(5, dot - 5)));
        } catch (const std::exception &) {
        }
    }
    if (maxIndex < 0)
        return 0;
    const int n = maxIndex + 1;
    const int g = int(std::lround(std::sqrt(double(n))));
    if (g * g != n || (g != 2 && g != 3 && g != 4))
        throw ModelError(path, "PatchCNN with " + std::to_string(n) +
                                   " patch backbones: only 4, 9 or 16 (input 64, 96, 128) exist");
    if (linear && (linear->shape.size() != 2 || linear->shape[1] != int64_t(n) * 256))
        throw ModelError(path, "PatchCNN with " + std::to_string(n) + " patch backbones but linear.weight " +
                                   c10::str(c10::IntArrayRef(linear->shape)) + " (expected [256, " +
                                   std::to_string(n * 256) + "])");
    return g * 32;
}

} // namespace

torch::Tensor checkBatchForExport();

namespace {

torch::Tensor checkBatch()
{
    // Fixed synthetic faces in [-1, 1] (the preprocessed range); the global RNG is left alone.
    auto gen = at::detail::createCPUGenerator(20250611);
    return torch::rand({4, 3, 112, 112}, gen, torch::TensorOptions().dtype(torch::kFloat)) * 2 - 1;
}


} // namespace

torch::Tensor checkBatchForExport() { return checkBatch(); }

Preprocessing patchCnnPreprocessing()
{
    Preprocessing p;
    p.order = ChannelOrder::RGB;
    p.mean = {127.5f, 127.5f, 127.5f};
    p.stdDev = {127.5f, 127.5f, 127.5f};
    p.width = 112;
    p.height = 112;
    return p;
}

int detectPatchCnnSize(const std::string &path)
{
    const auto c = ckpt::readTorchSave(path);
    return sizeFromEntries(stateDictEntries(c, rules()), path);
}

std::shared_ptr<PatchCnnImpl> loadPatchCnn(const std::string &path, int inputSize, LoadReport &report)
{
    const auto c = ckpt::readTorchSave(path);
    const auto r = rules();
    const auto entries = stateDictEntries(c, r);
    const int detected = sizeFromEntries(entries, path);
    if (detected == 0)
        throw ModelError(path, "not a CryptoFace PatchCNN checkpoint (no nets.K.conv.weight tensors)");
    const int size = inputSize > 0 ? inputSize : detected;

    auto net = std::make_shared<PatchCnnImpl>(size);
    report = loadStateDict(*net, c, r);
    net->eval();
    report.path = path;
    report.family = "pcnn";
    report.architecture = "pcnn" + std::to_string(size);
    report.parameterCount = net->parameterCount();
    report.inputWidth = 112;
    report.inputHeight = 112;
    report.embeddingDim = net->embeddingDim();
    report.preprocessing = patchCnnPreprocessing();
    report.notes.push_back("CryptoFace preprocessing: RGB, (x/255 - 0.5)/0.5 at 112x112, then resized to " +
                           std::to_string(size) + "x" + std::to_string(size) +
                           " inside the network (bilinear, antialiased) as CryptoFace's evaluation does");
    if (detected != size)
        report.notes.push_back("the file holds a PatchCNN" + std::to_string(detected) + " (" +
                               std::to_string((detected / 32) * (detected / 32)) + " patches), opened as PatchCNN" +
                               std::to_string(size));

    // Keep the jigsaw head to write it back (CryptoFace's load_state_dict is strict).
    for (const auto &[key, entry] : entries)
        if (key.rfind("jigsaw.", 0) == 0)
            net->extraState.emplace_back(key, toTorch(*entry).to(torch::kFloat));

    // What the file holds besides the network (training state, not loaded).
    std::map<std::string, int> outside;
    for (const auto &t : c.tensors)
        if (t.path.rfind("backbone.", 0) != 0)
            ++outside[t.path.substr(0, t.path.find('.'))];
    std::string other;
    for (const auto &[k, n] : outside)
        other += (other.empty() ? "" : ", ") + k + " (" + std::to_string(n) + " tensors)";
    for (const auto &s : c.scalars)
        if (s.path.find('.') == std::string::npos)
            other += (other.empty() ? "" : ", ") + s.path + "=" + s.value;
    if (!other.empty() && !entries.empty())
        report.notes.push_back("training state in the file, not part of the network: " + other);

    std::ostringstream details;
    details << "{\"input_size\":" << size << ",\"patches\":" << net->patchCount() << ",\"file_input_size\":" << detected
            << ",\"in_network_resize\":\"bilinear antialias 112->" << size << "\"}";
    report.detailsJson = details.str();

    report.crossCheck.runtime = "fused per-patch head";
    report.crossCheck.tolerance = 1e-5;
    if (report.complete()) {
        const auto batch = checkBatch();
        report.fusedMaxAbsDiff = fusedMaxAbsDiff(*net, batch);
        // float32 agreement scales with the embedding's size: 1e-5 for unit-sized embeddings.
        double scale = 1.0;
        {
            torch::NoGradGuard guard;
            scale = std::max(1.0, net->forward(batch).abs().max().item<double>());
        }
        report.crossCheck.tolerance = 1e-5 * scale;
        report.crossCheck.applicable = true;
        report.crossCheck.maxAbsDiff = report.fusedMaxAbsDiff;
        report.crossCheck.note = "head BatchNorm folded into the linear layer (double), split per patch; "
                                 "4 synthetic faces";
    } else {
        report.crossCheck.note = "incomplete load: fusion not checked";
    }
    return net;
}

LoadReport inspectPatchCnn(const std::string &path, int inputSize)
{
    LoadReport report;
    loadPatchCnn(path, inputSize, report);
    return report;
}

FaceModel openPatchCnn(const std::string &path, int inputSize, const OpenOptions &options)
{
    LoadReport report;
    auto net = loadPatchCnn(path, inputSize, report);
    return openLoadedNet(path, net, report, options, patchCnnPreprocessing());
}

} // namespace pcnn

namespace {

class PatchCnnFamily : public ModelFamily
{
public:
    std::string id() const override { return "pcnn"; }
    std::string displayName() const override { return "CryptoFace PatchCNN"; }
    bool accepts(const std::string &path) const override
    {
        // torch.save files only: zip ("PK") or the legacy pickle stream (0x80 protocol byte).
        std::ifstream in(path, std::ios::binary);
        char magic[2] = {0, 0};
        if (!in.read(magic, 2))
            return false;
        if (!(magic[0] == 'P' && magic[1] == 'K') && static_cast<unsigned char>(magic[0]) != 0x80)
            return false;
        try {
            return pcnn::detectPatchCnnSize(path) > 0;
        } catch (const std::exception &) {
            return false;
        }
    }
    LoadReport inspect(const std::string &path) const override { return pcnn::inspectPatchCnn(path, 0); }
    FaceModel open(const std::string &path, const OpenOptions &options) const override
    {
        return pcnn::openPatchCnn(path, 0, options);
    }
    std::string fileSuffix() const override { return ".ckpt"; }
    std::vector<std::string> exportFormats() const override { return {".ckpt", ".pth", ".onnx"}; }
    // .ckpt/.pth: writes {backbone: state_dict} and reads it back: the reloaded network must give
    // the same embeddings on the synthetic check batch.
    // .onnx: the S x S network (NativeOnnxExport.h, patchCnnOnnxProto: the 112 -> S antialiased
    // resize stays outside the graph), written atomically, read back by OpenCV dnn and FaceLab's
    // ONNX executor and compared with the native forward on a seeded random S x S batch.
    CrossCheck exportTo(const FaceModel &model, const std::string &path) const override
    {
        auto net = std::dynamic_pointer_cast<pcnn::PatchCnnImpl>(model.net());
        if (!net)
            throw ModelError(path, "not a PatchCNN model (family '" + model.family() + "')");
        const auto dot = path.rfind('.');
        const std::string suffix = dot == std::string::npos ? std::string() : path.substr(dot);
        if (suffix == ".onnx") {
            exportPatchCnnOnnx(*net, path);
            return checkPatchCnnOnnx(*net, path);
        }
        if (suffix != ".ckpt" && suffix != ".pth")
            throw ModelError(path, "a PatchCNN exports as .ckpt or .pth (torch.save) or .onnx, not '" + suffix + "'");
        model.save(path);
        CrossCheck c;
        c.runtime = "FaceLab reload of the written file";
        c.tolerance = 1e-5;
        LoadReport report;
        auto back = pcnn::loadPatchCnn(path, net->networkInputSize(), report);
        if (!report.complete()) {
            c.note = "the written file reloads only " + report.countsText();
            return c;
        }
        torch::NoGradGuard guard;
        const bool wasTraining = net->is_training();
        net->eval();
        const auto batch = pcnn::checkBatchForExport().to(net->linearWeight.device());
        const auto a = net->forward(batch);
        net->train(wasTraining);
        back->to(net->linearWeight.device());
        const auto b = back->forward(batch);
        c.applicable = true;
        c.maxAbsDiff = (a - b).abs().max().item<double>();
        return c;
    }
};

} // namespace

const ModelFamily &patchCnnFamily()
{
    static const PatchCnnFamily family;
    return family;
}

} // namespace facelab::nn

#include "nn/families/TorchScriptFamily.h"

#include "nn/FaceNet.h"
#include "nn/ModelError.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include <cstdio>
#include <fstream>

namespace facelab::nn {

namespace {

constexpr int kInputSize = 112;

std::string errorText(const std::exception &e)
{
    if (const auto *ce = dynamic_cast<const c10::Error *>(&e))
        return ce->what_without_backtrace();
    return e.what();
}

std::string describe(const c10::IValue &v)
{
    if (v.isTensor())
        return "a tensor of shape " + c10::str(v.toTensor().sizes());
    if (v.isTuple()) {
        const auto &elems = v.toTupleRef().elements();
        std::string s = "a tuple of " + std::to_string(elems.size()) + " values (";
        for (size_t i = 0; i < elems.size(); ++i)
            s += (i ? ", " : "") + describe(elems[i]);
        return s + ")";
    }
    if (v.isGenericDict())
        return "a dict of " + std::to_string(v.toGenericDict().size()) + " entries";
    if (v.isList())
        return "a list of " + std::to_string(v.toListRef().size()) + " values";
    if (v.isNone())
        return "None";
    return "a value of type " + v.type()->str();
}

// torch state names may not contain '.'.
std::string stateName(const std::string &name)
{
    std::string s = name;
    for (auto &c : s)
        if (c == '.')
            c = '_';
    return s;
}

class TorchScriptNetImpl : public FaceNetImpl
{
public:
    TorchScriptNetImpl(torch::jit::Module module, std::string path) : m_module(std::move(module)), m_path(std::move(path))
    {
        // Share the script module's tensors so optimisers, parameterCount() and to() see them.
        for (const auto &p : m_module.named_parameters(true))
            register_parameter(stateName(p.name), p.value, p.value.requires_grad());
        for (const auto &b : m_module.named_buffers(true))
            register_buffer(stateName(b.name), b.value);
        syncMode();
    }

    std::string family() const override { return "torchscript"; }

    torch::Tensor forward(const torch::Tensor &input) override
    {
        if (input.dim() != 4 || input.size(1) != 3)
            throw ModelError(m_path, "expects a B x 3 x H x W batch, got " + c10::str(input.sizes()));
        c10::IValue out;
        try {
            out = m_module.forward({channelsLast() ? input.contiguous(at::MemoryFormat::ChannelsLast) : input});
        } catch (const std::exception &e) {
            throw ModelError(m_path, "TorchScript forward failed: " + errorText(e));
        }
        if (!out.isTensor() || out.toTensor().dim() != 2 || out.toTensor().size(0) != input.size(0))
            throw ModelError(m_path, "forward returned " + describe(out) + " for a batch of " +
                                         std::to_string(input.size(0)) + "; FaceLab needs one [B, D] tensor");
        auto t = out.toTensor();
        m_dim = int(t.size(1));
        return t;
    }

    int inputWidth() const override { return kInputSize; }
    int inputHeight() const override { return kInputSize; }
    int embeddingDim() const override { return m_dim; }
    void setEmbeddingDim(int d) { m_dim = d; }

    // TorchScript layers cannot be told apart: BatchNorm (and dropout) run in training mode only when
    // the network trains with BatchNormMode::Batch.
    void train(bool on) override
    {
        FaceNetImpl::train(on);
        syncMode();
    }
    void setBatchNormMode(BatchNormMode mode) override
    {
        FaceNetImpl::setBatchNormMode(mode);
        syncMode();
    }
    void setChannelsLast(bool on) override
    {
        FaceNetImpl::setChannelsLast(on);
        torch::NoGradGuard guard;
        for (auto &p : parameters())
            if (p.dim() == 4)
                p.set_data(on ? p.contiguous(at::MemoryFormat::ChannelsLast) : p.contiguous());
    }

    void save(const std::string &path) const override
    {
        const std::string tmp = path + ".tmp";
        try {
            m_module.save(tmp);
        } catch (const std::exception &e) {
            std::remove(tmp.c_str());
            throw ModelError(path, "cannot write the TorchScript module: " + errorText(e));
        }
        if (std::rename(tmp.c_str(), path.c_str()) != 0) {
            std::remove(tmp.c_str());
            throw ModelError(path, "cannot rename the written file into place");
        }
    }
    std::string fileSuffix() const override { return ".pt"; }

    const torch::jit::Module &module() const { return m_module; }

private:
    void syncMode() { m_module.train(is_training() && batchNormMode() == BatchNormMode::Batch); }

    torch::jit::Module m_module;
    std::string m_path;
    int m_dim = 0;
};

std::shared_ptr<TorchScriptNetImpl> load(const std::string &path, LoadReport &report)
{
    torch::jit::Module module;
    try {
        module = torch::jit::load(path, torch::kCPU);
    } catch (const std::exception &e) {
        throw ModelError(path, "not a loadable TorchScript module: " + errorText(e));
    }
    auto net = std::make_shared<TorchScriptNetImpl>(std::move(module), path);
    net->eval();
    int64_t params = 0, buffers = 0;
    for (const auto &p : net->module().named_parameters(true)) {
        (void)p;
        ++params;
    }
    for (const auto &b : net->module().named_buffers(true)) {
        (void)b;
        ++buffers;
    }
    report = LoadReport{};
    report.path = path;
    report.family = "torchscript";
    report.architecture = "torchscript " + net->module().type()->name()->qualifiedName();
    report.tensorsExpected = params + buffers;
    report.tensorsLoaded = params + buffers;
    report.parameterCount = net->parameterCount();
    report.inputWidth = report.inputHeight = kInputSize;

    // The declared output: one [B, D] tensor for a dummy batch of 2 at the assumed 112x112.
    {
        torch::NoGradGuard guard;
        const auto dummy = torch::zeros({2, 3, kInputSize, kInputSize});
        net->forward(dummy); // throws naming what it returned
    }
    report.embeddingDim = net->embeddingDim();
    report.notes.push_back("a TorchScript file records no preprocessing: set the channel order, mean and std");
    report.crossCheck.note = "TorchScript runs in LibTorch's own interpreter: no second runtime";
    report.detailsJson = "{\"parameters\":" + std::to_string(params) + ",\"buffers\":" + std::to_string(buffers) +
                         ",\"assumed_input\":[3," + std::to_string(kInputSize) + "," + std::to_string(kInputSize) + "]}";
    return net;
}

class TorchScriptFamily : public ModelFamily
{
public:
    std::string id() const override { return "torchscript"; }
    std::string displayName() const override { return "TorchScript module"; }
    bool accepts(const std::string &path) const override
    {
        std::ifstream in(path, std::ios::binary);
        char magic[2] = {0, 0};
        if (!in.read(magic, 2) || magic[0] != 'P' || magic[1] != 'K')
            return false;
        try {
            caffe2::serialize::PyTorchStreamReader reader(path);
            if (!reader.hasRecord("constants.pkl"))
                return false;
            for (const auto &name : reader.getAllRecords())
                if (name.rfind("code/", 0) == 0)
                    return true;
        } catch (const std::exception &) {
        }
        return false;
    }
    LoadReport inspect(const std::string &path) const override
    {
        LoadReport report;
        load(path, report);
        return report;
    }
    FaceModel open(const std::string &path, const OpenOptions &options) const override
    {
        LoadReport report;
        auto net = load(path, report);
        Preprocessing spec;
        spec.width = spec.height = kInputSize;
        return FaceModel(net, options.preprocessing.value_or(spec), path);
    }
    std::string fileSuffix() const override { return ".pt"; }
    std::vector<std::string> exportFormats() const override { return {".pt"}; }
};

} // namespace

const ModelFamily &torchScriptFamily()
{
    static const TorchScriptFamily family;
    return family;
}

} // namespace facelab::nn

#include "nn/Embedder.h"

#include "nn/Engine.h"
#include "nn/ModelError.h"
#include "nn/OnnxGraphModule.h"

#include <opencv2/dnn.hpp>

#include <mutex>

namespace facelab::nn {

const char *backendName(EmbedBackend b)
{
    switch (b) {
    case EmbedBackend::Auto: return "auto";
    case EmbedBackend::OpenCvDnn: return "OpenCV dnn";
    case EmbedBackend::LibTorch: return "LibTorch";
    }
    return "?";
}

namespace {

// Faces per forward pass. LibTorch: 16 keeps the activations of a MobileFaceNet-sized net in cache
// and measured fastest on 2 cores; OpenCV dnn: 32 (its own optimum, and bounded memory).
constexpr int kTorchChunk = 16;
constexpr int kOpenCvChunk = 32;

void normaliseRows(cv::Mat &m)
{
    for (int r = 0; r < m.rows; ++r) {
        cv::Mat row = m.row(r);
        const double n = cv::norm(row, cv::NORM_L2);
        if (n > 1e-12)
            row /= n;
    }
}

} // namespace

struct Embedder::Impl
{
    EmbedBackend backend = EmbedBackend::LibTorch;
    Preprocessing spec;
    std::string label;
    cv::dnn::Net net;
    std::string netOutput;
    bool openCvKeepsBatch = true;
    std::shared_ptr<OnnxGraphModuleImpl> module;
    int chunk = kTorchChunk;
    std::mutex mutex;

    cv::Mat runOpenCv(const cv::Mat &blob, int n)
    {
        net.setInput(blob);
        cv::Mat out = net.forward(netOutput);
        if (out.total() % size_t(n) != 0)
            throw ModelError(label, "OpenCV dnn returned " + std::to_string(out.total()) + " values for " +
                                        std::to_string(n) + " faces");
        return out.reshape(1, n).clone();
    }

    cv::Mat runTorch(const std::vector<cv::Mat> &faces)
    {
        torch::Tensor x = facesToTensor(faces, spec);
        torch::Tensor y = module->forward(x);
        y = y.reshape({y.size(0), -1}).to(torch::kCPU, torch::kFloat).contiguous();
        return cv::Mat(int(y.size(0)), int(y.size(1)), CV_32F, y.data_ptr<float>()).clone();
    }

    cv::Mat runChunk(const std::vector<cv::Mat> &faces)
    {
        const int n = int(faces.size());
        if (backend == EmbedBackend::LibTorch)
            return runTorch(faces);
        if (openCvKeepsBatch || n == 1)
            return runOpenCv(facesToBlob(faces, spec), n);
        cv::Mat rows;
        for (const auto &f : faces)
            rows.push_back(runOpenCv(facesToBlob({f}, spec), 1));
        return rows;
    }

    // OpenCV dnn gives a batch of fr_feature.onnx as one row of B*512 values; reading it back as B
    // rows is only right if the net keeps faces apart. Check once on two random faces.
    void checkOpenCvBatch()
    {
        cv::Mat a(spec.height, spec.width, CV_8UC3), b(spec.height, spec.width, CV_8UC3);
        cv::randu(a, 0, 256);
        cv::randu(b, 0, 256);
        cv::Mat both = runOpenCv(facesToBlob({a, b}, spec), 2);
        cv::Mat one = runOpenCv(facesToBlob({a}, spec), 1), two = runOpenCv(facesToBlob({b}, spec), 1);
        const double scale = std::max(1.0, cv::norm(one, cv::NORM_INF));
        openCvKeepsBatch = both.rows == 2 && both.cols == one.cols && cv::norm(both.row(0), one, cv::NORM_INF) < 1e-4 * scale &&
                           cv::norm(both.row(1), two, cv::NORM_INF) < 1e-4 * scale;
    }
};

Embedder::Embedder(const std::string &onnxPath, Preprocessing spec, EmbedBackend backend) : d(std::make_unique<Impl>())
{
    initEngine();
    d->spec = spec;
    d->label = onnxPath;
    d->backend = backend == EmbedBackend::Auto ? EmbedBackend::LibTorch : backend;
    if (d->backend == EmbedBackend::OpenCvDnn) {
        const OnnxModelFile file = OnnxModelFile::load(onnxPath); // same validation and messages
        try {
            d->net = cv::dnn::readNetFromONNX(onnxPath);
        } catch (const cv::Exception &e) {
            throw ModelError(onnxPath, "OpenCV dnn: " + e.err);
        }
        d->netOutput = file.outputs().front().name;
        d->chunk = kOpenCvChunk;
        try {
            d->checkOpenCvBatch();
        } catch (const cv::Exception &e) {
            throw ModelError(onnxPath, "OpenCV dnn: " + e.err);
        }
    } else {
        d->module = std::make_shared<OnnxGraphModuleImpl>(onnxPath);
        d->module->to(preferredDevice());
        d->module->setChannelsLast(true);
    }
}

Embedder::Embedder(std::shared_ptr<OnnxGraphModuleImpl> module, Preprocessing spec) : d(std::make_unique<Impl>())
{
    initEngine();
    if (!module)
        throw std::invalid_argument("Embedder: no module");
    d->spec = spec;
    d->label = module->file().path();
    d->module = std::move(module);
}

Embedder::~Embedder() = default;
Embedder::Embedder(Embedder &&) noexcept = default;
Embedder &Embedder::operator=(Embedder &&) noexcept = default;

EmbedBackend Embedder::backend() const { return d->backend; }
const Preprocessing &Embedder::preprocessing() const { return d->spec; }
int Embedder::chunkSize() const { return d->chunk; }
void Embedder::setChunkSize(int faces) { d->chunk = std::max(1, faces); }

cv::Mat Embedder::embed(const std::vector<cv::Mat> &faces)
{
    std::lock_guard<std::mutex> lock(d->mutex);
    if (faces.empty())
        return cv::Mat();
    std::unique_ptr<c10::InferenceMode> inference;
    bool wasTraining = false;
    if (d->module) {
        // A shared (fine-tuned) module may be in training mode: embed in eval mode, then restore.
        wasTraining = d->module->is_training();
        d->module->eval();
        inference = std::make_unique<c10::InferenceMode>();
    }
    cv::Mat out;
    try {
        for (size_t i = 0; i < faces.size(); i += size_t(d->chunk)) {
            const size_t end = std::min(faces.size(), i + size_t(d->chunk));
            out.push_back(d->runChunk(std::vector<cv::Mat>(faces.begin() + long(i), faces.begin() + long(end))));
        }
    } catch (const cv::Exception &e) {
        if (wasTraining)
            d->module->train();
        throw ModelError(d->label, "OpenCV dnn: " + e.err);
    } catch (const std::invalid_argument &e) { // bad face images
        if (wasTraining)
            d->module->train();
        throw ModelError(d->label, e.what());
    } catch (...) {
        if (wasTraining)
            d->module->train();
        throw;
    }
    if (wasTraining)
        d->module->train();
    normaliseRows(out);
    return out;
}

} // namespace facelab::nn

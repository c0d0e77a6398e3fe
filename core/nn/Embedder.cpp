#include "nn/Embedder.h"

#include "nn/Engine.h"
#include "nn/ModelError.h"
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxOpenCv.h"

#include <opencv2/dnn.hpp>

#include <chrono>
#include <cstdio>
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

// Faces per forward pass, which bounds the memory of a large request. fr_feature.onnx on 2 cores
// (bench_embed): LibTorch 447 / 466 / 468 faces/s with chunks of 8 / 16 / 32 (flat, once Engine.cpp
// keeps freed blocks in the heap); OpenCV dnn is fastest at 32.
constexpr int kTorchChunk = 16;
constexpr int kOpenCvChunk = 32;

void normaliseRows(cv::Mat &m, std::vector<float> *norms)
{
    if (norms)
        norms->assign(size_t(m.rows), 0.f);
    for (int r = 0; r < m.rows; ++r) {
        cv::Mat row = m.row(r);
        const double n = cv::norm(row, cv::NORM_L2);
        if (norms)
            (*norms)[size_t(r)] = float(n);
        if (n > 1e-12)
            row /= n;
    }
}

} // namespace

struct Embedder::Impl
{
    EmbedBackend backend = EmbedBackend::LibTorch;
    std::string reason = "requested";
    Preprocessing spec;
    std::string label;
    cv::dnn::Net net;
    std::string netOutput;
    bool openCvKeepsBatch = true;
    std::shared_ptr<FaceNetImpl> module;
    int chunk = kTorchChunk;
    std::mutex mutex;

    void loadOpenCv(const std::string &path)
    {
        const OnnxModelFile file = OnnxModelFile::load(path); // same validation and messages
        try {
            net = readOpenCvNet(file);
            netOutput = file.outputs().front().name;
            checkOpenCvBatch();
        } catch (const cv::Exception &e) {
            net = cv::dnn::Net();
            throw ModelError(path, "OpenCV dnn: " + e.err);
        }
    }

    void loadTorch(const std::string &path)
    {
        if (!module)
            module = std::make_shared<OnnxGraphModuleImpl>(path);
        prepareTorch();
    }

    void prepareTorch()
    {
        module->to(preferredDevice());
        module->setChannelsLast(true);
    }

    void use(EmbedBackend b)
    {
        backend = b;
        chunk = b == EmbedBackend::LibTorch ? kTorchChunk : kOpenCvChunk;
    }

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

    std::vector<cv::Mat> randomFaces(int n) const
    {
        std::vector<cv::Mat> faces;
        cv::RNG rng(12345);
        for (int i = 0; i < n; ++i) {
            cv::Mat f(spec.height, spec.width, CV_8UC3);
            rng.fill(f, cv::RNG::UNIFORM, 0, 256);
            faces.push_back(f);
        }
        return faces;
    }

    // OpenCV dnn gives a batch of fr_feature.onnx as one row of B*512 values; reading it back as B
    // rows is only right if the net keeps faces apart. Check once on two random faces.
    void checkOpenCvBatch()
    {
        const auto f = randomFaces(2);
        cv::Mat both = runOpenCv(facesToBlob(f, spec), 2);
        cv::Mat one = runOpenCv(facesToBlob({f[0]}, spec), 1), two = runOpenCv(facesToBlob({f[1]}, spec), 1);
        const double scale = std::max(1.0, cv::norm(one, cv::NORM_INF));
        openCvKeepsBatch = both.rows == 2 && both.cols == one.cols && cv::norm(both.row(0), one, cv::NORM_INF) < 1e-4 * scale &&
                           cv::norm(both.row(1), two, cv::NORM_INF) < 1e-4 * scale;
    }

    // Seconds per face with backend `b` on a warm chunk of 16 random faces (best of two passes).
    double secondsPerFace(EmbedBackend b)
    {
        use(b);
        const auto faces = randomFaces(16);
        c10::InferenceMode inference;
        runChunk(faces); // warm-up: oneDNN primitives, OpenCV layer setup
        double best = 1e30;
        for (int i = 0; i < 2; ++i) {
            const auto start = std::chrono::steady_clock::now();
            runChunk(faces);
            best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        return best / double(faces.size());
    }

    void chooseFastest(const std::string &path)
    {
        if (cudaAvailable()) {
            loadTorch(path);
            use(EmbedBackend::LibTorch);
            reason = "CUDA is available (OpenCV dnn runs on the CPU)";
            return;
        }
        std::string torchError, cvError;
        try {
            loadTorch(path);
        } catch (const UnsupportedOpsError &e) {
            torchError = e.problem();
        }
        try {
            loadOpenCv(path);
        } catch (const ModelError &e) {
            if (!module) // neither runtime can use it: report LibTorch's (more specific) reason
                throw;
            cvError = e.problem();
        }
        if (!module) {
            use(EmbedBackend::OpenCvDnn);
            reason = "LibTorch cannot run it (" + torchError + ")";
            return;
        }
        if (!cvError.empty()) {
            use(EmbedBackend::LibTorch);
            reason = "OpenCV dnn cannot run it (" + cvError + ")";
            return;
        }
        const double torchTime = secondsPerFace(EmbedBackend::LibTorch);
        const double cvTime = secondsPerFace(EmbedBackend::OpenCvDnn);
        const bool torchWins = torchTime <= cvTime;
        use(torchWins ? EmbedBackend::LibTorch : EmbedBackend::OpenCvDnn);
        char buf[160];
        std::snprintf(buf, sizeof buf, "measured %.1f faces/s with LibTorch, %.1f with OpenCV dnn", 1.0 / torchTime,
                      1.0 / cvTime);
        reason = buf;
        if (torchWins) // free the runtime not used
            net = cv::dnn::Net();
        else
            module.reset();
    }
};

Embedder::Embedder(const std::string &onnxPath, Preprocessing spec, EmbedBackend backend) : d(std::make_unique<Impl>())
{
    initEngine();
    d->spec = spec;
    d->label = onnxPath;
    if (backend == EmbedBackend::Auto) {
        d->chooseFastest(onnxPath);
    } else if (backend == EmbedBackend::OpenCvDnn) {
        d->loadOpenCv(onnxPath);
        d->use(EmbedBackend::OpenCvDnn);
    } else {
        d->loadTorch(onnxPath);
        d->use(EmbedBackend::LibTorch);
    }
}

Embedder::Embedder(FaceModel model, EmbedBackend backend) : d(std::make_unique<Impl>())
{
    initEngine();
    if (!model)
        throw std::invalid_argument("Embedder: no model");
    d->spec = model.preprocessing();
    d->label = model.path();
    d->module = model.net();
    const bool onnxFile = model.family() == "onnx" && !model.path().empty();
    if (onnxFile && backend == EmbedBackend::Auto) {
        d->chooseFastest(model.path());
    } else if (onnxFile && backend == EmbedBackend::OpenCvDnn) {
        d->loadOpenCv(model.path());
        d->use(EmbedBackend::OpenCvDnn);
        d->module.reset();
    } else {
        d->prepareTorch();
        d->use(EmbedBackend::LibTorch);
    }
}

Embedder::~Embedder() = default;
Embedder::Embedder(Embedder &&) noexcept = default;
Embedder &Embedder::operator=(Embedder &&) noexcept = default;

EmbedBackend Embedder::backend() const { return d->backend; }
const std::string &Embedder::backendReason() const { return d->reason; }
const Preprocessing &Embedder::preprocessing() const { return d->spec; }
int Embedder::chunkSize() const { return d->chunk; }
void Embedder::setChunkSize(int faces) { d->chunk = std::max(1, faces); }

cv::Mat Embedder::embed(const std::vector<cv::Mat> &faces, std::vector<float> *norms)
{
    std::lock_guard<std::mutex> lock(d->mutex);
    if (norms)
        norms->clear();
    if (faces.empty())
        return cv::Mat();
    std::unique_ptr<c10::InferenceMode> inference;
    bool wasTraining = false;
    if (d->backend == EmbedBackend::LibTorch) {
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
    normaliseRows(out, norms);
    return out;
}

} // namespace facelab::nn

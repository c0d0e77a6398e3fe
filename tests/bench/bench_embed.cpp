// Embeddings per second of fr_feature.onnx with LibTorch (OnnxGraphModule) and OpenCV dnn, in the
// same run, at batch 1 and 32.
//   bench_embed [--seconds S] [--rounds R] [--model PATH]
// The machine may be shared (builds, other jobs): every configuration runs R rounds of about S / R
// seconds, interleaved with the others, and the best round is reported, so a burst of foreign load
// penalises no configuration more than another. The load average is printed before and after.
#include "BenchFlops.h"
#include "DataPaths.h"
#include "nn/FlopCount.h"
#include "nn/Embedder.h"
#include "nn/Engine.h"
#include "nn/OnnxGraphModule.h"
#include "nn/Preprocessing.h"

#include <opencv2/dnn.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

using namespace facelab::nn;
using Clock = std::chrono::steady_clock;

static double seconds = 6.0;
static int rounds = 5;

struct Config
{
    std::string name;
    int batch;
    std::function<void()> run; // embeds `batch` faces
    double best = 0;
};

// Faces per second of one round of about `budget` seconds.
static double round(const Config &c, double budget)
{
    int calls = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
        c.run();
        ++calls;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < budget);
    return calls * c.batch / elapsed;
}

static std::string loadAverage()
{
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

int main(int argc, char **argv)
{
    std::string model = facelab::modelsDir() + "/fr_feature.onnx";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--seconds"))
            seconds = std::atof(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--rounds"))
            rounds = std::max(1, std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--model"))
            model = argv[i + 1];
    }
    if (!std::filesystem::exists(model)) {
        std::fprintf(stderr, "bench_embed: %s not found (run packaging/fetch-models.sh)\n", model.c_str());
        return 2;
    }
    initEngine();
    std::printf("model %s\nthreads: torch %d (interop %d), OpenCV %d; oneDNN %s; CUDA %s\nload average before: %s\n",
                model.c_str(), torch::get_num_threads(), torch::get_num_interop_threads(), cv::getNumThreads(),
                at::hasMKLDNN() ? "yes" : "no", cudaAvailable() ? "yes" : "no", loadAverage().c_str());

    const Preprocessing spec = Preprocessing::frFeature();
    std::vector<cv::Mat> faces(32);
    cv::RNG rng(7);
    for (auto &f : faces) {
        f.create(112, 112, CV_8UC3);
        rng.fill(f, cv::RNG::UNIFORM, 0, 256);
    }

    cv::dnn::Net net = cv::dnn::readNetFromONNX(model);
    OnnxGraphModule nchw(model);
    OnnxGraphModule nhwc(model);
    nhwc->setChannelsLast(true);
    Embedder torchEmbedder(model, spec, EmbedBackend::LibTorch);
    Embedder cvEmbedder(model, spec, EmbedBackend::OpenCvDnn);
    Embedder autoEmbedder(model, spec);
    std::printf("Embedder Auto chose %s: %s\n", backendName(autoEmbedder.backend()), autoEmbedder.backendReason().c_str());

    std::vector<Config> configs;
    std::map<int, std::vector<cv::Mat>> batchFaces;
    std::map<int, cv::Mat> blobs;
    std::map<int, torch::Tensor> tensors;
    for (int n : {1, 32}) {
        batchFaces[n] = std::vector<cv::Mat>(faces.begin(), faces.begin() + n);
        blobs[n] = facesToBlob(batchFaces[n], spec);
        tensors[n] = facesToTensor(batchFaces[n], spec);
        const auto &f = batchFaces[n];
        const auto &blob = blobs[n];
        const auto &x = tensors[n];
        configs.push_back({"OpenCV dnn forward", n, [&net, &blob] {
                               net.setInput(blob);
                               net.forward();
                           }});
        configs.push_back({"LibTorch forward, NCHW", n, [&nchw, &x] {
                               c10::InferenceMode guard;
                               nchw->forward(x);
                           }});
        configs.push_back({"LibTorch forward, channels-last", n, [&nhwc, &x] {
                               c10::InferenceMode guard;
                               nhwc->forward(x);
                           }});
        for (int chunk : {8, 16})
            if (n > chunk)
                configs.push_back({"LibTorch forward, channels-last, chunks of " + std::to_string(chunk), n,
                                   [&nhwc, &x, n, chunk] {
                                       c10::InferenceMode guard;
                                       for (int i = 0; i < n; i += chunk)
                                           nhwc->forward(x.narrow(0, i, std::min(chunk, n - i)));
                                   }});
        configs.push_back({"Embedder OpenCV dnn (preprocess+normalise)", n, [&cvEmbedder, &f] { cvEmbedder.embed(f); }});
        configs.push_back({"Embedder LibTorch (preprocess+normalise)", n, [&torchEmbedder, &f] { torchEmbedder.embed(f); }});
    }
    for (auto &c : configs) { // warm-up: first passes build oneDNN primitives and caches
        c.run();
        c.run();
    }
    const double budget = seconds / rounds;
    for (int r = 0; r < rounds; ++r)
        for (auto &c : configs)
            c.best = std::max(c.best, round(c, budget));

    // Work per image from the graph's own shapes, and what the best figures achieve of the peak.
    const double imageFlops = forwardFlops(*nchw, tensors[1]);
    const facelab::bench::MachinePeak peak = facelab::bench::machinePeak();
    std::printf("\nwork: %.3f GFLOP per image (convolutions + matrix products)\nmachine peak: %s\n", imageFlops / 1e9,
                peak.describe().c_str());
    std::printf("\n%-48s %10s %10s   (best of %d rounds of %.1f s)\n", "images/s", "batch 1", "batch 32", rounds, budget);
    std::map<std::string, std::map<int, double>> table;
    std::vector<std::string> order;
    for (const auto &c : configs) {
        if (!table.count(c.name))
            order.push_back(c.name);
        table[c.name][c.batch] = c.best;
    }
    for (const auto &name : order) {
        auto cell = [&](int b) {
            char buf[32] = "-";
            if (table[name].count(b))
                std::snprintf(buf, sizeof buf, "%.1f", table[name][b]);
            return std::string(buf);
        };
        std::printf("%-48s %10s %10s\n", name.c_str(), cell(1).c_str(), cell(32).c_str());
    }
    for (int b : {1, 32}) {
        const double cv = table["Embedder OpenCV dnn (preprocess+normalise)"][b];
        const double lt = table["Embedder LibTorch (preprocess+normalise)"][b];
        std::printf("batch %2d: Embedder LibTorch / OpenCV dnn = %.2f (LibTorch %s); LibTorch %s, OpenCV dnn %s\n", b,
                    lt / cv, lt >= cv ? "faster" : "slower", facelab::bench::achieved(imageFlops, lt, peak).c_str(),
                    facelab::bench::achieved(imageFlops, cv, peak).c_str());
    }
    std::printf("load average after: %s\n", loadAverage().c_str());
    return 0;
}

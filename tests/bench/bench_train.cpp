// Training pairs per second of contrastive fine-tuning (core/train's ContrastiveTrainer) on
// fr_feature.onnx, against the same loop in PyTorch on the same graph (bench_train.py, Debian's
// python3-torch) in the same run. Random faces: the speed does not depend on what they show.
//   bench_train [--model PATH] [--pairs N] [--batch B] [--epochs E] [--rounds R] [--profile TRACE.json]
// Rounds alternate C++ and Python so that foreign load on a shared machine hits both alike; the
// best round of each is reported.
#include "BenchFlops.h"
#include "DataPaths.h"
#include "nn/FlopCount.h"
#include "nn/ModelFamily.h"
#include "train/ContrastiveTrainer.h"

#include <opencv2/core.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using namespace facelab;

namespace {

double cppRound(const std::string &model, int pairs, int batch, int epochs, const std::string &profile = {})
{
    train::TrainingSet set;
    cv::RNG rng(1);
    for (int i = 0; i < pairs; ++i) {
        cv::Mat face(112, 112, CV_8UC3);
        rng.fill(face, cv::RNG::UNIFORM, 0, 256);
        set.faces.push_back(face);
    }
    for (int i = 0; i < pairs; ++i)
        set.train.push_back({rng.uniform(0, pairs), rng.uniform(0, pairs), rng.uniform(0, 2) == 1});
    for (int i = 0; i < 8; ++i)   // the validation pass is not timed (pairsPerSecond excludes it)
        set.validation.push_back({i, i + 8, i % 2 == 0});
    train::ContrastiveOptions o;
    o.batchPairs = batch;
    // One extra epoch, as in the Python loop: the first warms the allocator and oneDNN kernels.
    o.epochs = 1;
    nn::OpenOptions open;
    open.preprocessing = nn::Preprocessing::frFeature();
    train::ContrastiveTrainer(nn::openModel("onnx", model, open), o).train(set);
    o.epochs = epochs;
    std::unique_ptr<torch::autograd::profiler::RecordProfile> rec;
    if (!profile.empty())   // per-operator trace (chrome://tracing JSON) of the timed trainer
        rec = std::make_unique<torch::autograd::profiler::RecordProfile>(profile);
    return train::ContrastiveTrainer(nn::openModel("onnx", model, open), o).train(set).pairsPerSecond;
}

// The Python reference's pairs/s (last number on its output line), or 0 when it cannot run.
double pythonRound(const std::string &script, const std::string &model, int pairs, int batch, int epochs,
                   bool channelsLast, std::string &line)
{
    const std::string cmd = "/usr/bin/python3 '" + script + "' '" + model + "' --pairs " + std::to_string(pairs) +
                            " --batch " + std::to_string(batch) + " --epochs " + std::to_string(epochs + 1) +
                            (channelsLast ? " --channels-last" : "") + " 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    if (!p)
        return 0;
    char buf[512];
    line.clear();
    while (fgets(buf, sizeof buf, p))
        line = buf;
    pclose(p);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.pop_back();
    const auto colon = line.rfind(": ");
    return colon == std::string::npos ? 0 : std::atof(line.c_str() + colon + 2);
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

} // namespace

int main(int argc, char **argv)
{
    std::string model = modelsDir() + "/fr_feature.onnx";
    std::string profile;
    int pairs = 256, batch = 32, epochs = 2, rounds = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--model"))
            model = argv[i + 1];
        else if (!std::strcmp(argv[i], "--pairs"))
            pairs = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--batch"))
            batch = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--epochs"))
            epochs = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--rounds"))
            rounds = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--profile"))
            profile = argv[i + 1];
    }
    if (!std::filesystem::exists(model)) {
        std::printf("SKIP: %s missing (run packaging/fetch-models.sh)\n", model.c_str());
        return 0;
    }
    std::printf("fr_feature contrastive fine-tuning: %d pairs, batch %d pairs, %d timed epochs, %d rounds\n", pairs,
                batch, epochs, rounds);
    // Work per training pair: two faces forward, and backward (input and weight gradients) about
    // twice the forward: 3x the forward FLOPs of the graph, counted from its own shapes.
    nn::OpenOptions open;
    open.preprocessing = nn::Preprocessing::frFeature();
    const nn::FaceModel counted = nn::openModel("onnx", model, open);
    const double forwardFlops = nn::forwardFlops(*counted.net(), torch::zeros({1, 3, 112, 112}));
    const double pairFlops = 2 * 3 * forwardFlops;
    const bench::MachinePeak peak = bench::machinePeak();
    std::printf("work: %.3f GFLOP per face forward (convolutions + matrix products), %.2f GFLOP per training pair "
                "(2 faces x 3: backward ~ 2x forward)\nmachine peak: %s\n",
                forwardFlops / 1e9, pairFlops / 1e9, peak.describe().c_str());
    if (!profile.empty()) {   // one C++ round under the operator profiler, no reference
        std::printf("FaceLab (LibTorch C++), profiled: %.2f pairs/s; trace in %s\n",
                    cppRound(model, pairs, batch, epochs, profile), profile.c_str());
        return 0;
    }
    double cpp = 0, pyNchw = 0, pyLast = 0;
    std::vector<double> cppAll, nchwAll, lastAll, ratios;   // per round, for the medians
    std::string nchwLine, lastLine, line;
    for (int r = 0; r < rounds; ++r) {
        const double c = cppRound(model, pairs, batch, epochs);
        std::printf("  round %d  FaceLab (LibTorch C++)        %8.2f pairs/s\n", r + 1, c);
        std::fflush(stdout);
        cpp = std::max(cpp, c);
        cppAll.push_back(c);
        double p = pythonRound(BENCH_TRAIN_PY, model, pairs, batch, epochs, false, line);
        std::printf("  round %d  PyTorch NCHW                  %8.2f pairs/s  (%s)\n", r + 1, p, line.c_str());
        pyNchw = std::max(pyNchw, p);
        nchwAll.push_back(p);
        const double roundNchw = p;
        p = pythonRound(BENCH_TRAIN_PY, model, pairs, batch, epochs, true, line);
        std::printf("  round %d  PyTorch channels-last         %8.2f pairs/s\n", r + 1, p);
        std::fflush(stdout);
        pyLast = std::max(pyLast, p);
        lastAll.push_back(p);
        if (std::max(roundNchw, p) > 0)
            ratios.push_back(c / std::max(roundNchw, p));
    }
    std::printf("median of %d rounds: FaceLab %.2f, PyTorch NCHW %.2f, PyTorch channels-last %.2f pairs/s; "
                "median per-round ratio %.2fx\n",
                rounds, median(cppAll), median(nchwAll), median(lastAll), median(ratios));
    const double ref = std::max(pyNchw, pyLast);
    std::printf("best: FaceLab %.2f, PyTorch NCHW %.2f, PyTorch channels-last %.2f pairs/s\n", cpp, pyNchw, pyLast);
    std::printf("  FaceLab                %s\n  PyTorch NCHW           %s\n  PyTorch channels-last  %s\n",
                bench::achieved(pairFlops, cpp, peak).c_str(), bench::achieved(pairFlops, pyNchw, peak).c_str(),
                bench::achieved(pairFlops, pyLast, peak).c_str());
    if (ref > 0)
        std::printf("ratio FaceLab / best PyTorch: %.2fx (goal >= 1.0x)\n", cpp / ref);
    else
        std::printf("PyTorch reference did not run (needs /usr/bin/python3 with python3-torch and python3-onnx)\n");
    return 0;
}

// Model inversion steps per second (core/inversion's invertModel) at 112x112, batch 8, against the
// same loop in PyTorch (bench_inversion.py, Debian's python3-torch) in the same run, for
//   fr_feature.onnx   the default model, BatchNorm folded: the measured prior on 12 convolution
//                     outputs (statistics of random faces stand in for a project's: same cost);
//   iResNet50         random weights in ArcFace-torch layout (written by bench_inversion.py
//                     write-r50): the BatchNorm prior on 12 of its BatchNorm layers.
// Both sides: Adam on the pixels, a roll and flip each step, ArcFace loss towards one of 24 random
// centres, the statistics prior, TV and L2, pixels clamped; 2 warm-up steps, then N timed steps.
// Rounds alternate C++ and Python (NCHW and channels-last) so that foreign load on a shared machine
// hits both alike; the best round of each is reported and the ratio to the faster Python layout.
//   bench_inversion [--steps N] [--batch B] [--rounds R] [--prior-layers L] [--py-passive]
// --py-passive runs the Python child with OMP_WAIT_POLICY=PASSIVE: on a busy machine libgomp's
// spin-waiting stalls PyTorch at every parallel op (see bench_families), which would flatter C++.
#include "BenchChild.h"
#include "DataPaths.h"
#include "inversion/ModelInverter.h"
#include "nn/ModelFamily.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

using namespace facelab;

namespace {

struct Options
{
    int steps = 20, batch = 8, rounds = 3, priorLayers = 12;
    bool pyPassive = false;
};

inversion::InversionTarget randomTarget(int dim)
{
    cv::RNG rng(5);
    inversion::InversionTarget t;
    t.classes = 24;
    t.dim = dim;
    t.targetClass = 3;
    t.centres.resize(size_t(24 * dim));
    for (float &v : t.centres)
        v = float(rng.gaussian(1.0));
    t.description = "class 3 of 24 random centres";
    return t;
}

double cppRound(const nn::FaceModel &model, const std::vector<inversion::LayerStatistics> &measured, const Options &b)
{
    inversion::InversionOptions o;
    o.batch = b.batch;
    o.priorLayers = b.priorLayers;
    o.previewEvery = 0;
    o.steps = 2;   // warm-up: allocator, oneDNN primitives
    const auto target = randomTarget(model.embeddingDim());
    inversion::invertModel(model, target, o, measured);
    o.steps = b.steps;
    return inversion::invertModel(model, target, o, measured).stepsPerSecond;
}

double pythonRound(const std::string &modelPath, const Options &b, bool channelsLast, std::string &line)
{
    int status = 0;
    const auto lines = bench::runLines(std::string(b.pyPassive ? "OMP_WAIT_POLICY=PASSIVE " : "") +
                                           "/usr/bin/python3 '" BENCH_INVERSION_PY "' '" + modelPath + "' --steps " +
                                           std::to_string(b.steps) + " --batch " + std::to_string(b.batch) +
                                           " --prior-layers " + std::to_string(b.priorLayers) +
                                           (channelsLast ? " --channels-last" : ""),
                                       status);
    for (const auto &l : lines)
        if (l.rfind("RESULT ", 0) == 0) {
            line = l;
            return std::atof(l.c_str() + 7);
        }
    line = lines.empty() ? "no output" : lines.back();
    return 0;
}

void benchModel(const char *title, const nn::FaceModel &model, const std::string &pythonModel,
                const std::vector<inversion::LayerStatistics> &measured, const Options &b)
{
    double cpp = 0, nchw = 0, cl = 0;
    std::string line;
    for (int r = 0; r < b.rounds; ++r) {
        const double c = cppRound(model, measured, b);
        const double p1 = pythonRound(pythonModel, b, false, line);
        const double p2 = pythonRound(pythonModel, b, true, line);
        std::printf("  round %d: C++ %.3f, PyTorch NCHW %.3f, channels-last %.3f steps/s\n", r + 1, c, p1, p2);
        std::fflush(stdout);
        cpp = std::max(cpp, c);
        nchw = std::max(nchw, p1);
        cl = std::max(cl, p2);
    }
    const double best = std::max(nchw, cl);
    std::printf("%s: C++ %.3f steps/s, PyTorch %.3f (NCHW) / %.3f (channels-last): %.2fx the faster\n", title, cpp,
                nchw, cl, best > 0 ? cpp / best : 0.0);
    if (best == 0)
        std::printf("  PyTorch did not run: %s\n", line.c_str());
}

} // namespace

int main(int argc, char **argv)
{
    Options b;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool hasValue = i + 1 < argc;
        if (a == "--py-passive")
            b.pyPassive = true;
        else if (a == "--steps" && hasValue)
            b.steps = std::atoi(argv[++i]);
        else if (a == "--batch" && hasValue)
            b.batch = std::atoi(argv[++i]);
        else if (a == "--rounds" && hasValue)
            b.rounds = std::atoi(argv[++i]);
        else if (a == "--prior-layers" && hasValue)
            b.priorLayers = std::atoi(argv[++i]);
    }
    std::printf("inversion steps/s at 112x112, batch %d, %d steps, %d prior layers, best of %d rounds%s\n", b.batch,
                b.steps, b.priorLayers, b.rounds, b.pyPassive ? ", PyTorch with OMP_WAIT_POLICY=PASSIVE" : "");
    std::fflush(stdout);

    const std::string fr = modelsDir() + "/fr_feature.onnx";
    if (std::filesystem::exists(fr)) {
        nn::OpenOptions open;
        open.preprocessing = nn::Preprocessing::frFeature();
        const nn::FaceModel model = nn::openModel("onnx", fr, open);
        cv::RNG rng(1);
        std::vector<cv::Mat> faces;
        for (int i = 0; i < 32; ++i) {
            cv::Mat f(112, 112, CV_8UC3);
            rng.fill(f, cv::RNG::UNIFORM, 0, 256);
            faces.push_back(f);
        }
        const auto measured =
            inversion::measureConvolutionStatistics(model, faces.size(), [&](size_t i) { return faces[i]; }, 16);
        benchModel("fr_feature (measured prior)", model, fr, measured, b);
    } else {
        std::printf("SKIP fr_feature: %s missing (packaging/fetch-models.sh)\n", fr.c_str());
    }

    const std::string dir = (std::filesystem::temp_directory_path() / "facelab-bench-inversion").string();
    std::filesystem::create_directories(dir);
    int status = 0;
    if (!std::filesystem::exists(dir + "/r50.pth"))
        bench::runLines("/usr/bin/python3 '" BENCH_INVERSION_PY "' write-r50 '" + dir + "'", status);
    if (status == 0 && std::filesystem::exists(dir + "/r50.pth")) {
        const nn::FaceModel model = nn::openModel("iresnet", dir + "/r50.pth", {});
        benchModel("iResNet50 (BatchNorm prior)", model, dir + "/r50.pth", {}, b);
    } else {
        std::printf("SKIP iResNet50: python3-torch could not write the checkpoint\n");
    }
    return 0;
}

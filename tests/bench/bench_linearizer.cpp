// Training speed of the Linearizer surrogate (core/linearizer's LinearizerTrainer), LibTorch C++
// against the same network and loop in PyTorch (bench_linearizer.py, Debian's python3-torch 1.13,
// a child process) in one run, and the peak memory of training on 10,000 images (a benchmark, not
// a test: nothing is asserted about the times).
//
// Throughput: the default LinearizerConfig (latent 512, 4 blocks, hidden 1024, 3 coupling layers,
// full-rank A, encoder 64,128,256,512) fitted to the teacher fr_feature.onnx (D = its embedding
// width), batch 32, Adam 1e-4, no augmentation. Data: the aligned 112x112 crops under
// ../shared/data/faces112 beside the source tree (--faces DIR; one folder per person), read from disk per batch on both sides
// (cv::imread / cv2.imread), fr_feature preprocessing. Every 30th image is held out (the trainer
// needs a held-out set; its passes are not timed), the rest are trained on. The teacher's targets
// are computed ONCE here (teacher forward + L2 normalisation, as the trainer does) and handed to the
// trainer as LinearizerData::targets and to Python as a float32 file, so no step runs the teacher.
// Python gets the C++ model's initial weights (init.pth, loaded strictly, so every parameter name
// and shape matches) and the trainer's shuffled order (std::mt19937_64 of the options' seed, as
// LinearizerTrainer shuffles), so both sides run the same batches from the same start; the first
// step's loss and the epoch's mean loss are printed for both, and Python's f of a held-out batch
// after ActNorm's data initialisation is compared with C++'s.
// A step is timed from the end of the previous one (or of the held-out pass that precedes an epoch)
// to the end of its Adam step: reading and preprocessing the batch, forward, loss, backward, step.
// The first W steps (--warmup, default 3) are not timed. Images/s = timed images / timed seconds;
// "median" = batch / the median timed step of a full batch, which one slow step (foreign load on a
// shared machine) moves less.
// Both sides use at::get_num_threads() threads (nn::initEngine: the core count) and 1 inter-op thread.
// Each round also runs two Python variants that explain a gap (--no-variants: not): "lean", without
// the log-determinants the C++ forward computes and drops (InvertibleBlock::forward =
// forwardWithLogDet(x).first), and "FaceLab malloc", the plain loop with the glibc malloc settings
// nn::initEngine makes in C++ (MALLOC_MMAP_THRESHOLD_=64 MiB, MALLOC_TRIM_THRESHOLD_=256 MiB in the
// child's environment: freed activations are reused instead of unmapped and faulted in again).
// Python also keeps a copy of the best epoch's state after each held-out pass, as the trainer does.
//
// Peak memory: a child `bench_linearizer --rss DIR ...` trains on 10,000 images (symlinks to the
// crops, repeated, in a temp folder; their targets are the originals' copied, so the teacher never
// runs) for one epoch and prints getrusage's ru_maxrss before training (teacher opened, data
// described) and after; bench_linearizer.py does the same on the same files in its own process.
// The epoch (9,968 images) takes ~1.5 min per side on 2 idle cores; --rss-steps S stops after S steps and
// --rss-seconds T (default 90, 0 = none) after T s of training, so a loaded machine cannot stretch
// the run; the steps each side ran are printed. The peak is reached within the first steps: C++
// measured 1629 MiB after 95 steps and after the whole epoch (312 steps).
//
// Run (from the build folder, with /usr/bin/python3, python3-torch and python3-opencv):
//   tests/bench/bench_linearizer [--epochs E] [--warmup W] [--batch B] [--rounds R] [--rss-steps S]
//                                [--rss-seconds T] [--round-seconds T] [--faces DIR] [--model PATH]
//                                [--passive] [--no-variants] [--no-rss] [--keep]
// Defaults: 1 epoch of the 910 training crops, 2 rounds, the 10k run capped at 90 s a side: ~5 min
// on 2 idle cores. Rounds alternate C++ and Python so foreign load hits both alike; the best round of
// each is kept. Run it on an idle machine: under foreign load LibTorch's OpenMP threads (libgomp
// spin-waiting) stall far more than the timed work (a C++ round measured 6 images/s instead of 110
// while compilers ran on the 2 cores); the load average is printed with every round. --passive
// restarts the bench with OMP_WAIT_POLICY=PASSIVE (inherited by the Python children), which makes
// both sides degrade far less under foreign load (C++ with one core taken by another process:
// 60 images/s passive, 6-23 spinning). --round-seconds T (default 60, 0 = none) stops a side's
// round after T s of training (counted from train() / the ActNorm pass), so a loaded machine cannot
// stretch the bench; such a round is marked and its epoch-1 loss is the partial epoch's (Python) or
// missing (C++: the trainer reports an epoch's loss only when it completes).
// Prints SKIP and exits 0 when the faces, the model or python3-torch / python3-opencv are missing.
#include "BenchChild.h"
#include "DataPaths.h"
#include "linearizer/LinearizerModel.h"
#include "linearizer/LinearizerNet.h"
#include "linearizer/LinearizerTrainer.h"
#include "nn/Engine.h"
#include "nn/FaceNet.h"
#include "nn/ModelFamily.h"

#include <opencv2/imgcodecs.hpp>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace facelab;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t kSeed = 1; // LinearizerTrainOptions::seed
// nn::initEngine's mallopt(M_MMAP_THRESHOLD, 64 MiB) and mallopt(M_TRIM_THRESHOLD, 256 MiB), for a child.
constexpr const char *kFaceLabMalloc = "MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=268435456 ";

long maxRssKb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss; // kB on Linux
}

std::string loadAverage()
{
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

std::string shellQuoted(const std::string &s) { return "'" + s + "'"; }

// A JSON number, or null for NaN / infinity.
std::string num(double v, const char *fmt = "%.4f")
{
    if (!std::isfinite(v))
        return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

using bench::runLines;

std::vector<std::string> listFaces(const std::string &dir)
{
    std::vector<std::string> out;
    if (!fs::is_directory(dir))
        return out;
    for (const auto &e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file())
            continue;
        std::string ext = e.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        if (ext == ".png" || ext == ".jpg" || ext == ".jpeg")
            out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

template <class T> void writeLine(std::ofstream &out, const std::vector<T> &v)
{
    for (size_t i = 0; i < v.size(); ++i)
        out << (i ? " " : "") << v[i];
    out << "\n";
}

// The trainer's shuffles (LinearizerTrainer::train with no augmentation draws nothing else).
std::vector<std::vector<size_t>> trainerOrders(std::vector<size_t> order, int epochs)
{
    std::mt19937_64 rng(kSeed);
    std::vector<std::vector<size_t>> out;
    for (int e = 0; e < epochs; ++e) {
        for (size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[size_t(rng() % i)]);
        out.push_back(order);
    }
    return out;
}

// Everything one side needs: images, cached targets, split, and (for Python) the files describing them.
struct Set
{
    std::vector<std::string> paths;
    std::vector<std::vector<float>> targets;
    std::vector<size_t> train, heldOut;
};

void writeSet(const std::string &dir, const Set &s, int epochs, int dim)
{
    fs::create_directories(dir);
    {
        std::ofstream out(dir + "/paths.txt");
        for (const auto &p : s.paths)
            out << p << "\n";
    }
    {
        std::ofstream out(dir + "/targets.f32", std::ios::binary);
        for (const auto &t : s.targets)
            out.write(reinterpret_cast<const char *>(t.data()), std::streamsize(size_t(dim) * sizeof(float)));
    }
    std::ofstream tr(dir + "/train.txt"), ho(dir + "/heldout.txt"), ord(dir + "/orders.txt");
    writeLine(tr, s.train);
    writeLine(ho, s.heldOut);
    for (const auto &o : trainerOrders(s.train, epochs))
        writeLine(ord, o);
}

linearizer::LinearizerData dataOf(const Set &s)
{
    linearizer::LinearizerData d;
    d.count = s.paths.size();
    d.load = [&s](size_t i) { return cv::imread(s.paths[i], cv::IMREAD_COLOR); };
    d.name = [&s](size_t i) { return s.paths[i]; };
    d.train = s.train;
    d.heldOut = s.heldOut;
    d.targets = s.targets;
    return d;
}

nn::FaceModel openTeacher(const std::string &path)
{
    nn::OpenOptions open;
    open.preprocessing = nn::Preprocessing::frFeature();
    return nn::openModel("onnx", path, open);
}

linearizer::LinearizerTrainOptions trainOptions(int epochs, int batch)
{
    linearizer::LinearizerTrainOptions o;
    o.epochs = epochs;
    o.batch = batch;
    o.augment.flip = false;
    o.seed = kSeed;
    return o;
}

struct CppRun
{
    double imagesPerSecond = 0;        // after the warm-up steps
    double trainerImagesPerSecond = 0; // LinearizerTrainResult::imagesPerSecond (every step)
    int64_t timedImages = 0, steps = 0, teacherForwards = 0;
    double timedSeconds = 0, firstLoss = NAN, epochLoss = NAN, wallSeconds = 0;
    double medianImagesPerSecond = 0;  // batch / the median timed step of a full batch
    std::string device;
};

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Trains a fresh surrogate; maxSteps > 0 cancels after that many steps, maxSeconds > 0 once that
// much time has passed since train() started.
CppRun cppTrain(const nn::FaceModel &teacher, const Set &set, int epochs, int batch, int warmup, int maxSteps,
                double maxSeconds = 0)
{
    CppRun r;
    const auto data = dataOf(set);
    linearizer::LinearizerTrainer trainer(teacher, linearizer::LinearizerConfig{}, trainOptions(epochs, batch));
    linearizer::LinearizerCallbacks cb;
    auto mark = Clock::now();
    int64_t step = 0;
    std::vector<double> full; // timed steps of a full batch
    cb.onEpoch = [&](const linearizer::LinearizerEpoch &e) {
        if (e.epoch == 1)
            r.epochLoss = e.trainLoss;
        mark = Clock::now(); // the held-out pass before the next epoch is not a step
    };
    cb.onStep = [&](const linearizer::LinearizerStep &s) {
        const auto now = Clock::now();
        ++step;
        // The batch this step trained: the trainer's batches are full but the epoch's last, which
        // it skips when it holds a single image.
        const int64_t perEpoch = int64_t(set.train.size());
        const int64_t stepsPerEpoch = perEpoch / batch + (perEpoch % batch >= 2 ? 1 : 0);
        const int64_t inEpoch = ((step - 1) % stepsPerEpoch) * batch;
        const int64_t n = std::min<int64_t>(batch, perEpoch - inEpoch);
        if (step > warmup) {
            const double dt = std::chrono::duration<double>(now - mark).count();
            r.timedImages += n;
            r.timedSeconds += dt;
            if (n == batch)
                full.push_back(dt);
        }
        if (step == 1)
            r.firstLoss = s.loss;
        mark = now;
    };
    const auto t0 = Clock::now();
    cb.cancelled = [&] {
        return (maxSteps > 0 && step >= maxSteps) ||
               (maxSeconds > 0 && std::chrono::duration<double>(Clock::now() - t0).count() >= maxSeconds);
    };
    const auto res = trainer.train(data, cb);
    r.wallSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    r.steps = step;
    r.teacherForwards = res.teacherForwards;
    r.trainerImagesPerSecond = res.imagesPerSecond;
    r.device = res.device;
    r.imagesPerSecond = r.timedSeconds > 0 ? double(r.timedImages) / r.timedSeconds : 0;
    r.medianImagesPerSecond = full.empty() ? 0 : batch / median(full);
    return r;
}

struct PyRun
{
    double imagesPerSecond = 0, timedSeconds = 0, medianImagesPerSecond = 0, firstLoss = NAN, epochLoss = NAN;
    double agree = NAN, agreeScale = NAN;
    long timedImages = 0, steps = 0, rssBefore = -1, rssAfter = -1;
    std::string version;
    bool ok = false;
    std::vector<std::string> lines;
};

PyRun pyTrain(const std::string &python, const std::string &dir, int threads, int epochs, int batch, int warmup,
              int maxSteps, bool lean, const std::string &env = {}, double maxSeconds = 0)
{
    PyRun r;
    int status = 0;
    r.lines = runLines(env + python + " " + shellQuoted(BENCH_LINEARIZER_PY) + " " + shellQuoted(dir) + " --threads " +
                           std::to_string(threads) + " --epochs " + std::to_string(epochs) + " --batch " +
                           std::to_string(batch) + " --warmup " + std::to_string(warmup) +
                           (maxSteps > 0 ? " --max-steps " + std::to_string(maxSteps) : std::string()) +
                           (maxSeconds > 0 ? " --max-seconds " + std::to_string(maxSeconds) : std::string()) +
                           (lean ? " --lean" : ""),
                       status);
    bool result = false;
    for (const auto &l : r.lines) {
        if (std::sscanf(l.c_str(), "RESULT %lf %ld %lf %lf %ld", &r.imagesPerSecond, &r.timedImages, &r.timedSeconds,
                        &r.medianImagesPerSecond, &r.steps) == 5)
            result = true;
        std::sscanf(l.c_str(), "LOSS %lf %lf", &r.firstLoss, &r.epochLoss);
        std::sscanf(l.c_str(), "AGREE %lf %lf", &r.agree, &r.agreeScale);
        std::sscanf(l.c_str(), "RSS %ld %ld", &r.rssBefore, &r.rssAfter);
        if (l.rfind("torch ", 0) == 0)
            r.version = l;
    }
    r.ok = status == 0 && result;
    return r;
}

// --rss DIR --steps S --seconds T --batch B [--profile TRACE]: the child of the peak-memory check (a fresh
// process, so ru_maxrss is its own). --profile (by hand, for finding where the time goes) records
// the run with LibTorch's legacy autograd profiler as a chrome trace (slower; memory not meaningful).
int rssChild(const std::string &dir, const std::string &model, int steps, double seconds, int batch,
             const std::string &profile)
{
    const long atStart = maxRssKb();
    nn::initEngine();
    Set set;
    {
        std::ifstream in(dir + "/paths.txt");
        for (std::string l; std::getline(in, l);)
            if (!l.empty())
                set.paths.push_back(l);
        auto ints = [&](const std::string &name) {
            std::ifstream f(dir + "/" + name);
            std::vector<size_t> v;
            for (size_t x; f >> x;)
                v.push_back(x);
            return v;
        };
        set.train = ints("train.txt");
        set.heldOut = ints("heldout.txt");
    }
    const nn::FaceModel teacher = openTeacher(model);
    const int dim = teacher.embeddingDim();
    {
        std::ifstream in(dir + "/targets.f32", std::ios::binary);
        set.targets.assign(set.paths.size(), std::vector<float>(size_t(dim)));
        for (auto &t : set.targets)
            in.read(reinterpret_cast<char *>(t.data()), std::streamsize(size_t(dim) * sizeof(float)));
    }
    const long before = maxRssKb();
    std::unique_ptr<torch::autograd::profiler::RecordProfile> recording;
    if (!profile.empty())
        recording = std::make_unique<torch::autograd::profiler::RecordProfile>(profile);
    const CppRun r = cppTrain(teacher, set, 1, batch, 0, steps, seconds);
    recording.reset();
    std::printf("RSS %ld %ld %ld\n", atStart, before, maxRssKb());
    std::printf("RUN %lld %lld %.3f %lld %.3f\n", (long long)r.steps, (long long)r.timedImages, r.timedSeconds,
                (long long)r.teacherForwards, r.wallSeconds);
    return 0;
}

// ", first S steps" / ", at most T s" for the peak-memory run's limits.
std::string rssLimitText(int steps, double seconds)
{
    std::string t;
    if (steps > 0)
        t += ", first " + std::to_string(steps) + " steps";
    if (seconds > 0) {
        char buf[64];
        std::snprintf(buf, sizeof buf, ", stopped after %.0f s of train() if not done", seconds);
        t += buf;
    }
    return t;
}

} // namespace

int main(int argc, char **argv)
{
    std::string model = modelsDir() + "/fr_feature.onnx";
    std::string facesDir = FACELAB_SOURCE_DIR "/../shared/data/faces112", profile;
    int epochs = 1, warmup = 3, batch = 32, rounds = 2, rssSteps = 0;
    double rssSeconds = 90, roundSeconds = 60;
    bool keep = false, variants = true, rss = true, passive = false;
    if (argc >= 3 && !std::strcmp(argv[1], "--rss")) {
        for (int i = 3; i + 1 < argc; i += 2) {
            if (!std::strcmp(argv[i], "--model"))
                model = argv[i + 1];
            else if (!std::strcmp(argv[i], "--steps"))
                rssSteps = std::atoi(argv[i + 1]);
            else if (!std::strcmp(argv[i], "--batch"))
                batch = std::atoi(argv[i + 1]);
            else if (!std::strcmp(argv[i], "--seconds"))
                rssSeconds = std::atof(argv[i + 1]);
            else if (!std::strcmp(argv[i], "--profile"))
                profile = argv[i + 1];
        }
        return rssChild(argv[2], model, rssSteps, rssSeconds, batch, profile);
    }
    for (int i = 1; i < argc; ++i) {
        const bool more = i + 1 < argc;
        if (!std::strcmp(argv[i], "--epochs") && more)
            epochs = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--warmup") && more)
            warmup = std::max(0, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--batch") && more)
            batch = std::max(2, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--rounds") && more)
            rounds = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--rss-steps") && more)
            rssSteps = std::max(0, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--rss-seconds") && more)
            rssSeconds = std::max(0.0, std::atof(argv[++i]));
        else if (!std::strcmp(argv[i], "--round-seconds") && more)
            roundSeconds = std::max(0.0, std::atof(argv[++i]));
        else if (!std::strcmp(argv[i], "--passive"))
            passive = true;
        else if (!std::strcmp(argv[i], "--faces") && more)
            facesDir = argv[++i];
        else if (!std::strcmp(argv[i], "--model") && more)
            model = argv[++i];
        else if (!std::strcmp(argv[i], "--no-variants"))
            variants = false;
        else if (!std::strcmp(argv[i], "--no-rss"))
            rss = false;
        else if (!std::strcmp(argv[i], "--keep"))
            keep = true;
        else {
            std::fprintf(stderr, "usage: bench_linearizer [--epochs E] [--warmup W] [--batch B] [--rounds R] "
                                 "[--round-seconds T] [--rss-steps S] [--rss-seconds T] [--faces DIR] [--model PATH] "
                                 "[--passive] [--no-variants] [--no-rss] [--keep]\n");
            return 2;
        }
    }
    // libgomp reads OMP_WAIT_POLICY when it is loaded: set it and start again (children inherit it).
    if (passive && !std::getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        execv("/proc/self/exe", argv);
        std::perror("execv");
        return 1;
    }

    // --- what it needs --------------------------------------------------------------------------
    Set set;
    set.paths = listFaces(facesDir);
    if (set.paths.size() < 64) {
        std::printf("SKIP: %s has %zu face crops (needs the aligned 112x112 faces, one folder per person)\n",
                    facesDir.c_str(), set.paths.size());
        return 0;
    }
    if (!fs::exists(model)) {
        std::printf("SKIP: %s missing (run packaging/fetch-models.sh)\n", model.c_str());
        return 0;
    }
    const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    int status = 0;
    auto probe = runLines(python + " -c 'import torch, cv2, numpy'", status);
    if (status != 0) {
        std::printf("SKIP: %s cannot import torch, cv2 and numpy (python3-torch, python3-opencv):%s\n",
                    python.c_str(), probe.empty() ? "" : (" " + probe.back()).c_str());
        return 0;
    }

    const auto wallStart = Clock::now();
    nn::initEngine();
    const int threads = at::get_num_threads();
    std::printf("Linearizer training: default LinearizerConfig, batch %d, %d epoch(s), %d warm-up steps, "
                "%d round(s)\n",
                batch, epochs, warmup, rounds);
    std::printf("LibTorch %s, %d threads (interop %d), oneDNN %s; load average before: %s\n", TORCH_VERSION, threads,
                at::get_num_interop_threads(), at::hasMKLDNN() ? "yes" : "no", loadAverage().c_str());

    // --- data, targets (teacher once), initial weights ------------------------------------------
    const nn::FaceModel teacher = openTeacher(model);
    const nn::Preprocessing spec = teacher.preprocessing();
    const int dim = teacher.embeddingDim();
    for (size_t i = 0; i < set.paths.size(); ++i)
        (i % 30 == 0 ? set.heldOut : set.train).push_back(i);
    auto t0 = Clock::now();
    {
        torch::NoGradGuard noGrad;
        auto &net = *teacher.net();
        net.eval();
        for (size_t s = 0; s < set.paths.size(); s += 32) {
            std::vector<cv::Mat> faces;
            for (size_t i = s; i < std::min(set.paths.size(), s + 32); ++i) {
                faces.push_back(cv::imread(set.paths[i], cv::IMREAD_COLOR));
                if (faces.back().empty()) {
                    std::printf("cannot read %s\n", set.paths[i].c_str());
                    return 1;
                }
            }
            const auto e = torch::nn::functional::normalize(
                               net.forward(nn::facesToTensor(faces, spec)).reshape({long(faces.size()), -1}),
                               torch::nn::functional::NormalizeFuncOptions().dim(1))
                               .contiguous();
            for (int64_t k = 0; k < e.size(0); ++k)
                set.targets.emplace_back(e[k].data_ptr<float>(), e[k].data_ptr<float>() + dim);
        }
    }
    const double targetSeconds = std::chrono::duration<double>(Clock::now() - t0).count();

    char tmpl[] = "/tmp/bench_linearizer.XXXXXX";
    if (!mkdtemp(tmpl)) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::string dir = tmpl;
    writeSet(dir, set, epochs, dim);
    const auto config = linearizer::fitToTeacher(linearizer::LinearizerConfig{}, *teacher.net());
    int64_t parameters = 0;
    {
        // The trainer's starting point (the same seed builds the same weights), for Python ...
        linearizer::LinearizerModel m(config);
        for (const auto &p : m->parameters())
            parameters += p.numel();
        linearizer::surrogateModel(m, spec).net()->save(dir + "/init.pth");
        // ... and C++'s f of the first held-out batch after ActNorm's data initialisation, as the
        // trainer does it (g_x on the first max(B, 64) training faces, g_y on their targets).
        torch::NoGradGuard noGrad;
        m->train();
        std::vector<cv::Mat> faces;
        const size_t n = std::min(set.train.size(), size_t(std::max(batch, 64)));
        torch::Tensor t = torch::empty({long(n), dim});
        for (size_t k = 0; k < n; ++k) {
            faces.push_back(cv::imread(set.paths[set.train[k]], cv::IMREAD_COLOR));
            t[long(k)] = torch::from_blob(set.targets[set.train[k]].data(), {dim}).clone();
        }
        m->gx(nn::facesToTensor(faces, spec));
        m->gy(t);
        m->eval();
        faces.clear();
        for (size_t k = 0; k < std::min(set.heldOut.size(), size_t(batch)); ++k)
            faces.push_back(cv::imread(set.paths[set.heldOut[k]], cv::IMREAD_COLOR));
        const auto f = m->forward(nn::facesToTensor(faces, spec)).contiguous();
        std::ofstream out(dir + "/ref_f.f32", std::ios::binary);
        out.write(reinterpret_cast<const char *>(f.data_ptr<float>()), std::streamsize(f.numel() * sizeof(float)));
    }
    std::printf("%zu faces (%zu train, %zu held out) from %s; teacher %s (D = %d): targets computed once in %.1f s\n",
                set.paths.size(), set.train.size(), set.heldOut.size(), facesDir.c_str(), model.c_str(), dim,
                targetSeconds);
    std::printf("surrogate: %s, %lld parameters\n", linearizer::configText(config).c_str(), (long long)parameters);
    std::fflush(stdout);

    // --- rounds ----------------------------------------------------------------------------------
    // Per configuration, the best round by mean images/s and the best by median step.
    struct Best
    {
        double mean = 0, median = 0, firstLoss = NAN, epochLoss = NAN;
        void take(double m, double med, double first, double epoch)
        {
            if (m > mean) {
                mean = m;
                firstLoss = first;
                epochLoss = epoch;
            }
            median = std::max(median, med);
        }
    };
    Best cpp, py, pyLean, pyMalloc;
    std::string cppDevice, pyVersion;
    double agree = NAN, agreeScale = NAN;
    const int64_t perEpoch = int64_t(set.train.size());
    const int64_t allSteps = epochs * (perEpoch / batch + (perEpoch % batch >= 2 ? 1 : 0));
    auto cut = [&](int64_t steps) { return steps < allSteps ? " STOPPED AT THE ROUND TIME LIMIT" : ""; };
    for (int r = 0; r < rounds; ++r) {
        const CppRun c = cppTrain(teacher, set, epochs, batch, warmup, 0, roundSeconds);
        std::printf("  round %d  C++ (LinearizerTrainer)    %7.2f images/s, median step %7.2f  (%lld images in %.1f s "
                    "timed; trainer's own figure %.2f; %lld teacher forwards)%s\n",
                    r + 1, c.imagesPerSecond, c.medianImagesPerSecond, (long long)c.timedImages, c.timedSeconds,
                    c.trainerImagesPerSecond, (long long)c.teacherForwards, cut(c.steps));
        std::fflush(stdout);
        cpp.take(c.imagesPerSecond, c.medianImagesPerSecond, c.firstLoss, c.epochLoss);
        cppDevice = c.device;
        struct Variant
        {
            const char *name;
            bool lean;
            const char *env;
            Best *best;
        };
        std::vector<Variant> pyRuns{{"PyTorch (same loop)      ", false, "", &py}};
        if (variants) {
            pyRuns.push_back({"PyTorch lean (no log-det)", true, "", &pyLean});
            pyRuns.push_back({"PyTorch + FaceLab malloc ", false, kFaceLabMalloc, &pyMalloc});
        }
        for (const auto &v : pyRuns) {
            const PyRun p = pyTrain(python, dir, threads, epochs, batch, warmup, 0, v.lean, v.env, roundSeconds);
            if (!p.ok) {
                std::printf("PyTorch child failed:\n");
                for (const auto &l : p.lines)
                    std::printf("  %s\n", l.c_str());
                fs::remove_all(dir);
                return 1;
            }
            std::printf("  round %d  %s  %7.2f images/s, median step %7.2f  (%ld images in %.1f s timed)%s\n",
                        r + 1, v.name, p.imagesPerSecond, p.medianImagesPerSecond, p.timedImages, p.timedSeconds,
                        cut(p.steps));
            std::fflush(stdout);
            v.best->take(p.imagesPerSecond, p.medianImagesPerSecond, p.firstLoss, p.epochLoss);
            if (v.best == &py) {
                pyVersion = p.version;
                agree = p.agree;
                agreeScale = p.agreeScale;
            }
        }
        std::printf("  round %d  done, load average %s\n", r + 1, loadAverage().c_str());
        std::fflush(stdout);
    }

    // --- peak memory on 10,000 images ------------------------------------------------------------
    long rssCppStart = -1, rssCppBefore = -1, rssCppAfter = -1;
    long long rssCppSteps = 0, rssCppImages = 0, rssTeacher = -1;
    double rssCppTimed = 0, rssCppWall = 0;
    PyRun pyRss;
    const int rssCount = 10000;
    size_t rssTrain = 0;
    if (rss) {
        Set big;
        const std::string bigDir = dir + "/rss";
        fs::create_directories(bigDir + "/faces");
        for (int i = 0; i < rssCount; ++i) {
            const size_t src = size_t(i) % set.paths.size();
            char name[32];
            std::snprintf(name, sizeof name, "/%05d.png", i);
            const std::string link = bigDir + "/faces" + name;
            fs::create_symlink(set.paths[src], link);
            big.paths.push_back(link);
            big.targets.push_back(set.targets[src]);
            (i % 313 == 0 ? big.heldOut : big.train).push_back(size_t(i));
        }
        rssTrain = big.train.size();
        writeSet(bigDir, big, 1, dim);
        fs::copy_file(dir + "/init.pth", bigDir + "/init.pth");
        std::printf("peak memory: %d images (symlinks, %zu train / %zu held out), one epoch%s ...\n", rssCount,
                    big.train.size(), big.heldOut.size(), rssLimitText(rssSteps, rssSeconds).c_str());
        std::fflush(stdout);
        const std::string self = fs::read_symlink("/proc/self/exe").string();
        const auto out = runLines(shellQuoted(self) + " --rss " + shellQuoted(bigDir) + " --model " +
                                      shellQuoted(model) + " --steps " + std::to_string(rssSteps) + " --seconds " +
                                      std::to_string(rssSeconds) + " --batch " + std::to_string(batch),
                                  status);
        bool got = false;
        for (const auto &l : out) {
            if (std::sscanf(l.c_str(), "RSS %ld %ld %ld", &rssCppStart, &rssCppBefore, &rssCppAfter) == 3)
                got = true;
            std::sscanf(l.c_str(), "RUN %lld %lld %lf %lld %lf", &rssCppSteps, &rssCppImages, &rssCppTimed,
                        &rssTeacher, &rssCppWall);
        }
        if (!got) {
            std::printf("C++ --rss child failed (status %d):\n", status);
            for (const auto &l : out)
                std::printf("  %s\n", l.c_str());
        }
        pyRss = pyTrain(python, bigDir, threads, 1, batch, 0, rssSteps, false, "", rssSeconds);
        if (!pyRss.ok) {
            std::printf("PyTorch child of the peak-memory run failed:\n");
            for (const auto &l : pyRss.lines)
                std::printf("  %s\n", l.c_str());
        }
    }

    // --- report ------------------------------------------------------------------------------------
    auto vs = [&](double a, double b) { return b > 0 ? a / b : 0.0; };
    const double ratio = vs(cpp.mean, py.mean), ratioMedian = vs(cpp.median, py.median);
    const char *waitPolicy = std::getenv("OMP_WAIT_POLICY");
    std::printf("\nPyTorch: %s%s%s\n", pyVersion.empty() ? "(did not run)" : pyVersion.c_str(),
                waitPolicy ? "; OMP_WAIT_POLICY=" : "", waitPolicy ? waitPolicy : "");
    std::printf("C++ device: %s\n", cppDevice.c_str());
    std::printf("images/s: timed images / timed seconds of the best round; median: batch / median full-batch step\n\n");
    std::printf("%-36s %10s %10s %12s %12s %10s %10s\n", "training (best of rounds)", "images/s", "median",
                "first loss", "epoch-1 loss", "vs PyTorch", "(median)");
    auto row = [&](const char *name, const Best &b) {
        std::printf("%-36s %10.2f %10.2f %12.6f %12.6f %9.2fx %9.2fx\n", name, b.mean, b.median, b.firstLoss,
                    b.epochLoss, vs(b.mean, py.mean), vs(b.median, py.median));
    };
    row("C++ LinearizerTrainer", cpp);
    row("PyTorch, same modules and loop", py);
    if (variants) {
        row("PyTorch lean (no unused log-dets)", pyLean);
        row("PyTorch + FaceLab's malloc settings", pyMalloc);
    }
    std::printf("ratio C++ / PyTorch: %.2fx (median step %.2fx) (goal >= 1.0x)\n", ratio, ratioMedian);
    if (variants)
        std::printf("ratio C++ / PyTorch with FaceLab's malloc settings: %.2fx (median step %.2fx)\n",
                    vs(cpp.mean, pyMalloc.mean), vs(cpp.median, pyMalloc.median));
    std::printf("agreement: PyTorch f of %d held-out faces after ActNorm init vs C++: max abs diff %.3g "
                "(max |f| %.3g)\n",
                std::min(int(set.heldOut.size()), batch), agree, agreeScale);
    if (rss) {
        std::printf("\npeak RSS (ru_maxrss), training on %d images (%zu per epoch), one epoch%s:\n", rssCount, rssTrain,
                    rssLimitText(rssSteps, rssSeconds).c_str());
        std::printf("  C++      at start %7.1f MiB, before training %7.1f MiB, after %7.1f MiB  (%lld steps = %lld "
                    "images, %.2f images/s, %lld teacher forwards, train() %.1f s)\n",
                    rssCppStart / 1024.0, rssCppBefore / 1024.0, rssCppAfter / 1024.0, rssCppSteps, rssCppImages,
                    vs(double(rssCppImages), rssCppTimed), rssTeacher, rssCppWall);
        std::printf("  PyTorch  after imports %7.1f MiB,                          after %7.1f MiB  (%ld steps = %ld "
                    "images, %.2f images/s)\n",
                    pyRss.rssBefore / 1024.0, pyRss.rssAfter / 1024.0, pyRss.steps, pyRss.timedImages,
                    pyRss.imagesPerSecond);
    }
    const double wall = std::chrono::duration<double>(Clock::now() - wallStart).count();
    std::printf("\nload average after: %s; bench wall time %.0f s\n", loadAverage().c_str(), wall);
    std::printf("{\"bench\":\"linearizer\",\"threads\":%d,\"batch\":%d,\"epochs\":%d,\"warmup\":%d,\"rounds\":%d,"
                "\"omp_passive\":%s,\"train_images\":%zu,\"cpp_images_per_s\":%s,\"cpp_median_images_per_s\":%s,"
                "\"py_images_per_s\":%s,\"py_median_images_per_s\":%s,\"py_lean_images_per_s\":%s,"
                "\"py_malloc_images_per_s\":%s,\"ratio\":%s,\"ratio_median\":%s,\"agree_max_abs\":%s,"
                "\"cpp_first_loss\":%s,\"py_first_loss\":%s,\"cpp_epoch1_loss\":%s,\"py_epoch1_loss\":%s,"
                "\"rss_images\":%d,\"cpp_rss_steps\":%lld,\"cpp_rss_before_kb\":%ld,\"cpp_rss_after_kb\":%ld,"
                "\"py_rss_steps\":%ld,\"py_rss_before_kb\":%ld,\"py_rss_after_kb\":%ld,\"wall_s\":%.1f}\n",
                threads, batch, epochs, warmup, rounds,
                waitPolicy && !strcasecmp(waitPolicy, "PASSIVE") ? "true" : "false",
                set.train.size(), num(cpp.mean).c_str(), num(cpp.median).c_str(), num(py.mean).c_str(),
                num(py.median).c_str(), num(variants ? pyLean.mean : NAN).c_str(),
                num(variants ? pyMalloc.mean : NAN).c_str(), num(ratio, "%.3f").c_str(),
                num(ratioMedian, "%.3f").c_str(), num(agree, "%.4g").c_str(), num(cpp.firstLoss, "%.6f").c_str(),
                num(py.firstLoss, "%.6f").c_str(), num(cpp.epochLoss, "%.6f").c_str(),
                num(py.epochLoss, "%.6f").c_str(), rss ? rssCount : 0, rssCppSteps, rssCppBefore, rssCppAfter,
                pyRss.steps, pyRss.rssBefore, pyRss.rssAfter, wall);
    if (keep)
        std::printf("kept %s\n", dir.c_str());
    else
        fs::remove_all(dir);
    return 0;
}

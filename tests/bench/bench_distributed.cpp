// Data-parallel training on c10d (core/distributed): training images/s of fr_feature.onnx on real
// face crops (shared/data/faces112) with 1 and 2 worker processes over 127.0.0.1 (Gloo), the same
// global batch, and the all-reduce time per step and per MB of gradients; then the bare all-reduce
// (2 processes) on 4, 25 and 100 MB. --trainer linearizer measures a Linearizer surrogate of it
// instead (the default configuration, the teacher's targets memoised by an untimed first epoch).
// A benchmark, not a test: on a shared machine the figures move with foreign load.
//   bench_distributed [--trainer finetune|linearizer] [--model PATH] [--pairs N] [--images N]
//                     [--batch B] [--worlds 1,2]
#include "DataPaths.h"
#include "distributed/ProcessGroupCollective.h"
#include "nn/ModelFamily.h"
#include "linearizer/LinearizerTrainer.h"
#include "train/ContrastiveTrainer.h"

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace facelab;

namespace {

// Real crops, people in name order; pairs alternate same and different person.
train::TrainingSet facePairs(const std::string &root, int pairs)
{
    namespace fs = std::filesystem;
    std::vector<std::vector<int>> people;
    train::TrainingSet set;
    std::vector<fs::path> dirs;
    for (const auto &e : fs::directory_iterator(root))
        dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    for (const auto &d : dirs) {
        std::vector<fs::path> files;
        for (const auto &e : fs::directory_iterator(d))
            files.push_back(e.path());
        std::sort(files.begin(), files.end());
        people.emplace_back();
        for (size_t i = 0; i < files.size() && i < 12; ++i) {
            people.back().push_back(int(set.faces.size()));
            set.faces.push_back(cv::imread(files[i].string(), cv::IMREAD_COLOR));
        }
    }
    const int n = int(people.size());
    for (int i = 0; i < pairs; ++i) {
        const auto &p = people[size_t(i % n)];
        const auto &q = people[size_t((i + 1) % n)];
        if (i % 2 == 0)
            set.train.push_back({p[size_t(i / n) % p.size()], p[size_t(i / n + 1) % p.size()], true});
        else
            set.train.push_back({p[size_t(i / n) % p.size()], q[size_t(i / n) % q.size()], false});
    }
    for (int i = 0; i < 8; ++i)
        set.validation.push_back(set.train[size_t(i)]);
    return set;
}

// This process's group (none alone), on the loopback at port.
std::shared_ptr<distributed::ProcessGroupCollective> joinBench(int rank, int world, int port)
{
    if (world == 1)
        return nullptr;
    distributed::GroupOptions g;
    g.masterPort = port;
    g.rank = rank;
    g.world = world;
    return std::make_shared<distributed::ProcessGroupCollective>(g);
}

int worker(const std::string &model, int pairs, int batch, int rank, int world, int port)
{
    train::ContrastiveOptions o;
    o.batchPairs = batch;
    o.epochs = 1;
    o.distillWeight = 0;
    nn::OpenOptions open;
    open.preprocessing = nn::Preprocessing::frFeature();
    const train::TrainingSet set = facePairs(FACELAB_SOURCE_DIR "/../shared/data/faces112", pairs);
    const auto group = joinBench(rank, world, port);
    train::ContrastiveTrainer trainer(nn::openModel("onnx", model, open), o);
    trainer.setCollective(group);
    // One untimed epoch warms the allocator and oneDNN kernels.
    trainer.train(set);
    const double reduceBefore = group ? group->reduceTiming().seconds : 0;
    const double mbBefore = group ? group->reduceTiming().megabytes : 0;
    const long callsBefore = group ? group->reduceTiming().calls : 0;
    const train::TrainResult r = trainer.train(set);
    const long steps = long((pairs + batch - 1) / batch);
    if (rank == 0)
        std::printf("world %d: %.1f images/s (%.1f pairs/s, global batch %d pairs, %ld steps, %d threads each)", world,
                2 * r.pairsPerSecond, r.pairsPerSecond, batch, steps, at::get_num_threads());
    if (group && rank == 0) {
        const auto &t = group->reduceTiming();
        // Two calls per step carry gradients' worth of data at most once; the gradient call dominates.
        const double sec = t.seconds - reduceBefore, mb = t.megabytes - mbBefore;
        std::printf("; all-reduce %.1f ms/step for %.2f MB/step = %.2f ms per MB (%ld calls)", 1e3 * sec / double(steps),
                    mb / double(steps), 1e3 * sec / mb, t.calls - callsBefore);
    }
    if (rank == 0)
        std::printf("\n");
    if (group) {   // the bare all-reduce, every rank taking part, bucketed at 25 MB
        for (double mb : {4.0, 25.0, 100.0}) {
            std::vector<torch::Tensor> v{torch::ones({long(mb * 1e6 / 4)})};
            group->allReduceSum(v);
            const auto t0 = std::chrono::steady_clock::now();
            const int reps = 5;
            for (int i = 0; i < reps; ++i)
                group->allReduceSum(v);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
            if (rank == 0)
                std::printf("  bare all-reduce %5.0f MB, 2 processes: %7.1f ms = %.2f ms per MB (%.2f GB/s algorithm bandwidth)\n",
                        mb, 1e3 * s, 1e3 * s / mb, mb / 1e3 / s);
        }
    } else {
        std::fflush(stdout);
    }
    return 0;
}

// The Linearizer (default size: latent 512, 4 blocks, hidden 1024) on `images` crops, 32 more held out.
int linearizerWorker(const std::string &model, int images, int batch, int rank, int world, int port)
{
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    for (const auto &e : fs::recursive_directory_iterator(FACELAB_SOURCE_DIR "/../shared/data/faces112"))
        if (e.is_regular_file() && e.path().extension() == ".png")
            files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<cv::Mat> faces;
    for (size_t i = 0; i < files.size() && int(faces.size()) < images + 32; ++i)
        faces.push_back(cv::imread(files[i].string(), cv::IMREAD_COLOR));
    linearizer::LinearizerData data;
    data.count = faces.size();
    data.load = [&](size_t i) { return faces[i]; };
    for (size_t i = 0; i < faces.size(); ++i)
        (int(i) < images ? data.train : data.heldOut).push_back(i);
    const auto group = joinBench(rank, world, port);
    nn::OpenOptions open;
    open.preprocessing = nn::Preprocessing::frFeature();
    linearizer::LinearizerTrainOptions o;
    o.epochs = 2;   // the first (untimed in effect: its targets are computed) warms and memoises
    o.batch = batch;
    linearizer::LinearizerTrainer trainer(nn::openModel("onnx", model, open), linearizer::LinearizerConfig{}, o);
    trainer.setCollective(group);
    double epoch2 = 0, epoch1 = 0;
    linearizer::LinearizerCallbacks cb;
    cb.onEpoch = [&](const linearizer::LinearizerEpoch &e) {
        (e.epoch == 1 ? epoch1 : epoch2) = e.seconds;
    };
    const auto r = trainer.train(data, cb);
    const long steps = long((images + batch - 1) / batch);
    if (rank == 0) {
        std::printf("Linearizer, world %d: %.1f images/s over both epochs (%lld parameters, global batch %d, %ld steps an "
                    "epoch, %d threads each); epoch 2 alone (targets memoised): %.1f s",
                    world, r.imagesPerSecond, (long long)r.parameters, batch, steps, at::get_num_threads(), epoch2 - epoch1);
        if (group) {
            const auto &t = group->reduceTiming();
            std::printf("; all-reduce %.1f ms/step for %.2f MB/step = %.2f ms per MB", 1e3 * t.seconds / double(2 * steps),
                        t.megabytes / double(2 * steps), 1e3 * t.seconds / t.megabytes);
        }
        std::printf("\n");
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string model = modelsDir() + "/fr_feature.onnx";
    int pairs = 192, images = 256, batch = 32, rank = -1, world = 1, port = 0;
    std::string worlds = "1,2", trainer = "finetune";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--model") model = v;
        else if (k == "--pairs") pairs = std::stoi(v);
        else if (k == "--batch") batch = std::stoi(v);
        else if (k == "--images") images = std::stoi(v);
        else if (k == "--trainer") trainer = v;
        else if (k == "--worlds") worlds = v;
        else if (k == "--rank") rank = std::stoi(v);
        else if (k == "--world") world = std::stoi(v);
        else if (k == "--port") port = std::stoi(v);
    }
    if (rank >= 0) {
        // Each process its share of the cores, as `facelab ... --workers N` gives its children
        // (nn::initEngine reads it): oversubscribed, OpenMP's spinning threads starve Gloo's.
        setenv("FACELAB_LOCAL_PROCESSES", std::to_string(world).c_str(), 1);
        try {
            return trainer == "linearizer" ? linearizerWorker(model, images, batch, rank, world, port)
                                           : worker(model, pairs, batch, rank, world, port);
        } catch (const std::exception &e) {
            std::fprintf(stderr, "bench_distributed rank %d: %s\n", rank, e.what());
            return 1;
        }
    }
    std::stringstream list(worlds);
    for (std::string w; std::getline(list, w, ',');) {
        const int n = std::stoi(w);
        const int p = distributed::freeLocalPort();
        std::vector<pid_t> kids;
        for (int r = 0; r < n; ++r) {
            const pid_t pid = fork();
            if (pid == 0) {
                const std::vector<std::string> a{argv[0], "--trainer", trainer, "--images", std::to_string(images),
                                                 "--model", model, "--pairs", std::to_string(pairs), "--batch",
                                                 std::to_string(batch), "--rank", std::to_string(r), "--world",
                                                 std::to_string(n), "--port", std::to_string(p)};
                std::vector<char *> c;
                for (const auto &s : a)
                    c.push_back(const_cast<char *>(s.c_str()));
                c.push_back(nullptr);
                execv("/proc/self/exe", c.data());
                _exit(127);
            }
            kids.push_back(pid);
        }
        for (pid_t k : kids)
            waitpid(k, nullptr, 0);
    }
    return 0;
}

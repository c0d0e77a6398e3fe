// One process of a data-parallel test job (tests/distributed/test_distributed): fine-tunes the small
// ONNX test embedder on real face crops, or (--trainer linearizer) trains a small Linearizer
// surrogate of it, with the job's rank and world (world 1: alone, no process group), and writes
// the weights after every step. For the fault tests it can kill itself (SIGKILL) or hang at a step.
//   dist_worker --rank R --world W --master HOST:PORT --out FILE [--trainer finetune|linearizer]
//               [--epochs E] [--batch B] [--loss groups|pairwise] [--checkpoint PATH [--every N]
//               [--resume 1]] [--train-bn 1] [--die-at STEP | --hang-at STEP] [--timeout-ms MS]
//   (the Linearizer checkpoints at every epoch's end; --resume 1 continues from PATH)
#include "../train/TrainTestData.h"
#include "DistTrainData.h"
#include "distributed/ProcessGroupCollective.h"
#include "linearizer/LinearizerNet.h"
#include "linearizer/LinearizerTrainer.h"
#include "nn/ModuleState.h"
#include "train/ContrastiveTrainer.h"

#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

using namespace facelab;

namespace {

std::shared_ptr<distributed::ProcessGroupCollective> joinIfParallel(std::map<std::string, std::string> &a, int rank,
                                                                    int world)
{
    if (world == 1)
        return nullptr;
    distributed::GroupOptions g;
    const std::string master = a["--master"];
    g.masterHost = master.substr(0, master.find(':'));
    g.masterPort = std::stoi(master.substr(master.find(':') + 1));
    g.rank = rank;
    g.world = world;
    g.timeout = std::chrono::milliseconds(a.count("--timeout-ms") ? std::stol(a["--timeout-ms"]) : 20000);
    return std::make_shared<distributed::ProcessGroupCollective>(g);
}

// The Linearizer on the same faces: 36 crops of 6 people, 30 to train on (batch 8: 4 steps an
// epoch, the last of 6), 6 held out; shifts and flips drawn per sample.
int linearizerWorker(std::map<std::string, std::string> &a, int rank, int world, long dieAt, long hangAt)
{
    const train::TrainingSet set = disttest::realFacePairs(FACES_DIR, 6, 4, 2);
    onnx::ModelProto proto;
    proto.ParseFromString(traintest::smallEmbedderOnnx(7));
    auto teacherNet = std::make_shared<nn::OnnxGraphModuleImpl>(nn::OnnxModelFile::fromProto(proto, "small-embedder"));
    linearizer::LinearizerConfig c;
    c.latent = 16;
    c.blocks = 1;
    c.hidden = 32;
    c.encoderChannels = {8, 16};
    c.seed = 3;
    linearizer::LinearizerTrainOptions o;
    o.epochs = a.count("--epochs") ? std::stoi(a["--epochs"]) : 1;
    o.batch = a.count("--batch") ? std::stoi(a["--batch"]) : 8;
    o.learningRate = 1e-3;
    o.augment.maxShift = 1;
    o.seed = 5;
    o.checkpointPath = a.count("--checkpoint") ? a["--checkpoint"] : "";
    if (a.count("--resume") && a["--resume"] == "1")
        o.resumeFrom = o.checkpointPath;
    linearizer::LinearizerTrainer trainer(nn::FaceModel(teacherNet, traintest::smallSpec(), "small-embedder"), c, o);
    const auto group = joinIfParallel(a, rank, world);
    trainer.setCollective(group);
    linearizer::LinearizerData data;
    data.count = set.faces.size();
    data.load = [&](size_t i) { return set.faces[i]; };
    data.name = [](size_t i) { return "face " + std::to_string(i); };
    for (size_t i = 0; i < data.count; ++i)
        (i < 30 ? data.train : data.heldOut).push_back(i);
    const std::string out = a["--out"];
    const linearizer::LinearizerModel model = linearizer::surrogateOf(trainer.surrogate());
    linearizer::LinearizerCallbacks cb;
    cb.onStep = [&](const linearizer::LinearizerStep &s) {
        std::cout << "rank " << rank << " step " << s.step << " loss " << s.loss << std::endl;
        std::vector<torch::Tensor> w;
        for (const auto &[name, t] : nn::moduleState(*model))
            w.push_back(t.detach().clone());
        torch::save(w, out + ".step" + std::to_string(s.step));
        if (s.step == dieAt)
            std::raise(SIGKILL);
        if (s.step == hangAt)
            std::this_thread::sleep_for(std::chrono::hours(1));
    };
    const linearizer::LinearizerTrainResult r = trainer.train(data, cb);
    std::cout << "rank " << rank << " done: " << r.epochsRun << " epochs, resumed from epoch " << r.resumedFrom
              << ", world " << r.world << std::endl;
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::map<std::string, std::string> a;
    for (int i = 1; i + 1 < argc; i += 2)
        a[argv[i]] = argv[i + 1];
    auto num = [&](const char *k, long def) { return a.count(k) ? std::stol(a[k]) : def; };
    const int rank = int(num("--rank", 0)), world = int(num("--world", 1));
    const long dieAt = num("--die-at", -1), hangAt = num("--hang-at", -1);
    try {
        if (a.count("--trainer") && a["--trainer"] == "linearizer")
            return linearizerWorker(a, rank, world, dieAt, hangAt);
        const train::TrainingSet set = disttest::realFacePairs(FACES_DIR, 6, 4, 2);
        onnx::ModelProto proto;
        proto.ParseFromString(traintest::smallEmbedderOnnx(7));
        auto m = std::make_shared<nn::OnnxGraphModuleImpl>(nn::OnnxModelFile::fromProto(proto, "small-embedder"));
        train::ContrastiveOptions o;
        o.epochs = int(num("--epochs", 1));
        o.batchPairs = int(num("--batch", 16));
        o.learningRate = 1e-3;
        o.flipAugment = true;
        o.distillBatch = 4;
        o.l2spWeight = 0.01;
        o.warmupFraction = 0;
        o.seed = 11;
        o.trainBatchNorm = a.count("--train-bn") && a["--train-bn"] == "1";
        if (a.count("--loss") && !train::lossKindFromName(a["--loss"], o.loss))
            throw std::runtime_error("bad --loss");
        o.checkpointPath = a.count("--checkpoint") ? a["--checkpoint"] : "";
        o.checkpointEvery = int(num("--every", 0));
        o.resume = a.count("--resume") && a["--resume"] == "1";
        train::ContrastiveTrainer trainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o);
        const auto group = joinIfParallel(a, rank, world);
        trainer.setCollective(group);
        const std::string out = a["--out"];
        train::TrainCallbacks cb;
        cb.onStep = [&](const train::StepStats &s) {
            std::cout << "rank " << rank << " step " << s.step << " loss " << s.loss << std::endl;
            std::vector<torch::Tensor> w;
            for (const auto &name : m->initializerNames())
                w.push_back(m->initializerValue(name).detach().clone());
            torch::save(w, out + ".step" + std::to_string(s.step));
            if (s.step == dieAt)
                std::raise(SIGKILL);
            if (s.step == hangAt)
                std::this_thread::sleep_for(std::chrono::hours(1));
        };
        const train::TrainResult r = trainer.train(set, cb);
        std::cout << "rank " << rank << " done: " << r.epochsRun << " epochs, resumed from step " << r.resumedFromStep
                  << ", world " << r.world << std::endl;
        if (group) {
            const auto &t = group->reduceTiming();
            std::cout << "allreduce " << t.calls << " calls " << t.buckets << " buckets " << t.megabytes << " MB "
                      << t.seconds << " s" << std::endl;
        }
        return 0;
    } catch (const std::exception &e) {
        std::cerr << "dist_worker rank " << rank << ": " << e.what() << std::endl;
        return 2;
    }
}

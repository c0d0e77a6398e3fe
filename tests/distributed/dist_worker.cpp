// One process of a data-parallel fine-tuning test job (tests/distributed/test_distributed): trains
// the small ONNX test embedder on real face crops with the job's rank and world (world 1: alone, no
// process group) and writes the weights after every step it was asked to keep. For the fault tests
// it can kill itself (SIGKILL) or hang at a given step.
//   dist_worker --rank R --world W --master HOST:PORT --out FILE [--epochs E] [--batch B]
//               [--loss groups|pairwise] [--checkpoint PATH [--every N] [--resume]]
//               [--die-at STEP | --hang-at STEP] [--timeout-ms MS]
#include "../train/TrainTestData.h"
#include "DistTrainData.h"
#include "distributed/ProcessGroupCollective.h"
#include "train/ContrastiveTrainer.h"

#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

using namespace facelab;

int main(int argc, char **argv)
{
    std::map<std::string, std::string> a;
    for (int i = 1; i + 1 < argc; i += 2)
        a[argv[i]] = argv[i + 1];
    auto num = [&](const char *k, long def) { return a.count(k) ? std::stol(a[k]) : def; };
    const int rank = int(num("--rank", 0)), world = int(num("--world", 1));
    const long dieAt = num("--die-at", -1), hangAt = num("--hang-at", -1);
    try {
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
        if (a.count("--loss") && !train::lossKindFromName(a["--loss"], o.loss))
            throw std::runtime_error("bad --loss");
        o.checkpointPath = a.count("--checkpoint") ? a["--checkpoint"] : "";
        o.checkpointEvery = int(num("--every", 0));
        o.resume = a.count("--resume") && a["--resume"] == "1";
        train::ContrastiveTrainer trainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o);
        std::shared_ptr<distributed::ProcessGroupCollective> group;
        if (world > 1) {
            distributed::GroupOptions g;
            const std::string master = a["--master"];
            g.masterHost = master.substr(0, master.find(':'));
            g.masterPort = std::stoi(master.substr(master.find(':') + 1));
            g.rank = rank;
            g.world = world;
            g.timeout = std::chrono::milliseconds(num("--timeout-ms", 20000));
            group = std::make_shared<distributed::ProcessGroupCollective>(g);
            trainer.setCollective(group);
        }
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

// iResNet50 embeddings per second, FaceLab against PyTorch, in one run (a benchmark, not a test).
//
// What it measures, at batch 1 and batch 32, on the same random-weight iResNet50 checkpoint in
// ArcFace-torch layout (written once per run by bench_families.py to a temp folder, with the
// reference module of tests/nn/make_family_checkpoints.py):
//   FaceLab  Embedder    nn::openModel("iresnet", ...) through nn::Embedder(model, LibTorch): 8-bit
//                        BGR faces in, L2-normalised embeddings out (preprocessing, chunks of 16,
//                        channels-last, normalisation included);
//   FaceLab  FaceNet     the bare FaceNetImpl::forward on a prepared float tensor, channels-last (as
//                        the Embedder sets the network) and NCHW (a second opened copy);
//   PyTorch  eager       the reference nn.Module (Debian's python3-torch 1.13, bench_families.py
//                        bench, a child process), NCHW and channels-last, inference_mode,
//                        torch.set_num_threads(2), on a prepared tensor.
// Every configuration is warmed up first (oneDNN primitives, allocator), then timed in R rounds
// (default 3) that alternate FaceLab and a fresh PyTorch child, so foreign load on a shared machine
// hits both alike. One pass = the call repeated for at least S seconds (at least one call). The
// table gives the BEST pass of the R rounds (the median in brackets), with GFLOP/s from the
// multiply-adds counted on the loaded network's layer shapes (conv Cout*Cin/groups*k*k*Hout*Wout,
// linear in*out, 2 FLOPs per MAC; BatchNorm, PReLU and residual adds not counted), and the ratio
// FaceLab / faster PyTorch per batch size.
// Agreement: FaceLab's embeddings of the 32 faces against PyTorch's (max abs diff, raw and
// normalised), so both sides compute the same thing.
// Peak memory: a child `bench_families --rss100 DIR` opens an iResNet100 checkpoint (also written by
// python) through nn::openModel, embeds 32 faces and prints VmHWM; PyTorch's figure for the same
// work (bench_families.py rss100) is printed next to it.
//
// Run (from the build folder, with /usr/bin/python3 and python3-torch installed):
//   tests/bench/bench_families [--seconds S] [--rounds R] [--keep] [--py-passive]
// --keep leaves the temp folder (its path is printed). The load average is printed before and after.
// Run it on an idle machine: under foreign load, libgomp's default spin-waiting makes the PyTorch
// child stall ~10 ms (a scheduler slice) per parallel op at batch 1 (measured: 4 s instead of 0.12 s
// per face with 3 compilers on the 2 cores), which FaceLab's process did not show. --py-passive runs
// the child with OMP_WAIT_POLICY=PASSIVE, which removes that stall, for runs on a busy machine.
#include "BenchChild.h"
#include "BenchFlops.h"
#include "nn/Embedder.h"
#include "nn/Engine.h"
#include "nn/FaceNet.h"
#include "nn/FlopCount.h"
#include "nn/ModelFamily.h"
#include "nn/families/IResNet.h"

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

using namespace facelab;
using Clock = std::chrono::steady_clock;

namespace {

std::string loadAverage()
{
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

long statusKb(const char *key)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    const size_t n = std::strlen(key);
    while (std::getline(in, line))
        if (line.compare(0, n, key) == 0)
            return std::atol(line.c_str() + n + 1);
    return -1;
}

using bench::runLines;

std::string quoted(const std::string &s) { return "'" + s + "'"; }

std::vector<cv::Mat> readFaces(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t faceBytes = 112 * 112 * 3;
    std::vector<cv::Mat> faces;
    for (size_t off = 0; off + faceBytes <= bytes.size(); off += faceBytes)
        faces.push_back(cv::Mat(112, 112, CV_8UC3, bytes.data() + off).clone());
    return faces;
}

// Multiply-adds of one 112 x 112 face through the loaded iResNet, from its layers' shapes.
double iresnetMacs(nn::IResNetImpl &net, std::string &detail)
{
    double macs = 0, convMacs = 0;
    auto conv = [&](torch::nn::Conv2dImpl &c, int64_t &h, int64_t &w) {
        const auto &o = c.options;
        const auto k = c.weight.sizes(); // Cout x Cin/groups x kh x kw
        const int64_t pad0 = c10::get<torch::ExpandingArray<2>>(o.padding())->at(0);
        const int64_t pad1 = c10::get<torch::ExpandingArray<2>>(o.padding())->at(1);
        h = (h + 2 * pad0 - k[2]) / o.stride()->at(0) + 1;
        w = (w + 2 * pad1 - k[3]) / o.stride()->at(1) + 1;
        const double m = double(k[0]) * double(k[1]) * double(k[2] * k[3]) * double(h * w);
        macs += m;
        convMacs += m;
    };
    int64_t h = 112, w = 112;
    conv(*net.conv1, h, w);
    int nconv = 1;
    for (auto &layer : net.layers)
        for (auto &block : layer) {
            int64_t h1 = h, w1 = w;
            conv(*block->conv1, h1, w1);
            conv(*block->conv2, h1, w1);
            nconv += 2;
            if (block->downConv) {
                int64_t h2 = h, w2 = w;
                conv(*block->downConv, h2, w2);
                ++nconv;
            }
            h = h1;
            w = w1;
        }
    const auto fw = net.fc->weight.sizes(); // out x in
    const double fcMacs = double(fw[0]) * double(fw[1]);
    if (fw[1] != net.layers[3].back()->conv2->weight.size(0) * h * w)
        std::fprintf(stderr, "bench_families: fc input %lld != C*H*W of the last stage\n", (long long)fw[1]);
    macs += fcMacs;
    char buf[200];
    std::snprintf(buf, sizeof buf, "%d convs %.3f GMAC + fc %lldx%lld %.3f GMAC, final map %lldx%lld", nconv,
                  convMacs / 1e9, (long long)fw[1], (long long)fw[0], fcMacs / 1e9, (long long)h, (long long)w);
    detail = buf;
    return macs;
}

double maxAbsDiff(const cv::Mat &a, const cv::Mat &b)
{
    if (a.size() != b.size())
        return std::nan("");
    return cv::norm(a, b, cv::NORM_INF);
}

cv::Mat normalisedRows(cv::Mat m)
{
    m = m.clone();
    for (int r = 0; r < m.rows; ++r) {
        cv::Mat row = m.row(r);
        const double n = cv::norm(row, cv::NORM_L2);
        if (n > 1e-12)
            row /= n;
    }
    return m;
}

cv::Mat toMat(const torch::Tensor &t)
{
    auto y = t.reshape({t.size(0), -1}).to(torch::kCPU, torch::kFloat).contiguous();
    return cv::Mat(int(y.size(0)), int(y.size(1)), CV_32F, y.data_ptr<float>()).clone();
}

// --rss100 PTH FACES: the child of the peak-memory check.
int rss100(const std::string &pth, const std::string &facesPath)
{
    const long base = statusKb("VmHWM:");
    nn::FaceModel model = nn::openModel("iresnet", pth, {});
    const long opened = statusKb("VmRSS:");
    nn::Embedder embedder(model, nn::EmbedBackend::LibTorch);
    const auto faces = readFaces(facesPath);
    cv::Mat e = embedder.embed(faces);
    std::printf("%s: %lld parameters; embedded %d faces -> %d x %d\n", model.family().c_str(),
                (long long)model.parameterCount(), int(faces.size()), e.rows, e.cols);
    std::printf("VmHWM before opening %ld kB, VmRSS after opening %ld kB\n", base, opened);
    std::printf("VmHWM %ld\n", statusKb("VmHWM:"));
    return 0;
}

struct Config
{
    std::string side;   // "FaceLab" or "PyTorch"
    std::string name;
    int batch;
    std::function<void()> run; // FaceLab only: embeds `batch` faces
    std::vector<double> passes; // images/s
    double best() const { return passes.empty() ? 0 : *std::max_element(passes.begin(), passes.end()); }
    double median() const
    {
        if (passes.empty())
            return 0;
        auto v = passes;
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    }
};

double timedPass(const Config &c, double seconds)
{
    int calls = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
        c.run();
        ++calls;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < seconds);
    return calls * c.batch / elapsed;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc == 4 && !std::strcmp(argv[1], "--rss100"))
        return rss100(argv[2], argv[3]);

    double seconds = 2.0;
    int rounds = 3;
    bool keep = false;
    std::string pyEnv; // prefix of the PyTorch child's command line
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = std::atof(argv[++i]);
        else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--keep"))
            keep = true;
        else if (!std::strcmp(argv[i], "--py-passive"))
            pyEnv = "OMP_WAIT_POLICY=PASSIVE ";
        else {
            std::fprintf(stderr, "usage: bench_families [--seconds S] [--rounds R] [--keep] [--py-passive]\n");
            return 2;
        }
    }
    const std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const std::string script = BENCH_FAMILIES_PY;

    nn::initEngine();
    std::printf("iResNet50 (ArcFace-torch layout, random weights), 112x112 faces\n");
    std::printf("FaceLab: LibTorch %d threads (interop %d), oneDNN %s\nload average before: %s\n",
                torch::get_num_threads(), torch::get_num_interop_threads(), at::hasMKLDNN() ? "yes" : "no",
                loadAverage().c_str());

    // --- checkpoints, written once ---------------------------------------------------------------
    char tmpl[] = "/tmp/bench_families.XXXXXX";
    if (!mkdtemp(tmpl)) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::string dir = tmpl;
    int status = 0;
    const auto t0 = Clock::now();
    auto out = runLines(python + " " + quoted(script) + " write " + quoted(dir), status);
    const double writeSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (status != 0 || !std::filesystem::exists(dir + "/r50.pth")) {
        std::printf("bench_families.py write failed (needs /usr/bin/python3 with python3-torch):\n");
        for (const auto &l : out)
            std::printf("  %s\n", l.c_str());
        std::filesystem::remove_all(dir);
        return 1;
    }
    std::printf("checkpoints written by python in %.1f s to %s (r50.pth %.0f MB, r100.pth %.0f MB)\n", writeSeconds,
                dir.c_str(), std::filesystem::file_size(dir + "/r50.pth") / 1e6,
                std::filesystem::file_size(dir + "/r100.pth") / 1e6);

    // --- FaceLab side ---------------------------------------------------------------------------
    const auto faces = readFaces(dir + "/faces.u8");
    cv::Mat expected(int(faces.size()), 512, CV_32F);
    {
        std::ifstream in(dir + "/r50.emb", std::ios::binary);
        in.read(reinterpret_cast<char *>(expected.data), std::streamsize(expected.total() * sizeof(float)));
    }
    nn::FaceModel model = nn::openModel("iresnet", dir + "/r50.pth", {});
    nn::FaceModel modelNchw = nn::openModel("iresnet", dir + "/r50.pth", {}); // a separate network
    nn::Embedder embedder(model, nn::EmbedBackend::LibTorch);                // sets it channels-last
    auto *net = dynamic_cast<nn::IResNetImpl *>(model.net().get());
    auto nchwNet = modelNchw.net();
    nchwNet->eval();
    nchwNet->setChannelsLast(false);
    if (!net || faces.size() != 32) {
        std::printf("unexpected model or faces\n");
        return 1;
    }
    net->eval();
    std::string macDetail;
    const double macs = iresnetMacs(*net, macDetail);
    const double gflopPerImage = 2 * macs / 1e9;
    std::printf("%s: %lld parameters, %s, chunk %d faces; %s\n", net->config().name().c_str(),
                (long long)model.parameterCount(), model.preprocessing().toJson().c_str(), embedder.chunkSize(),
                net->channelsLast() ? "channels-last" : "NCHW");
    std::printf("work per face: %.3f GMAC = %.2f GFLOP (%s)\n", macs / 1e9, gflopPerImage, macDetail.c_str());
    const double countedGflop = nn::forwardFlops(*net, torch::zeros({1, 3, 112, 112})) / 1e9;
    const bench::MachinePeak peak = bench::machinePeak();
    std::printf("same, counted from the forward pass's own shapes (nn::forwardFlops): %.2f GFLOP\nmachine peak: %s\n",
                countedGflop, peak.describe().c_str());

    // Agreement with PyTorch's embeddings of the same 32 faces.
    const cv::Mat embedded = embedder.embed(faces);
    torch::Tensor xAll = nn::facesToTensor(faces, model.preprocessing());
    cv::Mat rawCl, rawNchw;
    {
        c10::InferenceMode guard;
        rawCl = toMat(net->forward(xAll.contiguous(at::MemoryFormat::ChannelsLast)));
        rawNchw = toMat(nchwNet->forward(xAll));
    }
    const double refScale = cv::norm(expected, cv::NORM_INF);
    const double diffEmbedder = maxAbsDiff(embedded, normalisedRows(expected));
    const double diffCl = maxAbsDiff(rawCl, expected), diffNchw = maxAbsDiff(rawNchw, expected);

    std::vector<Config> configs;
    std::map<int, torch::Tensor> clInputs, nchwInputs;
    std::map<int, std::vector<cv::Mat>> batchFaces;
    for (int b : {1, 32}) {
        batchFaces[b] = std::vector<cv::Mat>(faces.begin(), faces.begin() + b);
        clInputs[b] = xAll.narrow(0, 0, b).contiguous(at::MemoryFormat::ChannelsLast);
        nchwInputs[b] = xAll.narrow(0, 0, b).contiguous();
    }
    for (int b : {1, 32}) {
        const auto &f = batchFaces[b];
        const auto &xc = clInputs[b];
        const auto &xn = nchwInputs[b];
        configs.push_back({"FaceLab", "FaceLab Embedder (preprocess+normalise)", b, [&embedder, &f] { embedder.embed(f); }, {}});
        configs.push_back({"FaceLab", "FaceLab FaceNet forward, channels-last", b, [net, &xc] {
                               c10::InferenceMode guard;
                               net->forward(xc);
                           }, {}});
        configs.push_back({"FaceLab", "FaceLab FaceNet forward, NCHW", b, [&nchwNet, &xn] {
                               c10::InferenceMode guard;
                               nchwNet->forward(xn);
                           }, {}});
        configs.push_back({"PyTorch", "PyTorch eager NCHW", b, nullptr, {}});
        configs.push_back({"PyTorch", "PyTorch eager channels-last", b, nullptr, {}});
    }
    auto find = [&](const std::string &name, int b) -> Config & {
        for (auto &c : configs)
            if (c.name == name && c.batch == b)
                return c;
        std::fprintf(stderr, "no config %s\n", name.c_str());
        std::abort();
    };
    std::printf("warming up FaceLab ...\n");
    std::fflush(stdout);
    for (auto &c : configs)
        if (c.run) {
            c.run();
            if (c.batch == 1)
                c.run();
        }

    // --- rounds: FaceLab passes, then a fresh PyTorch child --------------------------------------
    std::map<std::string, double> pyAgree;
    std::string pyVersion;
    bool pyFailed = false;
    for (int r = 0; r < rounds; ++r) {
        for (auto &c : configs)
            if (c.run)
                c.passes.push_back(timedPass(c, seconds));
        out = runLines(pyEnv + python + " " + quoted(script) + " bench " + quoted(dir) + " --seconds " +
                           std::to_string(seconds),
                       status);
        int got = 0;
        for (const auto &l : out) {
            char layout[32];
            int b = 0;
            double v = 0;
            if (std::sscanf(l.c_str(), "RESULT %31s %d %lf", layout, &b, &v) == 3) {
                find(std::string(layout) == "nchw" ? "PyTorch eager NCHW" : "PyTorch eager channels-last", b)
                    .passes.push_back(v);
                ++got;
            } else if (std::sscanf(l.c_str(), "AGREE %31s %lf", layout, &v) == 2) {
                pyAgree[layout] = std::max(pyAgree[layout], v);
            } else if (l.rfind("torch ", 0) == 0) {
                pyVersion = l;
            }
        }
        if (got != 4) {
            pyFailed = true;
            std::printf("PyTorch child failed (status %d):\n", status);
            for (const auto &l : out)
                std::printf("  %s\n", l.c_str());
            break;
        }
        std::printf("round %d of %d done (load %s)\n", r + 1, rounds, loadAverage().c_str());
        std::fflush(stdout);
    }

    // --- iResNet100 peak memory ----------------------------------------------------------------
    std::printf("iResNet100 peak RSS ...\n");
    std::fflush(stdout);
    // /proc/self/exe read here: inside popen's shell it would name the shell.
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const auto rssOut = runLines(quoted(self) + " --rss100 " + quoted(dir + "/r100.pth") + " " +
                                     quoted(dir + "/faces.u8"),
                                 status);
    long hwm = -1;
    for (const auto &l : rssOut)
        std::sscanf(l.c_str(), "VmHWM %ld", &hwm);
    const auto pyRssOut = runLines(python + " " + quoted(script) + " rss100 " + quoted(dir), status);
    long pyHwm = -1;
    for (const auto &l : pyRssOut)
        std::sscanf(l.c_str(), "VmHWM %ld", &pyHwm);

    // --- report --------------------------------------------------------------------------------
    std::printf("\nPyTorch: %s%s\n", pyVersion.empty() ? "(did not run)" : pyVersion.c_str(),
                pyEnv.empty() ? "" : ", child run with OMP_WAIT_POLICY=PASSIVE");
    std::printf("images/s: best of %d passes (median in brackets); a pass repeats the call for >= %.1f s.\n"
                "GFLOP/s = images/s x %.2f GFLOP (2 x multiply-adds of convs and fc).\n\n",
                rounds, seconds, gflopPerImage);
    std::printf("%-42s %24s %24s\n", "", "batch 1", "batch 32");
    std::printf("%-42s %24s %24s\n", "", "img/s (median)  GFLOP/s", "img/s (median)  GFLOP/s");
    std::vector<std::string> order;
    for (const auto &c : configs)
        if (std::find(order.begin(), order.end(), c.name) == order.end())
            order.push_back(c.name);
    for (const auto &name : order) {
        std::printf("%-42s", name.c_str());
        for (int b : {1, 32}) {
            const Config &c = find(name, b);
            char cell[64] = "-";
            if (!c.passes.empty())
                std::snprintf(cell, sizeof cell, "%6.2f (%6.2f) %8.1f", c.best(), c.median(),
                              c.best() * gflopPerImage);
            std::printf(" %24s", cell);
        }
        std::printf("\n");
    }
    if (!pyFailed) {
        std::printf("\n");
        for (int b : {1, 32}) {
            const double pn = find("PyTorch eager NCHW", b).best(), pc = find("PyTorch eager channels-last", b).best();
            const double py = std::max(pn, pc);
            const char *which = pc >= pn ? "channels-last" : "NCHW";
            const double emb = find("FaceLab Embedder (preprocess+normalise)", b).best();
            const double fwd = find("FaceLab FaceNet forward, channels-last", b).best();
            std::printf("batch %2d: FaceLab Embedder / faster PyTorch (%s) = %.2fx;  FaceLab FaceNet forward "
                        "(channels-last) / same = %.2fx; FaceNet forward %s\n",
                        b, which, emb / py, fwd / py, bench::achieved(gflopPerImage * 1e9, fwd, peak).c_str());
        }
    }
    std::printf("\nagreement on the 32 faces (PyTorch NCHW embeddings written with the checkpoint; max |raw| %.3g):\n",
                refScale);
    std::printf("  FaceLab Embedder (L2-normalised) vs PyTorch normalised   max abs diff %.3g\n", diffEmbedder);
    std::printf("  FaceLab FaceNet channels-last (raw) vs PyTorch raw       max abs diff %.3g\n", diffCl);
    std::printf("  FaceLab FaceNet NCHW (raw) vs PyTorch raw                max abs diff %.3g\n", diffNchw);
    for (const auto &[layout, v] : pyAgree)
        std::printf("  PyTorch %-13s (raw, in the child) vs PyTorch raw     max abs diff %.3g\n", layout.c_str(), v);

    std::printf("\niResNet100 (%.0f MB checkpoint) opened with nn::openModel + Embedder, 32 faces embedded:\n",
                std::filesystem::file_size(dir + "/r100.pth") / 1e6);
    for (const auto &l : rssOut)
        if (l.rfind("VmHWM ", 0) != 0)
            std::printf("  %s\n", l.c_str());
    if (hwm > 0)
        std::printf("  FaceLab peak RSS (VmHWM): %.1f MiB\n", hwm / 1024.0);
    else
        std::printf("  FaceLab --rss100 child failed\n");
    if (pyHwm > 0)
        std::printf("  PyTorch peak RSS for the same (load_state_dict, channels-last, inference_mode): %.1f MiB\n",
                    pyHwm / 1024.0);
    else
        for (const auto &l : pyRssOut)
            std::printf("  python: %s\n", l.c_str());

    std::printf("\nload average after: %s\n", loadAverage().c_str());
    if (keep)
        std::printf("kept %s\n", dir.c_str());
    else
        std::filesystem::remove_all(dir);
    return 0;
}

#include "nn/families/IResNetFamily.h"

#include "nn/FaceNet.h"
#include "nn/ModelError.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/families/IResNet.h"
#include "nn/families/NativeOnnxExport.h"
#include "nn/families/StateDictLoad.h"

#include <cstdlib>
#include <sstream>

namespace facelab::nn {

namespace {

constexpr int64_t kFcIn = 512 * 7 * 7;

StateDictRules iresnetRules()
{
    StateDictRules r;
    r.stripPrefixes = {"features.module.", "module.features.", "module.", "backbone."};
    r.isHead = [](const std::string &key, const std::vector<int64_t> &shape) {
        // MagFace's MagLinear / a classifier [classes, embedding]: not 25088-wide like the backbone's fc.
        if (key == "fc.weight" && shape.size() == 2 && shape[1] != kFcIn)
            return true;
        // arcface_torch partial_fc / CurricularFace / AdaFace heads.
        if ((key == "weight" || key == "kernel") && shape.size() == 2)
            return true;
        return key.rfind("head.", 0) == 0 || key.rfind("margin", 0) == 0;
    };
    return r;
}

bool isMagFaceLayout(const ckpt::Checkpoint &c)
{
    for (const auto &t : c.tensors)
        if (t.path.find("features.module.") != std::string::npos || t.path.find("module.features.") != std::string::npos)
            return true;
    for (const auto &s : c.scalars)
        if (s.path == "arch" && s.value.find("magface") != std::string::npos)
            return true;
    return false;
}

struct Analysis
{
    std::array<int, 4> blocks{0, 0, 0, 0};
    int embeddingDim = 512;
    bool magFace = false;
};

Analysis analyse(const ckpt::Checkpoint &c)
{
    Analysis a;
    a.magFace = isMagFaceLayout(c);
    for (const auto &[key, entry] : stateDictEntries(c, iresnetRules())) {
        if (key.size() > 7 && key.compare(0, 5, "layer") == 0 && key[5] >= '1' && key[5] <= '4' && key[6] == '.') {
            const int l = key[5] - '1';
            const auto dot = key.find('.', 7);
            if (dot == std::string::npos)
                continue;
            try {
                const int b = std::stoi(key.substr(7, dot - 7));
                a.blocks[size_t(l)] = std::max(a.blocks[size_t(l)], b + 1);
            } catch (const std::exception &) {
            }
        } else if (key == "fc.weight" && entry->shape.size() == 2 && entry->shape[1] == kFcIn) {
            a.embeddingDim = int(entry->shape[0]);
        }
    }
    return a;
}

struct Loaded
{
    LoadReport report;
    std::shared_ptr<IResNetImpl> net;
};

Loaded load(const std::string &path, std::optional<int> depth)
{
    const ckpt::Checkpoint c = ckpt::readTorchSave(path);
    if (c.tensors.empty())
        throw ModelError(path, "the file holds no tensors");
    const Analysis a = analyse(c);

    IResNetConfig cfg = a.magFace ? IResNetConfig::magFace(50) : IResNetConfig::arcFaceTorch(50);
    std::vector<std::string> notes;
    if (depth) {
        if (!IResNetConfig::blocksForDepth(*depth, cfg.blocks))
            throw ModelError(path, "iResNet depth " + std::to_string(*depth) + " is not one of 18, 34, 50, 100, 200");
    } else if (a.blocks[0] > 0 && a.blocks[1] > 0 && a.blocks[2] > 0 && a.blocks[3] > 0) {
        cfg.blocks = a.blocks;
    } else if (a.blocks == std::array<int, 4>{0, 0, 0, 0}) {
        notes.push_back("no iResNet block layout found in the file; compared with iresnet50");
    } else {
        // An incomplete file: the depth its 'arch' entry names, else the standard depth whose
        // block counts are nearest to what the file has, so the report counts against the right net.
        int chosen = 0;
        for (const auto &s : c.scalars)
            if (s.path == "arch" && s.value.find("iresnet") != std::string::npos) {
                std::array<int, 4> b{};
                const int d = std::atoi(s.value.c_str() + s.value.find("iresnet") + 7);
                if (IResNetConfig::blocksForDepth(d, b))
                    chosen = d;
            }
        if (!chosen) {
            int bestDistance = 1 << 30;
            for (int d : {18, 34, 50, 100, 200}) {
                std::array<int, 4> b{};
                IResNetConfig::blocksForDepth(d, b);
                int distance = 0;
                for (int i = 0; i < 4; ++i)
                    distance += std::abs(b[size_t(i)] - a.blocks[size_t(i)]);
                if (distance < bestDistance)
                    bestDistance = distance, chosen = d;
            }
        }
        IResNetConfig::blocksForDepth(chosen, cfg.blocks);
        notes.push_back("incomplete iResNet block layout [" + std::to_string(a.blocks[0]) + "," + std::to_string(a.blocks[1]) +
                        "," + std::to_string(a.blocks[2]) + "," + std::to_string(a.blocks[3]) + "] in the file; compared with iresnet" +
                        std::to_string(chosen));
    }
    cfg.embeddingDim = a.embeddingDim;

    auto net = std::make_shared<IResNetImpl>(cfg);
    Loaded out;
    out.report = loadStateDict(*net, c, iresnetRules());
    LoadReport &r = out.report;
    r.family = "iresnet";
    r.architecture = cfg.name();
    r.embeddingDim = cfg.embeddingDim;
    r.inputWidth = r.inputHeight = 112;
    r.preprocessing = a.magFace ? Preprocessing::magFace() : Preprocessing::insightFaceArcFace();
    r.notes.insert(r.notes.begin(), a.magFace ? "MagFace layout: BGR, x/255 (BN eps 2e-5)"
                                              : "ArcFace-torch layout: RGB, (x-127.5)/127.5 (BN eps 1e-5)");
    for (auto &n : notes)
        r.notes.push_back(n);
    if (depth && a.blocks != cfg.blocks)
        r.notes.push_back("the file's block counts [" + std::to_string(a.blocks[0]) + "," + std::to_string(a.blocks[1]) +
                          "," + std::to_string(a.blocks[2]) + "," + std::to_string(a.blocks[3]) + "] are not " +
                          cfg.name() + "'s");
    for (const auto &s : c.scalars)
        if (s.path == "arch" || s.path == "epoch")
            r.notes.push_back("file " + s.path + ": " + s.value);
    r.crossCheck.note = "a .pth has no second runtime; export to ONNX to cross-check with OpenCV dnn";
    std::ostringstream d;
    d << "{\"layout\":\"" << (a.magFace ? "magface" : "arcface_torch") << "\",\"blocks\":[" << cfg.blocks[0] << ","
      << cfg.blocks[1] << "," << cfg.blocks[2] << "," << cfg.blocks[3] << "],\"bn_eps\":" << cfg.bnEps
      << ",\"format\":\"" << c.format << "\"}";
    r.detailsJson = d.str();
    out.net = std::move(net);
    return out;
}

FaceModel openLoaded(const std::string &path, Loaded loaded, const OpenOptions &options)
{
    const LoadReport &r = loaded.report;
    return openLoadedNet(path, loaded.net, r, options, *r.preprocessing);
}

} // namespace

bool IResNetFamily::accepts(const std::string &path) const
{
    try {
        const ckpt::Checkpoint c = ckpt::readTorchSave(path);
        bool stem = false, blocks = false;
        for (const auto &[key, entry] : stateDictEntries(c, iresnetRules())) {
            if (key == "conv1.weight" && entry->shape == std::vector<int64_t>{64, 3, 3, 3})
                stem = true;
            if (key.rfind("layer1.0.bn1.", 0) == 0)
                blocks = true;
        }
        return stem && blocks;
    } catch (const std::exception &) {
        return false;
    }
}

LoadReport IResNetFamily::inspect(const std::string &path) const { return load(path, std::nullopt).report; }

LoadReport IResNetFamily::inspectAs(const std::string &path, int depth) const { return load(path, depth).report; }

FaceModel IResNetFamily::open(const std::string &path, const OpenOptions &options) const
{
    return openLoaded(path, load(path, std::nullopt), options);
}

FaceModel IResNetFamily::openAs(const std::string &path, int depth, const OpenOptions &options) const
{
    return openLoaded(path, load(path, depth), options);
}

CrossCheck IResNetFamily::exportTo(const FaceModel &model, const std::string &path) const
{
    return exportNativeModel(model, path, displayName());
}

const ModelFamily &iresnetFamily()
{
    static const IResNetFamily family;
    return family;
}

} // namespace facelab::nn

#include "nn/families/MobileFaceNetFamily.h"

#include "nn/FaceNet.h"
#include "nn/ModelError.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/families/MobileFaceNet.h"
#include "nn/families/NativeOnnxExport.h"
#include "nn/families/StateDictLoad.h"

#include <sstream>

namespace facelab::nn {

namespace {

StateDictRules mbfRules()
{
    StateDictRules r;
    r.stripPrefixes = {"module.", "backbone."};
    r.isHead = [](const std::string &key, const std::vector<int64_t> &shape) {
        if ((key == "weight" || key == "kernel") && shape.size() == 2)
            return true; // arcface_torch partial_fc and similar margin heads
        return key.rfind("head.", 0) == 0 || key.rfind("margin", 0) == 0;
    };
    return r;
}

bool startsWith(const std::string &s, const std::string &p) { return s.compare(0, p.size(), p) == 0; }

// Number of sub-blocks "<prefix><i>." seen.
int countUnder(const std::vector<std::pair<std::string, const ckpt::TensorEntry *>> &entries, const std::string &prefix)
{
    int n = 0;
    for (const auto &[key, e] : entries) {
        if (!startsWith(key, prefix))
            continue;
        const auto dot = key.find('.', prefix.size());
        if (dot == std::string::npos)
            continue;
        try {
            n = std::max(n, std::stoi(key.substr(prefix.size(), dot - prefix.size())) + 1);
        } catch (const std::exception &) {
        }
    }
    return n;
}

struct Loaded
{
    LoadReport report;
    std::shared_ptr<MobileFaceNetImpl> net;
};

Loaded load(const std::string &path)
{
    const ckpt::Checkpoint c = ckpt::readTorchSave(path);
    if (c.tensors.empty())
        throw ModelError(path, "the file holds no tensors");
    const auto entries = stateDictEntries(c, mbfRules());
    MobileFaceNetConfig cfg;
    std::vector<std::string> notes;
    bool layoutFound = false;
    for (const auto &[key, e] : entries) {
        if (key == "layers.0.layers.0.weight" && e->shape.size() == 4 && e->shape[0] % 64 == 0) {
            cfg.scale = int(e->shape[0] / 64);
            layoutFound = true;
        } else if (key == "features.layers.2.weight" && e->shape.size() == 2) {
            cfg.embeddingDim = int(e->shape[0]);
        }
    }
    if (layoutFound) {
        const bool convBlock1 = std::any_of(entries.begin(), entries.end(),
                                            [](const auto &kv) { return kv.first == "layers.1.layers.0.weight"; });
        const std::array<int, 4> b{convBlock1 ? 1 : countUnder(entries, "layers.1.layers."),
                                   countUnder(entries, "layers.3.layers."), countUnder(entries, "layers.5.layers."),
                                   countUnder(entries, "layers.7.layers.")};
        if (b[0] > 0 && b[1] > 0 && b[2] > 0 && b[3] > 0)
            cfg.blocks = b;
    } else {
        notes.push_back("no MobileFaceNet layout found in the file; compared with mbf");
    }

    auto net = std::make_shared<MobileFaceNetImpl>(cfg);
    Loaded out;
    out.report = loadStateDict(*net, c, mbfRules());
    LoadReport &r = out.report;
    r.family = "mbf";
    r.architecture = cfg.name();
    r.embeddingDim = cfg.embeddingDim;
    r.inputWidth = r.inputHeight = 112;
    r.preprocessing = Preprocessing::insightFaceArcFace();
    r.notes.insert(r.notes.begin(), "ArcFace-torch layout: RGB, (x-127.5)/127.5 (BN eps 1e-5)");
    for (auto &n : notes)
        r.notes.push_back(n);
    r.crossCheck.note = "a .pth has no second runtime; export to ONNX to cross-check with OpenCV dnn";
    std::ostringstream d;
    d << "{\"layout\":\"arcface_torch\",\"blocks\":[" << cfg.blocks[0] << "," << cfg.blocks[1] << "," << cfg.blocks[2]
      << "," << cfg.blocks[3] << "],\"scale\":" << cfg.scale << ",\"format\":\"" << c.format << "\"}";
    r.detailsJson = d.str();
    out.net = std::move(net);
    return out;
}


} // namespace

bool MobileFaceNetFamily::accepts(const std::string &path) const
{
    try {
        const ckpt::Checkpoint c = ckpt::readTorchSave(path);
        bool stem = false, sep = false;
        for (const auto &[key, e] : stateDictEntries(c, mbfRules())) {
            if (key == "layers.0.layers.0.weight" && e->shape.size() == 4 && e->shape[1] == 3)
                stem = true;
            if (key == "conv_sep.layers.0.weight")
                sep = true;
        }
        return stem && sep;
    } catch (const std::exception &) {
        return false;
    }
}

LoadReport MobileFaceNetFamily::inspect(const std::string &path) const { return load(path).report; }

FaceModel MobileFaceNetFamily::open(const std::string &path, const OpenOptions &options) const
{
    Loaded loaded = load(path);
    const LoadReport &r = loaded.report;
    return openLoadedNet(path, loaded.net, r, options, *r.preprocessing);
}

CrossCheck MobileFaceNetFamily::exportTo(const FaceModel &model, const std::string &path) const
{
    return exportNativeModel(model, path, displayName());
}

const ModelFamily &mobileFaceNetFamily()
{
    static const MobileFaceNetFamily family;
    return family;
}

} // namespace facelab::nn

#include "nn/families/LinearizerFamily.h"

#include "linearizer/LinearizerNet.h"
#include "nn/ModelError.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/families/StateDictLoad.h"

#include <sstream>

namespace facelab::nn {

namespace {

// The configuration scalar, without the quotes Python's repr puts around a string.
std::optional<std::string> configOf(const ckpt::Checkpoint &c)
{
    for (const auto &s : c.scalars) {
        if (s.path != linearizer::kConfigKey)
            continue;
        std::string v = s.value;
        if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front())
            v = v.substr(1, v.size() - 2);
        return v;
    }
    return std::nullopt;
}

struct Loaded
{
    LoadReport report;
    std::shared_ptr<linearizer::LinearizerNetImpl> net;
};

Loaded load(const std::string &path)
{
    const ckpt::Checkpoint c = ckpt::readTorchSave(path);
    const auto text = configOf(c);
    if (!text)
        throw ModelError(path, "not a Linearizer surrogate: no 'config' entry");
    linearizer::LinearizerConfig cfg;
    try {
        cfg = linearizer::configFromText(*text);
    } catch (const std::invalid_argument &e) {
        throw ModelError(path, e.what());
    }
    Loaded out;
    try {
        out.net = std::make_shared<linearizer::LinearizerNetImpl>(cfg);
    } catch (const std::invalid_argument &e) {
        throw ModelError(path, std::string("its configuration cannot be built: ") + e.what());
    }
    StateDictRules rules;
    rules.containers = {std::string(linearizer::kStateKey) + "."};
    auto model = out.net->model();
    LoadReport &r = out.report;
    r = loadStateDict(*model, c, rules);
    r.path = path;
    r.family = linearizer::kFamilyId;
    std::ostringstream arch;
    arch << "linearizer L" << cfg.latent << " D" << cfg.embeddingDim << " x" << cfg.blocks << " blocks"
         << (cfg.rank ? ", rank " + std::to_string(cfg.rank) : std::string(", full A"));
    r.architecture = arch.str();
    r.embeddingDim = cfg.embeddingDim;
    r.inputWidth = cfg.inputWidth;
    r.inputHeight = cfg.inputHeight;
    r.notes.push_back("configuration: " + *text);
    r.crossCheck.note = "a surrogate has no second runtime; its teacher is the version's parent";
    r.detailsJson = "{\"config\":" + ckpt::jsonQuoted(*text) + "}";
    return out;
}

class LinearizerFamily : public ModelFamily
{
public:
    std::string id() const override { return linearizer::kFamilyId; }
    std::string displayName() const override { return "Linearizer surrogate"; }
    bool accepts(const std::string &path) const override
    {
        try {
            return configOf(ckpt::readTorchSave(path)).has_value();
        } catch (const std::exception &) {
            return false;
        }
    }
    LoadReport inspect(const std::string &path) const override { return load(path).report; }
    FaceModel open(const std::string &path, const OpenOptions &options) const override
    {
        Loaded loaded = load(path);
        return openLoadedNet(path, loaded.net, loaded.report, options, Preprocessing{});
    }
    std::string fileSuffix() const override { return ".pth"; }
    std::vector<std::string> exportFormats() const override { return {".pth"}; }
};

} // namespace

const ModelFamily &linearizerFamily()
{
    static const LinearizerFamily family;
    return family;
}

} // namespace facelab::nn

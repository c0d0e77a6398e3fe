#include "nn/families/CheckpointInspection.h"

#include "nn/ModelError.h"
#include "nn/ModelFamily.h"
#include "nn/checkpoint/TorchCheckpoint.h"

#include <sstream>

namespace facelab::nn {
namespace {

std::string names(const std::vector<std::string> &v, size_t limit = 20)
{
    std::string s = "[";
    for (size_t i = 0; i < v.size() && i < limit; ++i)
        s += (i ? "," : "") + ckpt::jsonQuoted(v[i]);
    return s + "]";
}

std::string reportJson(const LoadReport &r)
{
    std::ostringstream s;
    s << "{\"family\":" << ckpt::jsonQuoted(r.family) << ",\"architecture\":" << ckpt::jsonQuoted(r.architecture)
      << ",\"loaded\":" << r.tensorsLoaded << ",\"expected\":" << r.tensorsExpected << ",\"missing\":" << r.missing.size()
      << ",\"unexpected\":" << r.unexpected.size() << ",\"mismatched\":" << r.mismatched.size()
      << ",\"dropped\":" << names(r.dropped) << ",\"missing_names\":" << names(r.missing)
      << ",\"unexpected_names\":" << names(r.unexpected) << ",\"mismatched_names\":" << names(r.mismatched)
      << ",\"why\":" << ckpt::jsonQuoted(r.countsText()) << "}";
    return s.str();
}

} // namespace

std::string inspectCheckpointJson(const std::string &path)
{
    const ckpt::Checkpoint c = ckpt::readTorchSave(path); // throws for non-checkpoints and refused files
    std::string tree = ckpt::checkpointTreeJson(c);
    // Every family that reads torch.save files gives its load report; a complete one is the match,
    // otherwise the one that loads the largest share is the closest.
    const LoadReport *match = nullptr;
    const LoadReport *closest = nullptr;
    std::vector<LoadReport> reports;
    reports.reserve(modelFamilies().size());
    for (const ModelFamily *f : modelFamilies()) {
        if (f->id() == "onnx" || f->id() == "torchscript")
            continue;
        try {
            reports.push_back(f->inspect(path));
        } catch (const ModelError &) {
        }
    }
    auto share = [](const LoadReport &r) {
        return r.tensorsExpected > 0 ? double(r.tensorsLoaded) / double(r.tensorsExpected) : 0.0;
    };
    for (const auto &r : reports) {
        if (r.complete() && r.tensorsExpected > 0 && !match)
            match = &r;
        if (!closest || share(r) > share(*closest))
            closest = &r;
    }
    // checkpointTreeJson is one object: add the family verdict before its closing brace.
    const auto end = tree.rfind('}');
    std::string extra = ",\"file\":" + ckpt::jsonQuoted(path) + ",\"family\":" + (match ? ckpt::jsonQuoted(match->family) : "null");
    if (match)
        extra += ",\"report\":" + reportJson(*match) + ",\"closest\":null";
    else
        extra += ",\"report\":null,\"closest\":" + (closest ? reportJson(*closest) : std::string("null"));
    tree.insert(end, extra);
    return tree;
}

} // namespace facelab::nn

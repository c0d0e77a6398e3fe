#include "nn/families/StateDictLoad.h"

#include "nn/ModelError.h"
#include "nn/ModuleState.h"

#include <cstring>
#include <map>
#include <set>
#include <sstream>

namespace facelab::nn {

namespace {

torch::ScalarType torchType(ckpt::DType t)
{
    switch (t) {
    case ckpt::DType::Float32: return torch::kFloat32;
    case ckpt::DType::Float64: return torch::kFloat64;
    case ckpt::DType::Float16: return torch::kFloat16;
    case ckpt::DType::BFloat16: return torch::kBFloat16;
    case ckpt::DType::Int64: return torch::kInt64;
    case ckpt::DType::Int32: return torch::kInt32;
    case ckpt::DType::Int16: return torch::kInt16;
    case ckpt::DType::Int8: return torch::kInt8;
    case ckpt::DType::UInt8: return torch::kUInt8;
    case ckpt::DType::Bool: return torch::kBool;
    }
    return torch::kFloat32;
}

std::string shapeText(const std::vector<int64_t> &shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

bool startsWith(const std::string &s, const std::string &prefix)
{
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

struct Selection
{
    std::string container;
    std::map<std::string, int> strippedCount; // prefix -> keys it was stripped from
    std::vector<std::pair<std::string, const ckpt::TensorEntry *>> entries;
};

Selection selectUnder(const ckpt::Checkpoint &c, const StateDictRules &rules, const std::string &container)
{
    Selection sel;
    sel.container = container;
    for (const auto &t : c.tensors) {
        if (!startsWith(t.path, container))
            continue;
        std::string key = t.path.substr(container.size());
        for (const auto &p : rules.stripPrefixes) {
            if (!p.empty() && startsWith(key, p)) {
                key = key.substr(p.size());
                ++sel.strippedCount[p];
                break;
            }
        }
        sel.entries.emplace_back(std::move(key), &t);
    }
    return sel;
}

// The first container under which any of `names` is found; without names (or when none is found
// anywhere) the first container holding any tensor.
Selection select(const ckpt::Checkpoint &c, const StateDictRules &rules, const std::set<std::string> *names)
{
    std::vector<std::string> containers = rules.containers;
    if (containers.empty())
        containers.push_back("");
    if (names) {
        for (const auto &container : containers) {
            Selection sel = selectUnder(c, rules, container);
            for (const auto &e : sel.entries)
                if (names->count(e.first))
                    return sel;
        }
    }
    for (const auto &container : containers) {
        Selection sel = selectUnder(c, rules, container);
        if (!sel.entries.empty())
            return sel;
    }
    return Selection{};
}

} // namespace

torch::Tensor toTorch(const ckpt::TensorEntry &entry)
{
    const auto type = torchType(entry.dtype);
    const int64_t elem = ckpt::dtypeSize(entry.dtype);
    if (!entry.storage)
        throw ModelError(entry.path, "tensor has no storage");
    const int64_t storageElems = int64_t(entry.storage->bytes.size()) / elem;
    if (entry.shape.size() != entry.stride.size())
        throw ModelError(entry.path, "tensor shape and strides differ in rank");
    int64_t numel = 1, last = entry.storageOffset;
    for (size_t i = 0; i < entry.shape.size(); ++i) {
        if (entry.shape[i] < 0 || entry.stride[i] < 0)
            throw ModelError(entry.path, "negative size or stride");
        numel *= entry.shape[i];
        if (entry.shape[i] > 0)
            last += (entry.shape[i] - 1) * entry.stride[i];
    }
    if (numel == 0)
        return torch::empty(entry.shape, torch::TensorOptions().dtype(type));
    if (entry.storageOffset < 0 || last >= storageElems)
        throw ModelError(entry.path, "tensor view reaches outside its storage");
    auto base = torch::from_blob(const_cast<uint8_t *>(entry.storage->bytes.data()), {storageElems},
                                 torch::TensorOptions().dtype(type));
    return base.as_strided(entry.shape, entry.stride, entry.storageOffset).clone(at::MemoryFormat::Contiguous);
}

std::vector<std::pair<std::string, const ckpt::TensorEntry *>> stateDictEntries(const ckpt::Checkpoint &checkpoint,
                                                                                const StateDictRules &rules)
{
    return select(checkpoint, rules, nullptr).entries;
}

LoadReport loadStateDict(torch::nn::Module &net, const ckpt::Checkpoint &checkpoint, const StateDictRules &rules)
{
    if (checkpoint.tensors.empty())
        throw ModelError(checkpoint.path, "the file holds no tensors");

    const auto state = moduleState(net);
    std::map<std::string, torch::Tensor> byName(state.begin(), state.end());
    std::set<std::string> names;
    for (const auto &s : state)
        names.insert(s.first);

    const Selection sel = select(checkpoint, rules, &names);

    LoadReport r;
    r.path = checkpoint.path;
    r.tensorsExpected = int64_t(state.size());
    std::set<std::string> loaded;
    std::map<std::string, std::string> mismatched; // name -> message, until a later entry of the right shape loads
    torch::NoGradGuard noGrad;
    for (const auto &[key, entry] : sel.entries) {
        auto it = byName.find(key);
        const bool sameShape = it != byName.end() && it->second.sizes().vec() == entry->shape;
        if (sameShape && !loaded.count(key)) {
            try {
                auto value = toTorch(*entry);
                it->second.copy_(value.to(it->second.scalar_type()));
            } catch (const std::exception &e) {
                throw ModelError(checkpoint.path, "tensor '" + entry->path + "': " + e.what());
            }
            loaded.insert(key);
            mismatched.erase(key);
            continue;
        }
        if (rules.isHead && rules.isHead(key, entry->shape)) {
            r.dropped.push_back(key + " " + shapeText(entry->shape));
            continue;
        }
        if (loaded.count(key))
            r.unexpected.push_back(entry->path + " (a second '" + key + "' after prefix stripping)");
        else if (it != byName.end())
            mismatched.emplace(key, key + ": file " + shapeText(entry->shape) + " vs net " + shapeText(it->second.sizes().vec()));
        else
            r.unexpected.push_back(key);
    }
    for (const auto &s : state) {
        auto m = mismatched.find(s.first);
        if (m != mismatched.end())
            r.mismatched.push_back(m->second);
    }
    for (const auto &s : state)
        if (!loaded.count(s.first) && !mismatched.count(s.first))
            r.missing.push_back(s.first);
    r.tensorsLoaded = int64_t(loaded.size());
    for (const auto &p : net.parameters())
        if (p.requires_grad())
            r.parameterCount += p.numel();

    std::ostringstream note;
    note << "state dict under " << (sel.container.empty() ? std::string("the top level") : "'" + sel.container.substr(0, sel.container.size() - 1) + "'");
    for (const auto &[prefix, n] : sel.strippedCount)
        note << "; prefix '" << prefix << "' stripped from " << n << " keys";
    r.notes.push_back(note.str());
    return r;
}

namespace {
std::string firstNames(const std::vector<std::string> &v, size_t n = 3)
{
    std::string s;
    for (size_t i = 0; i < v.size() && i < n; ++i)
        s += (i ? ", " : "") + v[i];
    if (v.size() > n)
        s += ", ...";
    return s;
}
} // namespace

void refuseIncompleteLoad(const std::string &path, const LoadReport &r, bool allowPartial)
{
    if (allowPartial || (r.complete() && r.unexpected.empty()))
        return;
    std::string msg = "does not load completely as " + r.architecture + ": " + r.countsText();
    if (!r.missing.empty())
        msg += "; missing " + firstNames(r.missing);
    if (!r.mismatched.empty())
        msg += "; mismatched " + firstNames(r.mismatched);
    if (!r.unexpected.empty())
        msg += "; unexpected " + firstNames(r.unexpected);
    for (const auto &n : r.notes)
        if (n.rfind("the file holds", 0) == 0)
            msg += "; " + n;
    throw ModelError(path, msg);
}

FaceModel openLoadedNet(const std::string &path, std::shared_ptr<FaceNetImpl> net, const LoadReport &report,
                        const OpenOptions &options, const Preprocessing &familyConvention)
{
    refuseIncompleteLoad(path, report, options.allowPartial);
    net->eval();
    return FaceModel(std::move(net), options.preprocessing.value_or(familyConvention), path);
}

} // namespace facelab::nn

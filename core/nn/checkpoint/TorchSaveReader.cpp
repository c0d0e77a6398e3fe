// readTorchSave: format detection, the zip and legacy layouts, persistent ids -> storages, and the
// walk of the unpickled tree into a Checkpoint.
#include "nn/checkpoint/PickleReader.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/checkpoint/ZipArchive.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace facelab::nn::ckpt {

using namespace detail;

namespace {

constexpr int kMaxDepth = 1000;
constexpr size_t kMaxVisits = 4u << 20;          // nodes visited by the walk (shared subtrees count each time)
constexpr size_t kMaxOutputBytes = 64u << 20;    // key paths and scalar texts together
constexpr size_t kMaxScalarText = 1024;          // a scalar longer than this is cut ("...")

// The unpickled tree -> tensors and scalars.
class Walker
{
public:
    Walker(Checkpoint &c, const std::string &label) : c(c), label(label) {}

    void walk(const PyRef &v, const std::string &path, int depth)
    {
        if (!v)
            return;
        if (depth > kMaxDepth)
            fail("nested deeper than " + std::to_string(kMaxDepth) + " levels (or self-referencing)");
        if (++visits > kMaxVisits)
            fail("more than " + std::to_string(kMaxVisits) + " values reachable (shared sub-trees repeated?)");
        switch (v->kind) {
        case PyKind::Dict:
            for (const auto &[k, val] : v->dict)
                walk(val, join(path, keyText(k)), depth + 1);
            break;
        case PyKind::List:
        case PyKind::Tuple:
        case PyKind::Set:
            for (size_t i = 0; i < v->items.size(); ++i)
                walk(v->items[i], join(path, std::to_string(i)), depth + 1);
            break;
        case PyKind::Tensor: {
            TensorEntry t;
            t.path = path;
            t.dtype = v->tensor->dtype;
            t.shape = v->tensor->shape;
            t.stride = v->tensor->stride;
            t.storageOffset = v->tensor->offset;
            t.storage = v->tensor->storage;
            t.isParameter = v->tensor->isParameter;
            spend(path.size() + 64 + 16 * t.shape.size());
            c.tensors.push_back(std::move(t));
            break;
        }
        case PyKind::None:
        case PyKind::Bool:
        case PyKind::Int:
        case PyKind::BigInt:
        case PyKind::Float:
        case PyKind::Str:
        case PyKind::Bytes: {
            std::string text = pyScalarText(*v);
            if (text.size() > kMaxScalarText) {
                text.resize(kMaxScalarText);
                text += "...";
            }
            spend(path.size() + text.size() + 32);
            c.scalars.push_back({path, std::move(text)});
            break;
        }
        case PyKind::Global:
        case PyKind::Storage: break; // a bare class reference or storage: nothing to show
        }
    }

private:
    Checkpoint &c;
    const std::string &label;
    size_t visits = 0;
    size_t spent = 0;

    [[noreturn]] void fail(const std::string &problem) const { throw ModelError(label, problem); }
    void spend(size_t n)
    {
        spent += n;
        if (spent > kMaxOutputBytes)
            fail("the checkpoint's structure is too large to list (over 64 MiB of key paths)");
    }
    static std::string join(const std::string &path, const std::string &key)
    {
        return path.empty() ? key : path + "." + key;
    }
    std::string keyText(const PyRef &k) const
    {
        if (!k)
            return "?";
        switch (k->kind) {
        case PyKind::Str: return k->s.size() > 4096 ? k->s.substr(0, 4096) + "..." : k->s;
        case PyKind::Tuple: {
            std::string s = "(";
            for (size_t i = 0; i < k->items.size() && i < 16; ++i)
                s += (i ? ", " : "") + (k->items[i] ? pyScalarText(*k->items[i]) : std::string());
            return s + ")";
        }
        default: {
            auto s = pyScalarText(*k);
            return s.size() > 4096 ? s.substr(0, 4096) + "..." : s;
        }
        }
    }
};

// The checks that need the storages' bytes, after all of them are in.
void checkViews(const Checkpoint &c, const std::string &label)
{
    for (const auto &t : c.tensors) {
        const int64_t n = t.numel();
        if (n <= 0)
            continue;
        const int64_t elems = static_cast<int64_t>(t.storage->bytes.size() / static_cast<size_t>(dtypeSize(t.dtype)));
        int64_t last = t.storageOffset;
        bool overflow = false;
        for (size_t d = 0; d < t.shape.size(); ++d) {
            int64_t reach;
            overflow = overflow || __builtin_mul_overflow(t.shape[d] - 1, t.stride[d], &reach) ||
                       __builtin_add_overflow(last, reach, &last);
        }
        if (overflow || last >= elems)
            throw ModelError(label, "tensor '" + t.path + "' reaches outside its storage (truncated or damaged file)");
    }
}

std::string pidString(const PyRef &v, const std::string &label, const char *what)
{
    if (v && (v->kind == PyKind::Str || v->kind == PyKind::Bytes))
        return v->s;
    throw ModelError(label, std::string("pickle: persistent id with a bad ") + what);
}

int64_t pidInt(const PyRef &v, const std::string &label, const char *what)
{
    if (v && v->kind == PyKind::Int && v->i >= 0)
        return v->i;
    throw ModelError(label, std::string("pickle: persistent id with a bad ") + what);
}

DType pidDType(const PyRef &v, const std::string &label)
{
    if (v && v->kind == PyKind::Global && v->global == GlobalId::StorageType)
        return v->dtype;
    throw ModelError(label, "pickle: persistent id without a storage type");
}

PyRef storageValue(const std::shared_ptr<Storage> &s)
{
    auto v = std::make_shared<PyValue>();
    v->kind = PyKind::Storage;
    v->storage = s;
    return v;
}

int64_t checkedBytes(int64_t numel, DType dt, const std::string &label)
{
    int64_t bytes;
    if (numel < 0 || __builtin_mul_overflow(numel, static_cast<int64_t>(dtypeSize(dt)), &bytes))
        throw ModelError(label, "storage with an absurd size");
    return bytes;
}

Checkpoint readZip(std::string_view data, const std::string &label)
{
    ZipArchive zip(data, label);
    const ZipArchive::Entry *pkl = nullptr;
    std::string prefix;
    bool torchScript = false;
    for (const auto &e : zip.entries()) {
        const size_t slash = e.name.find('/');
        if (slash == std::string::npos)
            continue;
        const std::string rest = e.name.substr(slash + 1);
        if (rest == "data.pkl") {
            if (pkl)
                throw ModelError(label, "zip archive holds several data.pkl");
            pkl = &e;
            prefix = e.name.substr(0, slash + 1);
        }
        if (rest.rfind("code/", 0) == 0 || rest == "constants.pkl")
            torchScript = true;
    }
    if (!pkl)
        throw ModelError(label, "zip archive without <folder>/data.pkl: not a torch.save file");
    if (torchScript)
        throw ModelError(label, "a TorchScript archive (torch.jit.save), not a torch.save checkpoint; "
                                "save model.state_dict() with torch.save instead");
    if (const auto *bo = zip.find(prefix + "byteorder")) {
        if (zip.read(*bo) != "little")
            throw ModelError(label, "big-endian checkpoint: not supported");
    }

    std::map<std::string, std::shared_ptr<Storage>> storages;
    auto persistentLoad = [&](const PyRef &pid) -> PyRef {
        if (!pid || pid->kind != PyKind::Tuple || pid->items.size() != 5)
            throw ModelError(label, "pickle: unexpected persistent id (not a zip-format storage)");
        if (pidString(pid->items[0], label, "type") != "storage")
            throw ModelError(label, "pickle: persistent id of an unknown type");
        const DType dt = pidDType(pid->items[1], label);
        const std::string key = pidString(pid->items[2], label, "key");
        const int64_t numel = pidInt(pid->items[4], label, "element count");
        const int64_t bytes = checkedBytes(numel, dt, label);
        auto &slot = storages[key + "\x1f" + dtypeName(dt)];
        if (!slot) {
            const auto *e = zip.find(prefix + "data/" + key);
            if (!e)
                throw ModelError(label, "storage '" + key + "' is missing from the archive");
            const auto raw = zip.read(*e);
            if (static_cast<uint64_t>(bytes) > raw.size())
                throw ModelError(label, "storage '" + key + "' is truncated (" + std::to_string(raw.size()) + " of " +
                                            std::to_string(bytes) + " bytes)");
            auto s = std::make_shared<Storage>();
            s->dtype = dt;
            s->bytes.assign(raw.begin(), raw.begin() + bytes);
            slot = s;
        }
        return storageValue(slot);
    };

    Checkpoint c;
    c.format = "zip";
    Unpickler up(zip.read(*pkl), label, persistentLoad);
    const PyRef root = up.load();
    Walker(c, label).walk(root, "", 0);
    checkViews(c, label);
    return c;
}

Checkpoint readLegacy(std::string_view data, const std::string &label)
{
    size_t pos = 0;
    auto next = [&](const PersistentLoad &pl, std::unique_ptr<Unpickler> &keep) {
        keep = std::make_unique<Unpickler>(data.substr(pos), label, pl, pos);
        PyRef v = keep->load();
        pos += keep->consumed();
        return v;
    };
    std::unique_ptr<Unpickler> magicU, protoU, sysU, mainU, keysU;

    // 1. The magic number 0x1950a86a20f9469cfc6c.
    const PyRef magic = next(nullptr, magicU);
    static const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
    if (magic->kind != PyKind::BigInt || magic->s != kMagic)
        throw ModelError(label, "a pickle file, but not one written by torch.save (no magic number)");
    // 2. The protocol version.
    const PyRef proto = next(nullptr, protoU);
    if (proto->kind != PyKind::Int || proto->i != 1001)
        throw ModelError(label, "legacy torch.save file with protocol version " +
                                    (proto->kind == PyKind::Int ? std::to_string(proto->i) : std::string("?")) + " (1001 expected)");
    // 3. sys_info: refuse big-endian writers.
    const PyRef sys = next(nullptr, sysU);
    if (sys->kind == PyKind::Dict) {
        for (const auto &[k, v] : sys->dict)
            if (k->kind == PyKind::Str && k->s == "little_endian" && v->kind == PyKind::Bool && !v->b)
                throw ModelError(label, "big-endian checkpoint: not supported");
    }

    // 4. The main pickle; storages are created empty and filled from the stream after it.
    struct Pending
    {
        std::shared_ptr<Storage> storage;
        DType dtype;
    };
    struct View
    {
        std::shared_ptr<Storage> storage;
        std::string root;
        int64_t offset, numel;
    };
    std::map<std::string, Pending> roots;
    std::map<std::string, View> views;
    auto persistentLoad = [&](const PyRef &pid) -> PyRef {
        if (!pid || pid->kind != PyKind::Tuple || pid->items.size() != 6)
            throw ModelError(label, "pickle: unexpected persistent id (not a legacy storage)");
        const std::string type = pidString(pid->items[0], label, "type");
        if (type != "storage")
            throw ModelError(label, "pickle: persistent id of type '" + type.substr(0, 64) +
                                        "' (a whole nn.Module saved with its source?); save model.state_dict() instead");
        const DType dt = pidDType(pid->items[1], label);
        const std::string key = pidString(pid->items[2], label, "key");
        auto &root = roots[key];
        if (!root.storage) {
            root.storage = std::make_shared<Storage>();
            root.storage->dtype = dt;
            root.dtype = dt;
        } else if (root.dtype != dt) {
            throw ModelError(label, "storage '" + key + "' is used with two element types");
        }
        const PyRef &vm = pid->items[5];
        if (!vm || vm->kind == PyKind::None)
            return storageValue(root.storage);
        if (vm->kind != PyKind::Tuple || vm->items.size() != 3)
            throw ModelError(label, "pickle: bad storage view metadata");
        const std::string viewKey = pidString(vm->items[0], label, "view key");
        auto &view = views[viewKey];
        if (!view.storage) {
            view.storage = std::make_shared<Storage>();
            view.storage->dtype = dt;
            view.root = key;
            view.offset = pidInt(vm->items[1], label, "view offset");
            view.numel = pidInt(vm->items[2], label, "view size");
        }
        return storageValue(view.storage);
    };
    const PyRef root = next(persistentLoad, mainU);

    // 5. The storage keys, in the order their bytes follow.
    const PyRef keys = next(nullptr, keysU);
    if (keys->kind != PyKind::List)
        throw ModelError(label, "legacy file without its list of storage keys");
    for (const auto &k : keys->items) {
        if (!k || k->kind != PyKind::Str)
            throw ModelError(label, "legacy file with a bad storage key");
        const auto it = roots.find(k->s);
        if (it == roots.end())
            throw ModelError(label, "legacy file lists storage '" + k->s.substr(0, 64) + "' that nothing uses");
        if (data.size() - pos < 8)
            throw ModelError(label, "truncated: storage '" + k->s + "' has no size");
        uint64_t numel = 0;
        for (int b = 7; b >= 0; --b)
            numel = (numel << 8) | static_cast<uint8_t>(data[pos + static_cast<size_t>(b)]);
        pos += 8;
        const uint64_t esize = static_cast<uint64_t>(dtypeSize(it->second.dtype));
        if (numel > (data.size() - pos) / esize)
            throw ModelError(label, "truncated: storage '" + k->s + "' needs " + std::to_string(numel) + " elements, " +
                                        std::to_string((data.size() - pos) / esize) + " left in the file");
        auto &bytes = it->second.storage->bytes;
        if (!bytes.empty())
            throw ModelError(label, "legacy file lists storage '" + k->s + "' twice");
        bytes.assign(data.begin() + static_cast<ptrdiff_t>(pos), data.begin() + static_cast<ptrdiff_t>(pos + numel * esize));
        pos += static_cast<size_t>(numel * esize);
    }
    for (auto &[key, view] : views) {
        const auto it = roots.find(view.root);
        const auto &src = it->second.storage->bytes;
        const uint64_t esize = static_cast<uint64_t>(dtypeSize(view.storage->dtype));
        const uint64_t elems = src.size() / esize;
        if (static_cast<uint64_t>(view.offset) > elems || static_cast<uint64_t>(view.numel) > elems - static_cast<uint64_t>(view.offset))
            throw ModelError(label, "storage view '" + key + "' reaches outside storage '" + view.root + "'");
        view.storage->bytes.assign(src.begin() + static_cast<ptrdiff_t>(view.offset * esize),
                                   src.begin() + static_cast<ptrdiff_t>((view.offset + view.numel) * esize));
    }

    Checkpoint c;
    c.format = "legacy";
    Walker(c, label).walk(root, "", 0);
    checkViews(c, label);
    return c;
}

Checkpoint readView(std::string_view data, const std::string &label)
{
    if (data.empty())
        throw ModelError(label, "empty file");
    Checkpoint c;
    if (ZipArchive::looksLikeZip(data))
        c = readZip(data, label);
    else if (data.size() >= 2 && static_cast<uint8_t>(data[0]) == 0x80 && static_cast<uint8_t>(data[1]) >= 2 &&
             static_cast<uint8_t>(data[1]) <= 5)
        c = readLegacy(data, label);
    else if (data.size() >= 262 && data.substr(257, 5) == "ustar")
        throw ModelError(label, "the pre-1.0 tar checkpoint format is not supported; re-save it with a current PyTorch");
    else
        throw ModelError(label, "not a torch.save file (neither a zip archive nor a pickle stream)");
    c.path = label;
    return c;
}

} // namespace

Checkpoint readTorchSaveBytes(const std::string &bytes, const std::string &label)
{
    return readView(bytes, label);
}

Checkpoint readTorchSave(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw ModelError(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw ModelError(path, "not a regular file");
    }
    if (st.st_size == 0) {
        ::close(fd);
        throw ModelError(path, "empty file");
    }
    // Mapped, not read: a 500 MB checkpoint is only copied once, into its storages.
    void *map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED)
        throw ModelError(path, std::string("cannot map: ") + std::strerror(errno));
    struct Unmap
    {
        void *p;
        size_t n;
        ~Unmap() { ::munmap(p, n); }
    } unmap{map, static_cast<size_t>(st.st_size)};
    const std::string_view data(static_cast<const char *>(map), static_cast<size_t>(st.st_size));
    return readView(data, path);
}

} // namespace facelab::nn::ckpt

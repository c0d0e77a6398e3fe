// writeTorchSave: a state_dict as torch.save's zip format (pickle protocol 2), written atomically.
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/checkpoint/ZipWriter.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace facelab::nn::ckpt {

using namespace detail;

namespace {

// The few protocol-2 opcodes this writer needs.
class PickleWriter
{
public:
    PickleWriter() { op(0x80), byte(2); }

    void mark() { op('('); }
    void tuple() { op('t'); }
    void emptyTuple() { op(')'); }
    void emptyDict() { op('}'); }
    void setItems() { op('u'); }
    void reduce() { op('R'); }
    void binPersId() { op('Q'); }
    void boolean(bool b) { op(b ? 0x88 : 0x89); }
    void stop() { op('.'); }
    void global(const std::string &module, const std::string &name) { op('c'), out += module + "\n" + name + "\n"; }
    void str(const std::string &s)
    {
        op('X');
        le(static_cast<uint64_t>(s.size()), 4);
        out += s;
    }
    void integer(int64_t v)
    {
        if (v >= 0 && v < 256)
            op('K'), le(static_cast<uint64_t>(v), 1);
        else if (v >= 0 && v < 65536)
            op('M'), le(static_cast<uint64_t>(v), 2);
        else if (v >= INT32_MIN && v <= INT32_MAX)
            op('J'), le(static_cast<uint64_t>(static_cast<uint32_t>(static_cast<int32_t>(v))), 4);
        else
            op(0x8a), byte(8), le(static_cast<uint64_t>(v), 8); // LONG1, 8 bytes two's complement
    }
    void intTuple(const std::vector<int64_t> &v)
    {
        mark();
        for (int64_t x : v)
            integer(x);
        tuple();
    }
    std::string out;

private:
    void op(uint8_t c) { out.push_back(static_cast<char>(c)); }
    void byte(uint8_t c) { out.push_back(static_cast<char>(c)); }
    void le(uint64_t v, int n)
    {
        for (int k = 0; k < n; ++k)
            out.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    }
};

const char *storageType(DType t)
{
    switch (t) {
    case DType::Float32: return "FloatStorage";
    case DType::Float64: return "DoubleStorage";
    case DType::Float16: return "HalfStorage";
    case DType::BFloat16: return "BFloat16Storage";
    case DType::Int64: return "LongStorage";
    case DType::Int32: return "IntStorage";
    case DType::Int16: return "ShortStorage";
    case DType::Int8: return "CharStorage";
    case DType::UInt8: return "ByteStorage";
    case DType::Bool: return "BoolStorage";
    }
    return "FloatStorage";
}

std::string archiveName(const std::string &path)
{
    std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    if (const size_t dot = base.find_last_of('.'); dot != std::string::npos && dot > 0)
        base.resize(dot);
    std::string name;
    for (char c : base)
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')
            name.push_back(c);
    return name.empty() ? "archive" : name.substr(0, 100);
}

void writeAll(int fd, const std::string &data, const std::string &path)
{
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw ModelError(path, std::string("cannot write: ") + std::strerror(errno));
        done += static_cast<size_t>(n);
    }
}

} // namespace

void writeTorchSave(const std::string &path, const std::vector<NamedTensor> &stateDict, const std::string &topKey,
                    const std::map<std::string, std::string> &stringScalars)
{
    std::set<std::string> names;
    for (const auto &t : stateDict) {
        if (!names.insert(t.name).second)
            throw ModelError(path, "state_dict names '" + t.name + "' twice");
        int64_t n = 1;
        for (int64_t s : t.shape)
            if (s < 0 || __builtin_mul_overflow(n, s, &n))
                throw ModelError(path, "tensor '" + t.name + "' has an invalid shape");
        int64_t bytes;
        if (__builtin_mul_overflow(n, static_cast<int64_t>(dtypeSize(t.dtype)), &bytes) ||
            static_cast<uint64_t>(bytes) != t.bytes.size())
            throw ModelError(path, "tensor '" + t.name + "' holds " + std::to_string(t.bytes.size()) + " bytes, its shape needs " +
                                       std::to_string(n) + " x " + std::to_string(dtypeSize(t.dtype)));
    }
    if (topKey.empty() && !stringScalars.empty())
        throw ModelError(path, "scalars need a top-level key for the state_dict");
    if (!topKey.empty() && stringScalars.count(topKey))
        throw ModelError(path, "scalar '" + topKey + "' clashes with the state_dict's key");

    // data.pkl
    PickleWriter p;
    if (!topKey.empty()) {
        p.emptyDict();
        p.mark();
        p.str(topKey);
    }
    p.global("collections", "OrderedDict");
    p.emptyTuple();
    p.reduce();
    if (!stateDict.empty()) {
        p.mark();
        for (size_t i = 0; i < stateDict.size(); ++i) {
            const auto &t = stateDict[i];
            std::vector<int64_t> stride(t.shape.size());
            int64_t s = 1;
            for (size_t d = t.shape.size(); d-- > 0;) {
                stride[d] = s;
                s *= std::max<int64_t>(t.shape[d], 1);
            }
            p.str(t.name);
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.mark();
            // storage: persistent id ('storage', torch.XStorage, key, 'cpu', numel)
            p.mark();
            p.str("storage");
            p.global("torch", storageType(t.dtype));
            p.str(std::to_string(i));
            p.str("cpu");
            p.integer(static_cast<int64_t>(t.bytes.size() / static_cast<size_t>(dtypeSize(t.dtype))));
            p.tuple();
            p.binPersId();
            p.integer(0);            // storage offset
            p.intTuple(t.shape);
            p.intTuple(stride);
            p.boolean(false);        // requires_grad
            p.global("collections", "OrderedDict"); // backward hooks
            p.emptyTuple();
            p.reduce();
            p.tuple();
            p.reduce();
        }
        p.setItems();
    }
    if (!topKey.empty()) {
        for (const auto &[k, v] : stringScalars) {
            p.str(k);
            p.str(v);
        }
        p.setItems();
    }
    p.stop();

    const std::string name = archiveName(path);
    std::string archive;
    try {
        ZipWriter zip;
        zip.add(name + "/data.pkl", p.out);
        for (size_t i = 0; i < stateDict.size(); ++i) {
            const auto &b = stateDict[i].bytes;
            zip.add(name + "/data/" + std::to_string(i),
                    std::string_view(reinterpret_cast<const char *>(b.data()), b.size()));
        }
        zip.add(name + "/version", "3\n");
        archive = zip.finish();
    } catch (const std::length_error &e) {
        throw ModelError(path, e.what());
    }

    // Atomic: a temp file in the same folder, fsync, rename, fsync the folder.
    const size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    std::string tmp = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + "." +
                      path.substr(slash == std::string::npos ? 0 : slash + 1) + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        throw ModelError(path, std::string("cannot create a temporary file: ") + std::strerror(errno));
    try {
        writeAll(fd, archive, path);
        if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0)
            throw ModelError(path, std::string("cannot sync: ") + std::strerror(errno));
        if (::close(fd) != 0)
            throw ModelError(path, std::string("cannot close: ") + std::strerror(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw ModelError(path, std::string("cannot rename the temporary file into place: ") + std::strerror(err));
    }
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

} // namespace facelab::nn::ckpt

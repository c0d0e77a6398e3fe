// DType names and sizes, element conversion (fp16/bf16 included) and strided reads of a TensorEntry.
#include "nn/checkpoint/TorchCheckpoint.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace facelab::nn::ckpt {

const char *dtypeName(DType t)
{
    switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Int64: return "int64";
    case DType::Int32: return "int32";
    case DType::Int16: return "int16";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
    case DType::Bool: return "bool";
    }
    return "unknown";
}

int dtypeSize(DType t)
{
    switch (t) {
    case DType::Float64:
    case DType::Int64: return 8;
    case DType::Float32:
    case DType::Int32: return 4;
    case DType::Float16:
    case DType::BFloat16:
    case DType::Int16: return 2;
    case DType::Int8:
    case DType::UInt8:
    case DType::Bool: return 1;
    }
    return 1;
}

namespace {

double halfToDouble(uint16_t h)
{
    const int sign = (h >> 15) & 1;
    const int exp = (h >> 10) & 0x1f;
    const int mant = h & 0x3ff;
    double v;
    if (exp == 0)
        v = std::ldexp(static_cast<double>(mant), -24); // subnormal (or zero)
    else if (exp == 31)
        v = mant ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
    else
        v = std::ldexp(static_cast<double>(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

float halfToFloat(uint16_t h)
{
    // Exact: every half is representable as a float. NaN payloads are kept like torch does.
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1f;
    const uint32_t mant = h & 0x3ff;
    if (exp == 31) {
        const uint32_t bits = sign | 0x7f800000u | (mant << 13);
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }
    const float v = static_cast<float>(halfToDouble(h));
    return v;
}

float bf16ToFloat(uint16_t b)
{
    const uint32_t bits = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

template <typename T>
T load(const uint8_t *p)
{
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

template <typename Out>
Out element(DType t, const uint8_t *p)
{
    switch (t) {
    case DType::Float32: return static_cast<Out>(load<float>(p));
    case DType::Float64: return static_cast<Out>(load<double>(p));
    case DType::Float16: return static_cast<Out>(halfToFloat(load<uint16_t>(p)));
    case DType::BFloat16: return static_cast<Out>(bf16ToFloat(load<uint16_t>(p)));
    case DType::Int64: return static_cast<Out>(load<int64_t>(p));
    case DType::Int32: return static_cast<Out>(load<int32_t>(p));
    case DType::Int16: return static_cast<Out>(load<int16_t>(p));
    case DType::Int8: return static_cast<Out>(load<int8_t>(p));
    case DType::UInt8: return static_cast<Out>(load<uint8_t>(p));
    case DType::Bool: return static_cast<Out>(load<uint8_t>(p) != 0 ? 1 : 0);
    }
    return Out(0);
}

[[noreturn]] void fail(const TensorEntry &t, const std::string &problem)
{
    throw CheckpointError("tensor '" + t.path + "'", problem);
}

template <typename Out>
std::vector<Out> gather(const TensorEntry &t)
{
    if (t.shape.size() != t.stride.size())
        fail(t, "shape and stride differ in length");
    const int64_t n = t.numel();
    if (n < 0)
        fail(t, "invalid shape");
    if (n == 0)
        return {};
    if (!t.storage)
        fail(t, "has no storage");
    const int esize = dtypeSize(t.dtype);
    if (t.storage->dtype != t.dtype && dtypeSize(t.storage->dtype) != esize)
        fail(t, "dtype differs from its storage's");
    const int64_t storageElems = static_cast<int64_t>(t.storage->bytes.size() / static_cast<size_t>(esize));
    // The furthest element the view reaches, overflow-checked.
    if (t.storageOffset < 0)
        fail(t, "negative storage offset");
    int64_t last = t.storageOffset;
    for (size_t d = 0; d < t.shape.size(); ++d) {
        if (t.stride[d] < 0)
            fail(t, "negative stride");
        int64_t reach;
        if (__builtin_mul_overflow(t.shape[d] - 1, t.stride[d], &reach) || __builtin_add_overflow(last, reach, &last))
            fail(t, "view reaches outside its storage (overflow)");
    }
    if (last >= storageElems)
        fail(t, "view reaches outside its storage (element " + std::to_string(last) + " of " +
                    std::to_string(storageElems) + ")");
    std::vector<Out> out;
    out.reserve(static_cast<size_t>(n));
    const uint8_t *base = t.storage->bytes.data();
    const size_t dims = t.shape.size();
    std::vector<int64_t> idx(dims, 0);
    int64_t off = t.storageOffset;
    for (int64_t i = 0; i < n; ++i) {
        out.push_back(element<Out>(t.dtype, base + static_cast<size_t>(off) * static_cast<size_t>(esize)));
        // Odometer increment over the dimensions, last fastest.
        for (size_t d = dims; d-- > 0;) {
            if (++idx[d] < t.shape[d]) {
                off += t.stride[d];
                break;
            }
            off -= (t.shape[d] - 1) * t.stride[d];
            idx[d] = 0;
        }
    }
    return out;
}

} // namespace

int64_t TensorEntry::numel() const
{
    int64_t n = 1;
    for (int64_t s : shape) {
        if (s < 0 || __builtin_mul_overflow(n, s, &n))
            return -1;
    }
    return n;
}

std::vector<float> TensorEntry::toFloat() const { return gather<float>(*this); }
std::vector<double> TensorEntry::toDouble() const
{
    if (dtype == DType::Float16 || dtype == DType::BFloat16) {
        // Via float: exact for both.
        const auto f = gather<float>(*this);
        return std::vector<double>(f.begin(), f.end());
    }
    return gather<double>(*this);
}

const TensorEntry *Checkpoint::find(const std::string &p) const
{
    for (const auto &t : tensors)
        if (t.path == p)
            return &t;
    return nullptr;
}

} // namespace facelab::nn::ckpt

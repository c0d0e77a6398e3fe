#include "nn/OnnxTensor.h"

#include <cstring>
#include <stdexcept>

namespace facelab::nn {

using onnx::TensorProto;

torch::ScalarType scalarTypeFromOnnx(int32_t t)
{
    switch (t) {
    case TensorProto::FLOAT: return torch::kFloat;
    case TensorProto::DOUBLE: return torch::kDouble;
    case TensorProto::FLOAT16: return torch::kHalf;
    case TensorProto::BFLOAT16: return torch::kBFloat16;
    case TensorProto::INT8: return torch::kInt8;
    case TensorProto::UINT8: return torch::kUInt8;
    case TensorProto::INT16: return torch::kInt16;
    case TensorProto::INT32: return torch::kInt32;
    case TensorProto::INT64: return torch::kInt64;
    case TensorProto::BOOL: return torch::kBool;
    default:
        throw std::invalid_argument("element type " + std::to_string(t) + " is not supported");
    }
}

int32_t onnxTypeFromScalar(torch::ScalarType t)
{
    switch (t) {
    case torch::kFloat: return TensorProto::FLOAT;
    case torch::kDouble: return TensorProto::DOUBLE;
    case torch::kHalf: return TensorProto::FLOAT16;
    case torch::kBFloat16: return TensorProto::BFLOAT16;
    case torch::kInt8: return TensorProto::INT8;
    case torch::kUInt8: return TensorProto::UINT8;
    case torch::kInt16: return TensorProto::INT16;
    case torch::kInt32: return TensorProto::INT32;
    case torch::kInt64: return TensorProto::INT64;
    case torch::kBool: return TensorProto::BOOL;
    default:
        throw std::invalid_argument(std::string("torch type ") + c10::toString(t) + " has no ONNX equivalent");
    }
}

torch::Tensor tensorFromProto(const TensorProto &p)
{
    if (p.data_location() == TensorProto::EXTERNAL)
        throw std::invalid_argument("tensor '" + p.name() + "' keeps its data in an external file");
    const auto type = scalarTypeFromOnnx(p.data_type());
    std::vector<int64_t> dims(p.dims().begin(), p.dims().end());
    int64_t count = 1;
    for (auto d : dims) {
        if (d < 0)
            throw std::invalid_argument("tensor '" + p.name() + "' has a negative dimension");
        count *= d;
    }
    auto out = torch::empty(dims, torch::TensorOptions().dtype(type));
    const size_t bytes = size_t(count) * out.element_size();
    auto mismatch = [&](size_t have) {
        return std::invalid_argument("tensor '" + p.name() + "' holds " + std::to_string(have) +
                                     " values, its dims say " + std::to_string(count));
    };
    if (p.has_raw_data()) {
        if (p.raw_data().size() != bytes)
            throw mismatch(p.raw_data().size() / std::max<size_t>(1, out.element_size()));
        if (bytes) // ONNX raw_data is little-endian, as is every platform LibTorch runs on here.
            std::memcpy(out.data_ptr(), p.raw_data().data(), bytes);
        return out;
    }
    // Typed fields: small types are widened into int32_data (FLOAT16/BFLOAT16 as their bit patterns).
    switch (p.data_type()) {
    case TensorProto::FLOAT:
        if (p.float_data_size() != count) throw mismatch(p.float_data_size());
        if (count) std::memcpy(out.data_ptr(), p.float_data().data(), bytes);
        break;
    case TensorProto::DOUBLE:
        if (p.double_data_size() != count) throw mismatch(p.double_data_size());
        if (count) std::memcpy(out.data_ptr(), p.double_data().data(), bytes);
        break;
    case TensorProto::INT64:
        if (p.int64_data_size() != count) throw mismatch(p.int64_data_size());
        if (count) std::memcpy(out.data_ptr(), p.int64_data().data(), bytes);
        break;
    case TensorProto::INT32:
        if (p.int32_data_size() != count) throw mismatch(p.int32_data_size());
        if (count) std::memcpy(out.data_ptr(), p.int32_data().data(), bytes);
        break;
    default: {
        if (p.int32_data_size() != count) throw mismatch(p.int32_data_size());
        auto wide = torch::empty({count}, torch::kInt32);
        if (count) std::memcpy(wide.data_ptr(), p.int32_data().data(), size_t(count) * 4);
        if (type == torch::kHalf || type == torch::kBFloat16) {
            auto bits = wide.to(torch::kInt16); // keeps the low 16 bits
            std::memcpy(out.data_ptr(), bits.data_ptr(), bytes);
        } else {
            out.copy_(wide.view(dims));
        }
    }
    }
    return out;
}

void writeTensorToProto(const torch::Tensor &value, TensorProto &p)
{
    std::vector<int64_t> dims(p.dims().begin(), p.dims().end());
    if (value.sizes().vec() != dims)
        throw std::invalid_argument("tensor '" + p.name() + "' changed shape");
    auto t = value.detach().to(torch::kCPU, scalarTypeFromOnnx(p.data_type())).contiguous();
    p.clear_float_data();
    p.clear_int32_data();
    p.clear_string_data();
    p.clear_int64_data();
    p.clear_double_data();
    p.clear_uint64_data();
    p.clear_external_data();
    p.clear_data_location();
    p.set_raw_data(std::string(static_cast<const char *>(t.data_ptr()), size_t(t.numel()) * t.element_size()));
}

} // namespace facelab::nn

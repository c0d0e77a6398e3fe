#include "nn/OnnxOps.h"

#include "nn/ChannelPrelu.h"
#include "nn/OnnxTensor.h"

#include <algorithm>
#include <cfloat>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>

namespace facelab::nn {

namespace {

using torch::Tensor;
using Ins = std::vector<Tensor>;
using Outs = std::vector<Tensor>;
using Ctx = OnnxCompileContext;
using Node = onnx::NodeProto;

[[noreturn]] void fail(const std::string &msg) { throw std::invalid_argument(msg); }

// Attribute access with defaults; a missing required attribute is an error at compile time.
class Attrs
{
public:
    explicit Attrs(const Node &n) : m_node(n) {}
    const onnx::AttributeProto *find(const std::string &name) const
    {
        for (const auto &a : m_node.attribute())
            if (a.name() == name)
                return &a;
        return nullptr;
    }
    bool has(const std::string &name) const { return find(name) != nullptr; }
    int64_t i(const std::string &name, int64_t def) const
    {
        const auto *a = find(name);
        return a ? a->i() : def;
    }
    float f(const std::string &name, float def) const
    {
        const auto *a = find(name);
        return a ? a->f() : def;
    }
    std::string s(const std::string &name, const std::string &def) const
    {
        const auto *a = find(name);
        return a ? a->s() : def;
    }
    std::vector<int64_t> ints(const std::string &name) const
    {
        const auto *a = find(name);
        return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
    }
    std::vector<int64_t> requiredInts(const std::string &name) const
    {
        if (!has(name))
            fail(m_node.op_type() + " needs the '" + name + "' attribute");
        return ints(name);
    }

private:
    const Node &m_node;
};

const Tensor &need(const Ins &in, size_t i)
{
    if (i >= in.size() || !in[i].defined())
        fail("required input " + std::to_string(i) + " is missing");
    return in[i];
}
Tensor opt(const Ins &in, size_t i) { return i < in.size() ? in[i] : Tensor(); }

// Shape-like inputs (shapes, axes, pads, starts) are read on the CPU whatever device they live on.
std::vector<int64_t> toInts(const Tensor &t)
{
    auto c = t.detach().to(torch::kCPU, torch::kLong).contiguous().reshape(-1);
    return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

int64_t normAxis(int64_t axis, int64_t rank)
{
    if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
        fail("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
}

int64_t product(torch::IntArrayRef dims, size_t from, size_t to)
{
    int64_t p = 1;
    for (size_t i = from; i < to; ++i)
        p *= dims[i];
    return p;
}

// Small integer tensors (shapes, indices) may sit on the CPU while data is on CUDA: move the
// smaller one over rather than failing.
void sameDevice(Tensor &a, Tensor &b)
{
    if (a.device() == b.device())
        return;
    if (a.numel() <= b.numel())
        a = a.to(b.device());
    else
        b = b.to(a.device());
}

std::vector<int64_t> filled(const std::vector<int64_t> &v, size_t n, int64_t def)
{
    if (v.empty())
        return std::vector<int64_t>(n, def);
    if (v.size() != n)
        fail("attribute has " + std::to_string(v.size()) + " values, expected " + std::to_string(n));
    return v;
}

// Spatial padding per side, from explicit pads or auto_pad (SAME_UPPER puts the extra pixel at the end).
void resolvePads(const std::string &autoPad, const std::vector<int64_t> &pads, torch::IntArrayRef spatial,
                 const std::vector<int64_t> &kernel, const std::vector<int64_t> &strides,
                 const std::vector<int64_t> &dilations, std::vector<int64_t> &begin, std::vector<int64_t> &end)
{
    const size_t n = spatial.size();
    begin.assign(n, 0);
    end.assign(n, 0);
    if (autoPad == "NOTSET" || autoPad.empty()) {
        if (pads.empty())
            return;
        if (pads.size() != 2 * n)
            fail("pads has " + std::to_string(pads.size()) + " values, expected " + std::to_string(2 * n));
        for (size_t i = 0; i < n; ++i) {
            begin[i] = pads[i];
            end[i] = pads[i + n];
        }
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        for (size_t i = 0; i < n; ++i) {
            const int64_t out = (spatial[i] + strides[i] - 1) / strides[i];
            const int64_t eff = (kernel[i] - 1) * dilations[i] + 1;
            const int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + eff - spatial[i]);
            const int64_t small = total / 2;
            begin[i] = autoPad == "SAME_UPPER" ? small : total - small;
            end[i] = total - begin[i];
        }
    } else if (autoPad != "VALID") {
        fail("auto_pad '" + autoPad + "' is not supported");
    }
}

// Pads the trailing begin.size() dims (torch wants the last dim first).
Tensor padSpatial(const Tensor &x, const std::vector<int64_t> &begin, const std::vector<int64_t> &end, double value)
{
    std::vector<int64_t> p;
    for (size_t i = begin.size(); i-- > 0;) {
        p.push_back(begin[i]);
        p.push_back(end[i]);
    }
    return torch::constant_pad_nd(x, p, value);
}

void checkSpatialRank(const Tensor &x, const std::string &op)
{
    if (x.dim() < 3 || x.dim() > 5)
        fail(op + " expects a 3-D to 5-D input (N, C, spatial...), got " + std::to_string(x.dim()) + "-D");
}

// ---------------------------------------------------------------------------------------------
// Kernels

OnnxKernel conv(const Node &n, const Ctx &)
{
    Attrs a(n);
    const auto stridesAttr = a.ints("strides"), dilAttr = a.ints("dilations"), padsAttr = a.ints("pads");
    const int64_t group = a.i("group", 1);
    const std::string autoPad = a.s("auto_pad", "NOTSET");
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0), &w = need(in, 1);
        const Tensor b = opt(in, 2);
        checkSpatialRank(x, "Conv");
        if (w.dim() != x.dim())
            fail("Conv weight rank " + std::to_string(w.dim()) + " does not match input rank " + std::to_string(x.dim()));
        const size_t sd = size_t(x.dim() - 2);
        const std::vector<int64_t> k(w.sizes().begin() + 2, w.sizes().end());
        const auto s = filled(stridesAttr, sd, 1), d = filled(dilAttr, sd, 1);
        std::vector<int64_t> pb, pe;
        resolvePads(autoPad, padsAttr, x.sizes().slice(2), k, s, d, pb, pe);
        Tensor xin = x;
        std::vector<int64_t> sym = pb;
        if (pb != pe) { // torch convolutions pad symmetrically: pad asymmetric cases explicitly
            xin = padSpatial(x, pb, pe, 0.0);
            sym.assign(sd, 0);
        }
        return Outs{at::convolution(xin, w, b, s, sym, d, false, std::vector<int64_t>(sd, 0), group)};
    };
}

OnnxKernel pool(const Node &n, const Ctx &, bool isMax)
{
    Attrs a(n);
    const auto kernel = a.requiredInts("kernel_shape");
    const auto stridesAttr = a.ints("strides"), padsAttr = a.ints("pads"), dilAttr = a.ints("dilations");
    const bool ceil = a.i("ceil_mode", 0) != 0;
    const bool countPad = a.i("count_include_pad", 0) != 0;
    const std::string autoPad = a.s("auto_pad", "NOTSET");
    if (isMax && n.output_size() > 1 && !n.output(1).empty())
        fail("MaxPool's Indices output is not supported");
    if (!isMax && !dilAttr.empty() && std::any_of(dilAttr.begin(), dilAttr.end(), [](int64_t v) { return v != 1; }))
        fail("AveragePool with dilations is not supported");
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        checkSpatialRank(x, n.op_type());
        const size_t sd = size_t(x.dim() - 2);
        if (kernel.size() != sd)
            fail("kernel_shape has " + std::to_string(kernel.size()) + " values for " + std::to_string(sd) + " spatial dims");
        const auto s = filled(stridesAttr, sd, 1);
        const auto d = isMax ? filled(dilAttr, sd, 1) : std::vector<int64_t>(sd, 1);
        std::vector<int64_t> pb, pe;
        resolvePads(autoPad, padsAttr, x.sizes().slice(2), kernel, s, d, pb, pe);
        // torch pools accept only symmetric padding of at most half the kernel.
        bool torchPads = pb == pe;
        for (size_t i = 0; i < sd; ++i)
            torchPads = torchPads && pb[i] <= kernel[i] / 2;
        const std::vector<int64_t> zero(sd, 0);
        auto maxPool = [&](const Tensor &t, const std::vector<int64_t> &p) {
            if (sd == 1) return torch::max_pool1d(t, kernel, s, p, d, ceil);
            if (sd == 2) return torch::max_pool2d(t, kernel, s, p, d, ceil);
            return torch::max_pool3d(t, kernel, s, p, d, ceil);
        };
        auto avgPool = [&](const Tensor &t, const std::vector<int64_t> &p, bool includePad) {
            if (sd == 1) return torch::avg_pool1d(t, kernel, s, p, ceil, includePad);
            if (sd == 2) return torch::avg_pool2d(t, kernel, s, p, ceil, includePad);
            return torch::avg_pool3d(t, kernel, s, p, ceil, includePad);
        };
        if (isMax)
            return Outs{torchPads ? maxPool(x, pb)
                                  : maxPool(padSpatial(x, pb, pe, -std::numeric_limits<double>::infinity()), zero)};
        if (torchPads)
            return Outs{avgPool(x, pb, countPad)};
        // Pad explicitly; when pads must not count, divide by the pooled share of real pixels.
        Tensor y = avgPool(padSpatial(x, pb, pe, 0.0), zero, true);
        if (!countPad) {
            std::vector<int64_t> oneShape(size_t(x.dim()), 1);
            for (size_t i = 0; i < sd; ++i)
                oneShape[2 + i] = x.size(int64_t(2 + i));
            auto ones = torch::ones(oneShape, x.options());
            y = y / avgPool(padSpatial(ones, pb, pe, 0.0), zero, true);
        }
        return Outs{y};
    };
}

OnnxKernel globalPool(const Node &n, const Ctx &, bool isMax)
{
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        if (x.dim() < 3)
            fail(n.op_type() + " expects a tensor with spatial dims");
        std::vector<int64_t> dims(size_t(x.dim() - 2));
        std::iota(dims.begin(), dims.end(), 2);
        return Outs{isMax ? x.amax(dims, true) : x.mean(dims, true)};
    };
}

OnnxKernel batchNorm(const Node &n, const Ctx &)
{
    Attrs a(n);
    if (a.i("spatial", 1) != 1)
        fail("BatchNormalization with spatial=0 is not supported");
    if (a.i("training_mode", 0) != 0)
        fail("BatchNormalization in training mode is not supported (an exported inference graph is expected)");
    for (int i = 1; i < n.output_size(); ++i)
        if (!n.output(i).empty())
            fail("BatchNormalization's training outputs (mean, var) are not supported");
    const double eps = a.f("epsilon", 1e-5f);
    // By default the stored statistics are used (frozen BN, what fine-tuning on a few hundred pairs
    // wants; gradients still reach scale and bias). When fine-tuning asks to train BN, the batch's
    // statistics normalise and the running ones (buffers, exported with the weights) are updated
    // with ONNX's default momentum 0.9 (torch's 0.1).
    const double momentum = 1.0 - a.f("momentum", 0.9f);
    return [=](const Ins &in, const OnnxRunState &st) {
        return Outs{torch::batch_norm(need(in, 0), need(in, 1), need(in, 2), need(in, 3), need(in, 4),
                                      st.batchNormTraining, momentum, eps, true)};
    };
}

OnnxKernel prelu(const Node &, const Ctx &)
{
    return [](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        Tensor slope = need(in, 1);
        if (slope.device() != x.device())
            slope = slope.to(x.device());
        if (slope.numel() == 1)
            return Outs{torch::prelu(x, slope.reshape({1}))};
        // Exporters store per-channel slopes as (C,1,1): one fused per-channel pass then. Training
        // takes FaceLab's vectorised backward (torch 1.13's is scalar); inference torch's forward,
        // which runs on every core (bench_embed, batch 32: 570 against 489 images/s).
        if (x.dim() >= 2 && slope.numel() == x.size(1) && slope.dim() == x.dim() - 1 && slope.size(0) == x.size(1)) {
            const bool training = torch::GradMode::is_enabled() && (x.requires_grad() || slope.requires_grad());
            return Outs{training ? channelPrelu(x, slope) : torch::prelu(x, slope.reshape({-1}))};
        }
        return Outs{torch::where(x >= 0, x, x * slope)};
    };
}

OnnxKernel unary(const Node &n, const Ctx &)
{
    using Fn = Tensor (*)(const Tensor &);
    static const std::map<std::string, Fn> fns = {
        {"Relu", [](const Tensor &x) { return torch::relu(x); }},
        {"Sigmoid", [](const Tensor &x) { return torch::sigmoid(x); }},
        {"Sqrt", [](const Tensor &x) { return torch::sqrt(x); }},
        {"Exp", [](const Tensor &x) { return torch::exp(x); }},
        {"Tanh", [](const Tensor &x) { return torch::tanh(x); }},
        {"Identity", [](const Tensor &x) { return x; }},
    };
    const Fn fn = fns.at(n.op_type());
    return [fn](const Ins &in, const OnnxRunState &) { return Outs{fn(need(in, 0))}; };
}

OnnxKernel leakyRelu(const Node &n, const Ctx &)
{
    const double alpha = Attrs(n).f("alpha", 0.01f);
    return [=](const Ins &in, const OnnxRunState &) { return Outs{torch::leaky_relu(need(in, 0), alpha)}; };
}

OnnxKernel clip(const Node &n, const Ctx &ctx)
{
    Attrs a(n);
    const bool fromAttrs = ctx.opset < 11; // Clip-6: min/max attributes; Clip-11+: optional inputs
    const std::optional<double> minAttr = a.has("min") ? std::optional<double>(a.f("min", 0)) : std::nullopt;
    const std::optional<double> maxAttr = a.has("max") ? std::optional<double>(a.f("max", 0)) : std::nullopt;
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        std::optional<double> lo = minAttr, hi = maxAttr;
        if (!fromAttrs) {
            const Tensor l = opt(in, 1), h = opt(in, 2);
            lo = l.defined() ? std::optional<double>(l.item<double>()) : std::nullopt;
            hi = h.defined() ? std::optional<double>(h.item<double>()) : std::nullopt;
        }
        if (!lo && !hi)
            return Outs{x};
        const c10::optional<torch::Scalar> l = lo ? c10::optional<torch::Scalar>(*lo) : c10::nullopt;
        const c10::optional<torch::Scalar> h = hi ? c10::optional<torch::Scalar>(*hi) : c10::nullopt;
        return Outs{torch::clamp(x, l, h)};
    };
}

OnnxKernel binary(const Node &n, const Ctx &ctx)
{
    Attrs a(n);
    // Before opset 7 broadcasting was opt-in, with B aligned to A starting at `axis`.
    const bool legacyAxis = ctx.opset < 7 && a.i("broadcast", 0) != 0 && a.has("axis");
    const int64_t axis = a.i("axis", 0);
    const std::string op = n.op_type();
    return [=](const Ins &in, const OnnxRunState &) {
        Tensor x = need(in, 0), y = need(in, 1);
        sameDevice(x, y);
        if (legacyAxis) {
            const int64_t ax = normAxis(axis, x.dim());
            std::vector<int64_t> shape = y.sizes().vec();
            shape.resize(size_t(x.dim() - ax), 1);
            y = y.reshape(shape);
        }
        if (op == "Add") return Outs{x + y};
        if (op == "Sub") return Outs{x - y};
        if (op == "Mul") return Outs{x * y};
        if (!x.is_floating_point() && !y.is_floating_point()) // ONNX integer Div truncates
            return Outs{torch::div(x, y, "trunc")};
        return Outs{x / y};
    };
}

OnnxKernel pow(const Node &, const Ctx &)
{
    return [](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        Tensor e = need(in, 1);
        Tensor y = e.numel() == 1 && !e.requires_grad() ? torch::pow(x, e.item<double>())
                                                         : torch::pow(x, e.device() == x.device() ? e : e.to(x.device()));
        return Outs{y.scalar_type() == x.scalar_type() ? y : y.to(x.scalar_type())}; // ONNX: result has X's type
    };
}

OnnxKernel gemm(const Node &n, const Ctx &)
{
    Attrs a(n);
    const bool tA = a.i("transA", 0) != 0, tB = a.i("transB", 0) != 0;
    const double alpha = a.f("alpha", 1.0f), beta = a.f("beta", 1.0f);
    return [=](const Ins &in, const OnnxRunState &) {
        Tensor A = need(in, 0), B = need(in, 1);
        if (A.dim() != 2 || B.dim() != 2)
            fail("Gemm expects 2-D inputs, got " + std::to_string(A.dim()) + "-D and " + std::to_string(B.dim()) + "-D");
        sameDevice(A, B);
        if (tA) A = A.t();
        if (tB) B = B.t();
        Tensor C = opt(in, 2);
        if (C.defined() && beta != 0.0) {
            if (C.device() != A.device())
                C = C.to(A.device());
            return Outs{torch::addmm(C, A, B, beta, alpha)};
        }
        Tensor y = torch::mm(A, B);
        return Outs{alpha == 1.0 ? y : y * alpha};
    };
}

OnnxKernel matmul(const Node &, const Ctx &)
{
    return [](const Ins &in, const OnnxRunState &) {
        Tensor A = need(in, 0), B = need(in, 1);
        sameDevice(A, B);
        return Outs{torch::matmul(A, B)};
    };
}

OnnxKernel flatten(const Node &n, const Ctx &)
{
    const int64_t axis = Attrs(n).i("axis", 1);
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        const int64_t r = x.dim();
        const int64_t ax = axis < 0 ? axis + r : axis;
        if (ax < 0 || ax > r)
            fail("Flatten axis " + std::to_string(axis) + " out of range for rank " + std::to_string(r));
        return Outs{x.reshape({product(x.sizes(), 0, size_t(ax)), product(x.sizes(), size_t(ax), size_t(r))})};
    };
}

OnnxKernel reshape(const Node &n, const Ctx &ctx)
{
    Attrs a(n);
    const bool fromAttr = ctx.opset < 5; // Reshape-1: shape attribute; Reshape-5+: shape input
    const auto shapeAttr = a.ints("shape");
    const bool allowZero = a.i("allowzero", 0) != 0;
    const bool constantShape = fromAttr || (n.input_size() > 1 && ctx.isConstant && ctx.isConstant(n.input(1)));
    const int64_t declaredBatch = ctx.declaredBatch;
    return [=](const Ins &in, const OnnxRunState &st) {
        const Tensor &x = need(in, 0);
        std::vector<int64_t> shape = fromAttr ? shapeAttr : toInts(need(in, 1));
        for (size_t i = 0; i < shape.size(); ++i)
            if (shape[i] == 0 && !allowZero) {
                if (int64_t(i) >= x.dim())
                    fail("Reshape copies dim " + std::to_string(i) + " of a " + std::to_string(x.dim()) + "-D tensor");
                shape[i] = x.size(int64_t(i));
            }
        // Batch rule. Exporters trace with a fixed batch N (usually 1) and bake it into constant
        // shapes, e.g. fr_feature.onnx ends in Reshape(x, [1, -1]): run with B faces, that would
        // return one row of B*512 values that mixes faces. So: when the shape is a constant (not
        // computed from Shape), the pass runs a batch B != N, the tensor still leads with B, and the
        // constant leads with N, the leading N is read as "the batch" and becomes B. Reshapes whose
        // batch is already -1, 0 or computed at run time are untouched. The module also checks each
        // output still leads with B, so a graph that mixes the batch another way fails loudly.
        if (constantShape && declaredBatch > 0 && st.batch > 0 && st.batch != declaredBatch && !shape.empty() &&
            shape[0] == declaredBatch && x.dim() > 0 && x.size(0) == st.batch)
            shape[0] = st.batch;
        return Outs{x.reshape(shape)};
    };
}

OnnxKernel transpose(const Node &n, const Ctx &)
{
    const auto permAttr = Attrs(n).ints("perm");
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        std::vector<int64_t> perm = permAttr;
        if (perm.empty()) { // default: reverse the dims
            perm.resize(size_t(x.dim()));
            std::iota(perm.rbegin(), perm.rend(), 0);
        }
        if (int64_t(perm.size()) != x.dim())
            fail("Transpose perm has " + std::to_string(perm.size()) + " entries for a " + std::to_string(x.dim()) + "-D tensor");
        return Outs{x.permute(perm)};
    };
}

OnnxKernel concat(const Node &n, const Ctx &ctx)
{
    Attrs a(n);
    if (!a.has("axis") && ctx.opset >= 4)
        fail("Concat needs the 'axis' attribute");
    const int64_t axis = a.i("axis", 1);
    return [=](const Ins &in, const OnnxRunState &) {
        std::vector<Tensor> parts;
        torch::Device dev = torch::kCPU;
        for (const auto &t : in)
            if (t.defined() && !t.device().is_cpu())
                dev = t.device();
        for (const auto &t : in)
            parts.push_back(t.defined() && t.device() != dev ? t.to(dev) : t);
        if (parts.empty())
            fail("Concat has no inputs");
        return Outs{torch::cat(parts, normAxis(axis, parts[0].dim()))};
    };
}

OnnxKernel dropout(const Node &n, const Ctx &ctx)
{
    const bool ratioFromAttr = ctx.opset < 12; // Dropout-12 moved ratio to an optional input
    const double ratioAttr = Attrs(n).f("ratio", 0.5f);
    const bool wantMask = n.output_size() > 1 && !n.output(1).empty();
    return [=](const Ins &in, const OnnxRunState &st) {
        const Tensor &x = need(in, 0);
        double ratio = ratioAttr;
        if (!ratioFromAttr) {
            const Tensor r = opt(in, 1);
            ratio = r.defined() ? r.item<double>() : 0.5;
        }
        // Dropout acts only while the module trains (as in torch); an inference pass is the identity.
        if (!st.training || ratio <= 0.0)
            return Outs{x, wantMask ? torch::ones_like(x, torch::kBool) : Tensor()};
        Tensor keep = torch::bernoulli(torch::full_like(x, 1.0 - ratio));
        return Outs{x * keep / (1.0 - ratio), wantMask ? keep.to(torch::kBool) : Tensor()};
    };
}

OnnxKernel constant(const Node &n, const Ctx &)
{
    const Tensor value = onnxConstantValue(n);
    return [value](const Ins &, const OnnxRunState &) { return Outs{value}; };
}

OnnxKernel constantOfShape(const Node &n, const Ctx &)
{
    // PyTorch's exports of F.pad build their pads with it. Default value: float 0.
    const auto *value = Attrs(n).find("value");
    const Tensor fill = value ? tensorFromProto(value->t()).reshape({-1}) : torch::zeros({1}, torch::kFloat);
    if (fill.numel() != 1)
        fail("ConstantOfShape value must hold one element");
    return [=](const Ins &in, const OnnxRunState &) {
        const auto dims = toInts(need(in, 0));
        return Outs{torch::full(dims, fill.item(), fill.options())};
    };
}

OnnxKernel shape(const Node &n, const Ctx &)
{
    Attrs a(n);
    const bool hasEnd = a.has("end");
    const int64_t startAttr = a.i("start", 0), endAttr = a.i("end", 0); // Shape-15 slicing
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        const int64_t r = x.dim();
        auto clampIdx = [r](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
        const int64_t s = clampIdx(startAttr), e = hasEnd ? clampIdx(endAttr) : r;
        std::vector<int64_t> dims;
        for (int64_t i = s; i < e; ++i)
            dims.push_back(x.size(i));
        return Outs{torch::tensor(dims, torch::kLong).reshape({int64_t(dims.size())})};
    };
}

OnnxKernel gather(const Node &n, const Ctx &)
{
    const int64_t axis = Attrs(n).i("axis", 0);
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &data = need(in, 0);
        Tensor idx = need(in, 1).to(data.device(), torch::kLong);
        const int64_t ax = normAxis(axis, data.dim());
        const int64_t dim = data.size(ax);
        idx = torch::where(idx < 0, idx + dim, idx); // ONNX allows negative indices
        // Output shape: data.shape[:axis] + indices.shape + data.shape[axis+1:]
        std::vector<int64_t> outShape(data.sizes().begin(), data.sizes().begin() + ax);
        outShape.insert(outShape.end(), idx.sizes().begin(), idx.sizes().end());
        outShape.insert(outShape.end(), data.sizes().begin() + ax + 1, data.sizes().end());
        return Outs{data.index_select(ax, idx.reshape(-1)).reshape(outShape)};
    };
}

// Squeeze/Unsqueeze/ReduceMean take axes from an attribute in older opsets and from an input later.
std::vector<int64_t> axesOf(const Ins &in, bool fromAttr, const std::vector<int64_t> &attr, size_t inputIndex)
{
    if (fromAttr)
        return attr;
    const Tensor t = opt(in, inputIndex);
    return t.defined() ? toInts(t) : std::vector<int64_t>{};
}

OnnxKernel unsqueeze(const Node &n, const Ctx &ctx)
{
    const bool fromAttr = ctx.opset < 13;
    const auto attr = Attrs(n).ints("axes");
    if (fromAttr && attr.empty())
        fail("Unsqueeze needs the 'axes' attribute before opset 13");
    return [=](const Ins &in, const OnnxRunState &) {
        Tensor x = need(in, 0);
        auto axes = axesOf(in, fromAttr, attr, 1);
        const int64_t outRank = x.dim() + int64_t(axes.size());
        for (auto &ax : axes)
            ax = normAxis(ax, outRank); // negative axes count from the end of the output
        std::sort(axes.begin(), axes.end());
        for (auto ax : axes)
            x = x.unsqueeze(ax);
        return Outs{x};
    };
}

OnnxKernel squeeze(const Node &n, const Ctx &ctx)
{
    const bool fromAttr = ctx.opset < 13;
    const auto attr = Attrs(n).ints("axes");
    return [=](const Ins &in, const OnnxRunState &) {
        Tensor x = need(in, 0);
        auto axes = axesOf(in, fromAttr, attr, 1);
        // No axes: every dim of size 1 (ONNX semantics), which at batch 1 includes the batch;
        // exporters name the axes, and the module's output check catches a lost batch.
        if (axes.empty())
            for (int64_t i = 0; i < x.dim(); ++i)
                if (x.size(i) == 1)
                    axes.push_back(i);
        for (auto &ax : axes) {
            ax = normAxis(ax, x.dim());
            if (x.size(ax) != 1)
                fail("Squeeze of axis " + std::to_string(ax) + " whose size is " + std::to_string(x.size(ax)));
        }
        std::sort(axes.rbegin(), axes.rend());
        for (auto ax : axes)
            x = x.squeeze(ax);
        return Outs{x};
    };
}

OnnxKernel pad(const Node &n, const Ctx &ctx)
{
    Attrs a(n);
    // Pad-1: 'paddings' attribute; Pad-2: 'pads' + 'value' attributes; Pad-11: pads/constant_value
    // inputs; Pad-18 adds an optional axes input.
    const bool fromAttr = ctx.opset < 11;
    const auto padsAttr = ctx.opset < 2 ? a.ints("paddings") : a.ints("pads");
    const double valueAttr = a.f("value", 0.0f);
    const std::string mode = a.s("mode", "constant");
    if (mode != "constant" && mode != "reflect" && mode != "edge")
        fail("Pad mode '" + mode + "' is not supported");
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        const int64_t r = x.dim();
        std::vector<int64_t> pads = fromAttr ? padsAttr : toInts(need(in, 1));
        double value = valueAttr;
        if (!fromAttr) {
            const Tensor v = opt(in, 2);
            value = v.defined() && v.numel() > 0 ? v.item<double>() : 0.0;
            const Tensor axesT = opt(in, 3);
            if (axesT.defined()) { // expand per-axis pads to all dims
                const auto axes = toInts(axesT);
                if (pads.size() != 2 * axes.size())
                    fail("Pad has " + std::to_string(pads.size()) + " pads for " + std::to_string(axes.size()) + " axes");
                std::vector<int64_t> full(size_t(2 * r), 0);
                for (size_t i = 0; i < axes.size(); ++i) {
                    const int64_t ax = normAxis(axes[i], r);
                    full[size_t(ax)] = pads[i];
                    full[size_t(ax + r)] = pads[i + axes.size()];
                }
                pads = full;
            }
        }
        if (int64_t(pads.size()) != 2 * r)
            fail("Pad has " + std::to_string(pads.size()) + " pads for a " + std::to_string(r) + "-D tensor");
        const std::vector<int64_t> begin(pads.begin(), pads.begin() + r), end(pads.begin() + r, pads.end());
        if (mode == "constant")
            return Outs{padSpatial(x, begin, end, value)};
        // reflect / edge: torch pads the trailing 1-3 dims of a (N, C, ...) tensor.
        int64_t first = r;
        for (int64_t i = 0; i < r; ++i)
            if (begin[size_t(i)] != 0 || end[size_t(i)] != 0) {
                first = i;
                break;
            }
        if (first == r)
            return Outs{x};
        const int64_t k = r - first;
        if (k > 3)
            fail("Pad mode '" + mode + "' on more than the last 3 dims is not supported");
        for (int64_t i = first; i < r; ++i)
            if (begin[size_t(i)] < 0 || end[size_t(i)] < 0)
                fail("Pad mode '" + mode + "' with negative pads is not supported");
        std::vector<int64_t> shape3{1, product(x.sizes(), 0, size_t(first))};
        shape3.insert(shape3.end(), x.sizes().begin() + first, x.sizes().end());
        const Tensor xk = x.reshape(shape3);
        std::vector<int64_t> p;
        for (int64_t i = r; i-- > first;) {
            p.push_back(begin[size_t(i)]);
            p.push_back(end[size_t(i)]);
        }
        Tensor y;
        if (mode == "reflect")
            y = k == 1 ? torch::reflection_pad1d(xk, p) : k == 2 ? torch::reflection_pad2d(xk, p) : torch::reflection_pad3d(xk, p);
        else
            y = k == 1 ? torch::replication_pad1d(xk, p) : k == 2 ? torch::replication_pad2d(xk, p) : torch::replication_pad3d(xk, p);
        std::vector<int64_t> outShape(x.sizes().begin(), x.sizes().begin() + first);
        outShape.insert(outShape.end(), y.sizes().begin() + 2, y.sizes().end());
        return Outs{y.reshape(outShape)};
    };
}

OnnxKernel reduceMean(const Node &n, const Ctx &ctx)
{
    Attrs a(n);
    const bool fromAttr = ctx.opset < 18;
    const auto attr = a.ints("axes");
    const bool keep = a.i("keepdims", 1) != 0;
    const bool noopEmpty = a.i("noop_with_empty_axes", 0) != 0;
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        auto axes = axesOf(in, fromAttr, attr, 1);
        if (axes.empty()) {
            if (noopEmpty)
                return Outs{x};
            axes.resize(size_t(x.dim()));
            std::iota(axes.begin(), axes.end(), 0);
        }
        for (auto &ax : axes)
            ax = normAxis(ax, x.dim());
        return Outs{x.mean(axes, keep)};
    };
}

OnnxKernel slice(const Node &n, const Ctx &ctx)
{
    Attrs a(n);
    const bool fromAttr = ctx.opset < 10; // Slice-1: attributes; Slice-10+: inputs (and steps)
    const auto startsAttr = a.ints("starts"), endsAttr = a.ints("ends"), axesAttr = a.ints("axes");
    return [=](const Ins &in, const OnnxRunState &) {
        Tensor x = need(in, 0);
        const auto starts = fromAttr ? startsAttr : toInts(need(in, 1));
        const auto ends = fromAttr ? endsAttr : toInts(need(in, 2));
        std::vector<int64_t> axes = fromAttr ? axesAttr : (opt(in, 3).defined() ? toInts(in[3]) : std::vector<int64_t>{});
        std::vector<int64_t> steps = !fromAttr && opt(in, 4).defined() ? toInts(in[4]) : std::vector<int64_t>{};
        if (starts.size() != ends.size())
            fail("Slice starts and ends differ in length");
        if (axes.empty()) {
            axes.resize(starts.size());
            std::iota(axes.begin(), axes.end(), 0);
        }
        if (steps.empty())
            steps.assign(starts.size(), 1);
        if (axes.size() != starts.size() || steps.size() != starts.size())
            fail("Slice axes/steps do not match starts");
        for (size_t i = 0; i < starts.size(); ++i) {
            const int64_t ax = normAxis(axes[i], x.dim()), dim = x.size(ax), step = steps[i];
            if (step == 0)
                fail("Slice step 0");
            auto at = [dim](int64_t v, int64_t lo, int64_t hi) { return std::clamp<int64_t>(v < 0 ? v + dim : v, lo, hi); };
            if (step > 0) {
                const int64_t s = at(starts[i], 0, dim), e = at(ends[i], 0, dim);
                x = x.slice(ax, s, std::max(s, e), step);
            } else { // torch slices only forwards: gather the indices instead
                const int64_t s = at(starts[i], 0, dim - 1), e = at(ends[i], -1, dim - 1);
                auto idx = s > e ? torch::arange(s, e, step, torch::kLong) : torch::empty({0}, torch::kLong);
                x = x.index_select(ax, idx.to(x.device()));
            }
        }
        return Outs{x};
    };
}

OnnxKernel softmax(const Node &n, const Ctx &ctx)
{
    const bool legacy = ctx.opset < 13; // before 13: coerce to 2-D at axis, softmax over the tail
    const int64_t axis = Attrs(n).i("axis", legacy ? 1 : -1);
    return [=](const Ins &in, const OnnxRunState &) {
        const Tensor &x = need(in, 0);
        const int64_t ax = normAxis(axis, x.dim());
        if (!legacy)
            return Outs{torch::softmax(x, ax)};
        const int64_t outer = product(x.sizes(), 0, size_t(ax)), inner = product(x.sizes(), size_t(ax), size_t(x.dim()));
        return Outs{torch::softmax(x.reshape({outer, inner}), 1).reshape(x.sizes())};
    };
}

OnnxKernel cast(const Node &n, const Ctx &)
{
    Attrs a(n);
    if (!a.has("to"))
        fail("Cast needs the 'to' attribute");
    const auto to = scalarTypeFromOnnx(int32_t(a.i("to", 0)));
    return [=](const Ins &in, const OnnxRunState &) { return Outs{need(in, 0).to(to)}; };
}

using Factory = std::function<OnnxKernel(const Node &, const Ctx &)>;

const std::map<std::string, Factory> &registry()
{
    static const std::map<std::string, Factory> r = {
        {"Add", binary},
        {"AveragePool", [](const Node &n, const Ctx &c) { return pool(n, c, false); }},
        {"BatchNormalization", batchNorm},
        {"Cast", cast},
        {"Clip", clip},
        {"Concat", concat},
        {"Constant", constant},
        {"ConstantOfShape", constantOfShape},
        {"Conv", conv},
        {"Div", binary},
        {"Dropout", dropout},
        {"Exp", unary},
        {"Flatten", flatten},
        {"Gather", gather},
        {"Gemm", gemm},
        {"GlobalAveragePool", [](const Node &n, const Ctx &c) { return globalPool(n, c, false); }},
        {"GlobalMaxPool", [](const Node &n, const Ctx &c) { return globalPool(n, c, true); }},
        {"Identity", unary},
        {"LeakyRelu", leakyRelu},
        {"MatMul", matmul},
        {"MaxPool", [](const Node &n, const Ctx &c) { return pool(n, c, true); }},
        {"Mul", binary},
        {"Pad", pad},
        {"Pow", pow},
        {"PRelu", prelu},
        {"ReduceMean", reduceMean},
        {"Relu", unary},
        {"Reshape", reshape},
        {"Shape", shape},
        {"Sigmoid", unary},
        {"Slice", slice},
        {"Softmax", softmax},
        {"Sqrt", unary},
        {"Squeeze", squeeze},
        {"Sub", binary},
        {"Tanh", unary},
        {"Transpose", transpose},
        {"Unsqueeze", unsqueeze},
    };
    return r;
}

} // namespace

const std::vector<std::string> &supportedOnnxOps()
{
    static const std::vector<std::string> ops = [] {
        std::vector<std::string> v;
        for (const auto &[name, f] : registry())
            v.push_back(name);
        return v;
    }();
    return ops;
}

bool isSupportedOnnxOp(const std::string &opType) { return registry().count(opType) > 0; }

OnnxInputRole onnxInputRole(const std::string &op, int i)
{
    if (i == 0)
        return OnnxInputRole::Data;
    if (op == "Conv" || op == "PRelu" || op == "Gemm")
        return OnnxInputRole::Weight;
    if (op == "BatchNormalization")
        return i <= 2 ? OnnxInputRole::Weight : OnnxInputRole::Statistic;
    static const char *const configOps[] = {"Clip", "Pad", "Pow", "Reshape", "Unsqueeze", "Squeeze", "Slice",
                                            "ReduceMean", "Gather", "Dropout"};
    for (const char *c : configOps)
        if (op == c)
            return OnnxInputRole::Config;
    return OnnxInputRole::Data;
}

OnnxKernel compileOnnxNode(const onnx::NodeProto &node, const OnnxCompileContext &ctx)
{
    const auto &r = registry();
    const auto it = r.find(node.op_type());
    if (it == r.end() || !(node.domain().empty() || node.domain() == "ai.onnx"))
        fail("operator " + node.op_type() + " is not supported");
    return it->second(node, ctx);
}

torch::Tensor onnxConstantValue(const onnx::NodeProto &node)
{
    for (const auto &a : node.attribute()) {
        if (a.name() == "value")
            return tensorFromProto(a.t());
        if (a.name() == "value_float")
            return torch::tensor(double(a.f()), torch::kFloat).reshape({});
        if (a.name() == "value_floats")
            return torch::tensor(std::vector<float>(a.floats().begin(), a.floats().end()), torch::kFloat);
        if (a.name() == "value_int")
            return torch::tensor(a.i(), torch::kLong).reshape({});
        if (a.name() == "value_ints")
            return torch::tensor(std::vector<int64_t>(a.ints().begin(), a.ints().end()), torch::kLong);
    }
    fail("Constant without a supported value (sparse and string constants are not supported)");
}

} // namespace facelab::nn

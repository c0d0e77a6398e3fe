#include "nn/families/NativeOnnxExport.h"

#include "nn/FaceModel.h"
#include "nn/ModelError.h"
#include "nn/OnnxExport.h"
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxModelFile.h"
#include "nn/families/IResNet.h"
#include "nn/families/MobileFaceNet.h"
#include "nn/families/PatchCnn.h"

#include <opencv2/dnn.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

namespace facelab::nn {

namespace {

constexpr int64_t kOpset = 11;

// Builds a graph node by node; initializers named after the module's state names.
class GraphBuilder
{
public:
    explicit GraphBuilder(onnx::GraphProto *g) : m_g(g) {}

    std::string init(const std::string &name, const torch::Tensor &value)
    {
        const auto t = value.detach().to(torch::kCPU, torch::kFloat).contiguous();
        auto *p = m_g->add_initializer();
        p->set_name(name);
        p->set_data_type(onnx::TensorProto::FLOAT);
        for (auto d : t.sizes())
            p->add_dims(d);
        p->set_raw_data(std::string(static_cast<const char *>(t.data_ptr()), size_t(t.numel()) * sizeof(float)));
        return name;
    }

    std::string initInts(const std::string &name, const std::vector<int64_t> &values)
    {
        auto *p = m_g->add_initializer();
        p->set_name(name);
        p->set_data_type(onnx::TensorProto::INT64);
        p->add_dims(int64_t(values.size()));
        for (auto v : values)
            p->add_int64_data(v);
        return name;
    }

    onnx::NodeProto *node(const std::string &op, const std::vector<std::string> &inputs, const std::string &hint)
    {
        auto *n = m_g->add_node();
        n->set_op_type(op);
        n->set_name(op + "_" + std::to_string(m_count));
        for (const auto &i : inputs)
            n->add_input(i);
        n->add_output(hint + "_" + std::to_string(m_count++));
        return n;
    }

    static void attr(onnx::NodeProto *n, const std::string &name, int64_t v)
    {
        auto *a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(v);
    }
    static void attr(onnx::NodeProto *n, const std::string &name, float v)
    {
        auto *a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(v);
    }
    static void attr(onnx::NodeProto *n, const std::string &name, const std::vector<int64_t> &v)
    {
        auto *a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (auto x : v)
            a->add_ints(x);
    }

    std::string conv(const std::string &x, const torch::nn::Conv2dImpl &c, const std::string &name)
    {
        const auto &o = c.options;
        std::vector<std::string> in{x, init(name + ".weight", c.weight)};
        if (c.bias.defined())
            in.push_back(init(name + ".bias", c.bias));
        auto *n = node("Conv", in, name);
        const auto k = c.weight.sizes();
        attr(n, "kernel_shape", std::vector<int64_t>{k[2], k[3]});
        attr(n, "strides", std::vector<int64_t>{o.stride()->at(0), o.stride()->at(1)});
        const auto &pad = c10::get<torch::ExpandingArray<2>>(o.padding());
        attr(n, "pads", std::vector<int64_t>{pad->at(0), pad->at(1), pad->at(0), pad->at(1)});
        attr(n, "dilations", std::vector<int64_t>{o.dilation()->at(0), o.dilation()->at(1)});
        attr(n, "group", int64_t(o.groups()));
        return n->output(0);
    }

    std::string bn(const std::string &x, const NativeBatchNormImpl &b, const std::string &name)
    {
        auto *n = node("BatchNormalization",
                       {x, init(name + ".weight", b.weight), init(name + ".bias", b.bias),
                        init(name + ".running_mean", b.running_mean), init(name + ".running_var", b.running_var)},
                       name);
        attr(n, "epsilon", float(b.eps));
        return n->output(0);
    }

    std::string prelu(const std::string &x, const torch::nn::PReLUImpl &p, const std::string &name)
    {
        // Slope [C, 1, 1] broadcasts over N x C x H x W (as PyTorch exports it).
        return node("PRelu", {x, init(name + ".weight", p.weight.reshape({-1, 1, 1}))}, name)->output(0);
    }

    std::string add(const std::string &a, const std::string &b, const std::string &name)
    {
        return node("Add", {a, b}, name)->output(0);
    }

    std::string mul(const std::string &a, const std::string &b, const std::string &name)
    {
        return node("Mul", {a, b}, name)->output(0);
    }

    // A bias-free square convolution from a bare weight tensor (PatchCNN keeps its convs so).
    std::string conv(const std::string &x, const torch::Tensor &w, int64_t stride, int64_t pad, const std::string &name)
    {
        auto *n = node("Conv", {x, init(name + ".weight", w)}, name);
        attr(n, "kernel_shape", std::vector<int64_t>{w.size(2), w.size(3)});
        attr(n, "strides", std::vector<int64_t>{stride, stride});
        attr(n, "pads", std::vector<int64_t>{pad, pad, pad, pad});
        attr(n, "dilations", std::vector<int64_t>{1, 1});
        attr(n, "group", int64_t(1));
        return n->output(0);
    }

    // PatchCNN's BatchNorm state; without affine parameters the scale is ones and the bias zeros.
    std::string bn(const std::string &x, const pcnn::BatchNormStateImpl &b, const std::string &name)
    {
        const auto c = b.running_mean.size(0);
        const auto w = b.affine() ? b.weight : torch::ones({c});
        const auto bias = b.affine() ? b.bias : torch::zeros({c});
        auto *n = node("BatchNormalization",
                       {x, init(name + ".weight", w), init(name + ".bias", bias),
                        init(name + ".running_mean", b.running_mean), init(name + ".running_var", b.running_var)},
                       name);
        attr(n, "epsilon", float(b.eps));
        return n->output(0);
    }

    // x[:, :, h0:h1, w0:w1] (starts/ends/axes as int64 initializers, opset 10+ form).
    std::string slice2d(const std::string &x, int64_t h0, int64_t h1, int64_t w0, int64_t w1, const std::string &name)
    {
        return node("Slice",
                    {x, initInts(name + ".starts", {h0, w0}), initInts(name + ".ends", {h1, w1}),
                     initInts(name + ".axes", {2, 3})},
                    name)
            ->output(0);
    }

    std::string averagePool(const std::string &x, int64_t kernel, const std::string &name)
    {
        auto *n = node("AveragePool", {x}, name);
        attr(n, "kernel_shape", std::vector<int64_t>{kernel, kernel});
        attr(n, "strides", std::vector<int64_t>{kernel, kernel});
        return n->output(0);
    }

    std::string concat(const std::vector<std::string> &xs, int64_t axis, const std::string &name)
    {
        auto *n = node("Concat", xs, name);
        attr(n, "axis", axis);
        return n->output(0);
    }

    std::string gemm(const std::string &x, const torch::Tensor &w, const torch::Tensor &b, const std::string &name)
    {
        auto *n = node("Gemm", {x, init(name + ".weight", w), init(name + ".bias", b)}, name);
        attr(n, "transB", int64_t(1));
        return n->output(0);
    }

    std::string flatten(const std::string &x)
    {
        auto *n = node("Flatten", {x}, "flatten");
        attr(n, "axis", int64_t(1));
        return n->output(0);
    }

    std::string gemm(const std::string &x, const torch::nn::LinearImpl &l, const std::string &name)
    {
        // OpenCV 4.6 wants Gemm's C: a Linear without bias gets a zero one.
        const auto bias = l.bias.defined() ? l.bias : torch::zeros({l.weight.size(0)});
        auto *n = node("Gemm", {x, init(name + ".weight", l.weight), init(name + ".bias", bias)}, name);
        attr(n, "transB", int64_t(1));
        return n->output(0);
    }

    void rename(const std::string &from, const std::string &to)
    {
        for (auto &n : *m_g->mutable_node())
            for (auto &o : *n.mutable_output())
                if (o == from)
                    o = to;
    }

private:
    onnx::GraphProto *m_g;
    int m_count = 0;
};

std::string buildIResNet(GraphBuilder &g, const IResNetImpl &net, const std::string &input)
{
    auto x = g.conv(input, *net.conv1, "conv1");
    x = g.bn(x, *net.bn1, "bn1");
    x = g.prelu(x, *net.prelu, "prelu");
    for (size_t l = 0; l < net.layers.size(); ++l) {
        for (size_t b = 0; b < net.layers[l].size(); ++b) {
            const auto &blk = *net.layers[l][b];
            const std::string p = "layer" + std::to_string(l + 1) + "." + std::to_string(b) + ".";
            auto y = g.bn(x, *blk.bn1, p + "bn1");
            y = g.conv(y, *blk.conv1, p + "conv1");
            y = g.bn(y, *blk.bn2, p + "bn2");
            y = g.prelu(y, *blk.prelu, p + "prelu");
            y = g.conv(y, *blk.conv2, p + "conv2");
            y = g.bn(y, *blk.bn3, p + "bn3");
            auto identity = x;
            if (blk.downConv) {
                identity = g.conv(x, *blk.downConv, p + "downsample.0");
                identity = g.bn(identity, *blk.downBn, p + "downsample.1");
            }
            x = g.add(y, identity, p + "add");
        }
    }
    x = g.bn(x, *net.bn2, "bn2");
    x = g.flatten(x);
    x = g.gemm(x, *net.fc, "fc");
    return g.bn(x, *net.features, "features");
}

std::string buildMobileFaceNet(GraphBuilder &g, const MobileFaceNetImpl &net, const std::string &input)
{
    auto unit = [&](const std::string &x, const MbfConvUnitImpl &u, const std::string &name) {
        auto y = g.conv(x, *u.conv, name + ".layers.0");
        y = g.bn(y, *u.bn, name + ".layers.1");
        return u.prelu ? g.prelu(y, *u.prelu, name + ".layers.2") : y;
    };
    std::string x = input;
    for (const auto &b : net.blocks) {
        std::string y = x;
        for (size_t i = 0; i < b.units.size(); ++i)
            y = unit(y, *b.units[i], b.units.size() == 1 ? b.name : b.name + ".layers." + std::to_string(i));
        x = b.residual ? g.add(x, y, b.name + ".add") : y;
    }
    x = unit(x, *net.gdcConv, "features.layers.0");
    x = g.flatten(x);
    x = g.gemm(x, *net.gdcLinear, "features.layers.2");
    return g.bn(x, *net.gdcBn, "features.layers.3");
}

// HerPN in eval mode as its per-channel quadratic, folded in double (HerPNImpl::polynomial) and
// evaluated in Horner form ((w2 x) + w1) x + w0 with [C, 1, 1] constants (OpenCV reads a constant
// Mul as a per-channel Scale and a constant Add as a per-channel bias along axis 4 - 3 = 1).
std::string herpn(GraphBuilder &g, const std::string &x, const pcnn::HerPNImpl &h, const std::string &name)
{
    torch::Tensor w2, w1, w0;
    h.polynomial(w2, w1, w0);
    auto c = [](const torch::Tensor &t) { return t.reshape({-1, 1, 1}); };
    auto y = g.mul(x, g.init(name + ".w2", c(w2)), name + ".mul_w2");
    y = g.add(y, g.init(name + ".w1", c(w1)), name + ".add_w1");
    y = g.mul(y, x, name + ".mul_x");
    return g.add(y, g.init(name + ".w0", c(w0)), name + ".add_w0");
}

// One 32 x 32 patch backbone -> [B, 256] (PatchBackboneImpl::forward).
std::string buildPatchBackbone(GraphBuilder &g, const pcnn::PatchBackboneImpl &b, const std::string &input,
                               const std::string &base)
{
    auto x = g.conv(input, b.conv, 1, 1, base + ".conv");
    int64_t spatial = 32;
    for (size_t j = 0; j < b.layers.size(); ++j) {
        const auto &l = *b.layers[j];
        const std::string p = base + ".layers." + std::to_string(j);
        const auto h = herpn(g, x, *l.herpn1, p + ".herpn1");
        auto out = g.conv(h, l.conv1, l.stride, 1, p + ".conv1");
        out = herpn(g, out, *l.herpn2, p + ".herpn2");
        out = g.conv(out, l.conv2, 1, 1, p + ".conv2");
        std::string identity = h; // the residual is the herpn1 output, as in CryptoFace
        if (l.shortcutConv.defined()) {
            identity = g.conv(h, l.shortcutConv, l.stride, 0, p + ".shortcut.0");
            identity = g.bn(identity, *l.shortcutBn, p + ".shortcut.1");
        }
        x = g.add(out, identity, p + ".add");
        spatial /= l.stride;
    }
    x = herpn(g, x, *b.poolHerpn, base + ".herpnpool.herpn");
    // adaptive_avg_pool2d(8x8 -> 2x2) is an exact 4 x 4 average; Flatten gives channel * 4 + i * 2 + j.
    if (spatial % 2 != 0)
        throw ModelError("pcnn", "PatchCNN backbone ends at " + std::to_string(spatial) + "x" + std::to_string(spatial) +
                                     ", not divisible into 2x2");
    x = g.averagePool(x, spatial / 2, base + ".pool");
    x = g.flatten(x);
    return g.bn(x, *b.bn, base + ".bn");
}

std::string buildPatchCnn(GraphBuilder &g, const pcnn::PatchCnnImpl &net, const std::string &input)
{
    constexpr int64_t kPatch = 32;
    const int grid = net.patchGrid();
    std::vector<std::string> features;
    for (int r = 0; r < grid; ++r)
        for (int c = 0; c < grid; ++c) {
            const int k = r * grid + c;
            const std::string base = "nets." + std::to_string(k);
            const auto patch = g.slice2d(input, r * kPatch, (r + 1) * kPatch, c * kPatch, (c + 1) * kPatch, base + ".patch");
            features.push_back(buildPatchBackbone(g, *net.nets[size_t(k)], patch, base));
        }
    if (net.fused()) {
        // The installed fused head: sum_i (W'_i f_i + b'/N).
        std::string sum;
        for (int k = 0; k < net.patchCount(); ++k) {
            const auto y = g.gemm(features[size_t(k)], net.fusedWeights()[k], net.fusedBias(),
                                  "fused." + std::to_string(k));
            sum = sum.empty() ? y : g.add(sum, y, "fused.add");
        }
        return sum;
    }
    const auto f = g.concat(features, 1, "features");
    const auto y = g.gemm(f, net.linearWeight, net.linearBias, "linear");
    return g.bn(y, *net.headBn, "bn");
}

void setValueInfo(onnx::ValueInfoProto *v, const std::string &name, const std::vector<int64_t> &dims)
{
    v->set_name(name);
    auto *tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    auto *shape = tt->mutable_shape();
    for (size_t i = 0; i < dims.size(); ++i) {
        auto *d = shape->add_dim();
        if (i == 0)
            d->set_dim_param("N");
        else
            d->set_dim_value(dims[i]);
    }
}

onnx::ModelProto modelProto(const std::string &graphName, const std::string &doc, const std::vector<int64_t> &inputDims,
                            int64_t embeddingDim,
                            const std::function<std::string(GraphBuilder &, const std::string &)> &build)
{
    torch::NoGradGuard noGrad;
    onnx::ModelProto m;
    m.set_ir_version(6);
    m.set_producer_name("FaceLab");
    m.set_producer_version("1");
    m.set_doc_string(doc);
    auto *op = m.add_opset_import();
    op->set_domain("");
    op->set_version(kOpset);
    auto *g = m.mutable_graph();
    g->set_name(graphName);
    GraphBuilder b(g);
    const std::string input = "input";
    const std::string out = build(b, input);
    b.rename(out, "embedding");
    setValueInfo(g->add_input(), input, inputDims);
    setValueInfo(g->add_output(), "embedding", {-1, embeddingDim});
    return m;
}

void writeProto(const onnx::ModelProto &proto, const std::string &path)
{
    std::string bytes;
    if (!proto.SerializeToString(&bytes))
        throw ModelError(path, "cannot serialise the ONNX graph (over 2 GB?)");
    writeFileAtomically(path, bytes);
}

double maxAbs(const torch::Tensor &a, const torch::Tensor &b)
{
    if (a.sizes() != b.sizes())
        return std::numeric_limits<double>::infinity();
    const double d = (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
    return std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
}

} // namespace

onnx::ModelProto nativeOnnxProto(FaceNetImpl &net)
{
    if (auto *p = dynamic_cast<pcnn::PatchCnnImpl *>(&net))
        return patchCnnOnnxProto(*p);
    const auto r = dynamic_cast<IResNetImpl *>(&net);
    const auto f = dynamic_cast<MobileFaceNetImpl *>(&net);
    if (!r && !f)
        throw ModelError(net.family(), "no native ONNX writer for the '" + net.family() + "' family");
    return modelProto(net.family(), net.family() + " network written by FaceLab's native ONNX writer",
                      {-1, 3, net.inputHeight(), net.inputWidth()}, net.embeddingDim(),
                      [&](GraphBuilder &b, const std::string &input) {
                          return r ? buildIResNet(b, *r, input) : buildMobileFaceNet(b, *f, input);
                      });
}

onnx::ModelProto patchCnnOnnxProto(pcnn::PatchCnnImpl &net)
{
    const int s = net.networkInputSize();
    return modelProto("pcnn" + std::to_string(s),
                      "CryptoFace PatchCNN" + std::to_string(s) + " written by FaceLab's native ONNX writer; " +
                          (net.fused() ? "fused per-patch head" : "unfused head (Linear + BatchNorm1d)") +
                          ". The input is the " + std::to_string(s) + "x" + std::to_string(s) +
                          " face (RGB, (x - 127.5) / 127.5): resize 112 -> " + std::to_string(s) +
                          " before (bilinear, antialiased, align_corners=False), it is not in the graph",
                      {-1, 3, s, s}, net.embeddingDim(),
                      [&](GraphBuilder &b, const std::string &input) { return buildPatchCnn(b, net, input); });
}

void exportNativeOnnx(FaceNetImpl &net, const std::string &path) { writeProto(nativeOnnxProto(net), path); }

void exportPatchCnnOnnx(pcnn::PatchCnnImpl &net, const std::string &path) { writeProto(patchCnnOnnxProto(net), path); }

namespace {

// net.forward(input) in eval mode (mode restored), on the network's device and dtype; CPU float out.
torch::Tensor nativeForward(FaceNetImpl &net, const torch::Tensor &input)
{
    torch::NoGradGuard noGrad;
    const bool wasTraining = net.is_training();
    net.eval();
    try {
        auto options = torch::TensorOptions().device(torch::kCPU).dtype(torch::kFloat);
        for (const auto &p : net.parameters()) {
            options = options.device(p.device()).dtype(p.scalar_type());
            break;
        }
        auto ref = net.forward(input.to(options)).to(torch::kCPU, torch::kFloat).contiguous();
        net.train(wasTraining);
        return ref;
    } catch (...) {
        net.train(wasTraining);
        throw;
    }
}

struct RuntimeDiffs
{
    double openCv = std::numeric_limits<double>::quiet_NaN();
    double executor = std::numeric_limits<double>::quiet_NaN();
    bool allRan = true;
    std::string note;
};

// `input` (CPU float) through OpenCV dnn and FaceLab's OnnxGraphModule reading `path`, each compared
// with `ref`. A runtime that cannot read or run the file is noted, not thrown.
RuntimeDiffs compareRuntimes(const std::string &path, const torch::Tensor &input, const torch::Tensor &ref)
{
    torch::NoGradGuard noGrad;
    RuntimeDiffs r;
    std::ostringstream note;
    try {
        cv::dnn::Net cvNet = cv::dnn::readNetFromONNX(path);
        std::vector<int> dims(input.sizes().begin(), input.sizes().end());
        cvNet.setInput(cv::Mat(int(dims.size()), dims.data(), CV_32F, input.data_ptr<float>()).clone(), "input");
        cv::Mat out = cvNet.forward("embedding");
        out = out.isContinuous() ? out : out.clone();
        if (out.type() != CV_32F || int64_t(out.total()) != ref.numel())
            throw ModelError(path, "OpenCV dnn returned " + std::to_string(out.total()) + " values, expected " +
                                       std::to_string(ref.numel()));
        const auto theirs = torch::from_blob(out.ptr<float>(), ref.sizes(), torch::kFloat).clone();
        r.openCv = maxAbs(theirs, ref);
        note << "OpenCV dnn max |diff| " << r.openCv;
    } catch (const cv::Exception &e) {
        r.allRan = false;
        note << "OpenCV dnn could not run it: " << e.err;
    } catch (const std::exception &e) {
        r.allRan = false;
        note << "OpenCV dnn could not run it: " << e.what();
    }
    try {
        OnnxGraphModuleImpl module(path);
        r.executor = maxAbs(module.forward(input).to(torch::kCPU, torch::kFloat), ref);
        note << "; FaceLab executor max |diff| " << r.executor;
    } catch (const std::exception &e) {
        r.allRan = false;
        note << "; FaceLab executor could not run it: " << e.what();
    }
    r.note = note.str();
    return r;
}

} // namespace

CrossCheck checkNativeOnnx(FaceNetImpl &net, const std::string &path, int batch, uint64_t seed)
{
    CrossCheck c;
    c.applicable = true;
    c.runtime = "OpenCV dnn + FaceLab ONNX executor";
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto input = torch::rand({batch, 3, net.inputHeight(), net.inputWidth()}, gen, torch::kFloat) * 2 - 1;
    const auto ref = nativeForward(net, input);
    c.tolerance = 1e-4 * std::max(1.0, ref.abs().max().item<double>());
    const auto r = compareRuntimes(path, input, ref);
    std::ostringstream note;
    note << r.note << " (batch " << batch << ", tolerance " << c.tolerance << ")";
    c.note = note.str();
    if (r.allRan)
        c.maxAbsDiff = std::max(r.openCv, r.executor);
    return c;
}

CrossCheck checkPatchCnnOnnx(pcnn::PatchCnnImpl &net, const std::string &path, int batch, uint64_t seed)
{
    CrossCheck c;
    c.applicable = true;
    c.runtime = "OpenCV dnn";
    const int s = net.networkInputSize();
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    // A seeded random S x S batch in the preprocessed range [-1, 1]: uniform 112 x 112 noise resized
    // to S by the network's own antialiased resize (the inputs the network sees; averages stay in
    // [-1, 1]). Per-pixel uniform noise drawn at S x S is not used: eleven HerPN squarings deep, a
    // random-weight PatchCNN overflows to inf/NaN on it in its native forward already.
    const auto input =
        net.resizeInput(torch::rand({batch, 3, 112, 112}, gen, torch::kFloat) * 2 - 1).contiguous();
    const auto ref = nativeForward(net, input);
    const bool finite = bool(torch::isfinite(ref).all().item<bool>());
    c.tolerance = 1e-5 * std::max(1.0, finite ? ref.abs().max().item<double>() : 1.0);
    std::ostringstream note;
    if (!finite) {
        note << "the native forward is not finite on the check batch: nothing to compare";
    } else {
        const auto r = compareRuntimes(path, input, ref);
        note << r.note << " (maxAbsDiff is the larger; batch " << batch << " of random " << s << "x" << s
             << " inputs in [-1, 1], tolerance " << c.tolerance << ", " << (net.fused() ? "fused" : "unfused")
             << " head)";
        if (r.allRan)
            c.maxAbsDiff = std::max(r.openCv, r.executor);
    }
    note << ". The input is the " << s << "x" << s << " face; resize 112 -> " << s
         << " before (bilinear, antialiased, align_corners=False), as PatchCNN's forward() does for 112x112 faces";
    c.note = note.str();
    return c;
}

CrossCheck exportNativeModel(const FaceModel &model, const std::string &path, const std::string &familyName)
{
    if (!model)
        throw ModelError(path, "no model to export");
    const auto dot = path.rfind('.');
    const std::string suffix = dot == std::string::npos ? std::string() : path.substr(dot);
    if (suffix == ".pth") {
        model.save(path);
        CrossCheck c;
        c.note = "written as a torch.save state_dict; no second runtime reads it here";
        return c;
    }
    if (suffix == ".onnx") {
        exportNativeOnnx(*model.net(), path);
        return checkNativeOnnx(*model.net(), path);
    }
    throw ModelError(path, "a " + familyName + " model exports as .pth or .onnx, not '" + suffix + "'");
}

} // namespace facelab::nn

#include "nn/families/NativeOnnxExport.h"

#include "nn/FaceModel.h"
#include "nn/ModelError.h"
#include "nn/OnnxExport.h"
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxModelFile.h"
#include "nn/families/IResNet.h"
#include "nn/families/MobileFaceNet.h"

#include <opencv2/dnn.hpp>

#include <cmath>
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
    torch::NoGradGuard noGrad;
    onnx::ModelProto m;
    m.set_ir_version(6);
    m.set_producer_name("FaceLab");
    m.set_producer_version("1");
    m.set_doc_string(net.family() + " network written by FaceLab's native ONNX writer");
    auto *op = m.add_opset_import();
    op->set_domain("");
    op->set_version(kOpset);
    auto *g = m.mutable_graph();
    g->set_name(net.family());
    GraphBuilder b(g);
    const std::string input = "input";
    std::string out;
    if (auto *r = dynamic_cast<IResNetImpl *>(&net))
        out = buildIResNet(b, *r, input);
    else if (auto *f = dynamic_cast<MobileFaceNetImpl *>(&net))
        out = buildMobileFaceNet(b, *f, input);
    else
        throw ModelError(net.family(), "no native ONNX writer for the '" + net.family() + "' family");
    b.rename(out, "embedding");
    setValueInfo(g->add_input(), input, {-1, 3, net.inputHeight(), net.inputWidth()});
    setValueInfo(g->add_output(), "embedding", {-1, net.embeddingDim()});
    return m;
}

void exportNativeOnnx(FaceNetImpl &net, const std::string &path)
{
    const onnx::ModelProto proto = nativeOnnxProto(net);
    std::string bytes;
    if (!proto.SerializeToString(&bytes))
        throw ModelError(path, "cannot serialise the ONNX graph (over 2 GB?)");
    writeFileAtomically(path, bytes);
}

CrossCheck checkNativeOnnx(FaceNetImpl &net, const std::string &path, int batch, uint64_t seed)
{
    CrossCheck c;
    c.applicable = true;
    c.runtime = "OpenCV dnn + FaceLab ONNX executor";
    torch::NoGradGuard noGrad;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto input = torch::rand({batch, 3, net.inputHeight(), net.inputWidth()}, gen, torch::kFloat) * 2 - 1;

    const bool wasTraining = net.is_training();
    net.eval();
    torch::Tensor ref;
    try {
        auto device = torch::kCPU;
        for (const auto &p : net.parameters()) {
            device = p.device().type();
            break;
        }
        ref = net.forward(input.to(device)).to(torch::kCPU, torch::kFloat).contiguous();
    } catch (...) {
        net.train(wasTraining);
        throw;
    }
    net.train(wasTraining);
    c.tolerance = 1e-4 * std::max(1.0, ref.abs().max().item<double>());

    std::ostringstream note;
    double worst = 0.0;
    bool allRan = true;
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
        const double d = maxAbs(theirs, ref);
        worst = std::max(worst, d);
        note << "OpenCV dnn max |diff| " << d;
    } catch (const cv::Exception &e) {
        allRan = false;
        note << "OpenCV dnn could not run it: " << e.err;
    } catch (const std::exception &e) {
        allRan = false;
        note << "OpenCV dnn could not run it: " << e.what();
    }
    try {
        OnnxGraphModuleImpl module(path);
        const double d = maxAbs(module.forward(input).to(torch::kCPU, torch::kFloat), ref);
        worst = std::max(worst, d);
        note << "; FaceLab executor max |diff| " << d;
    } catch (const std::exception &e) {
        allRan = false;
        note << "; FaceLab executor could not run it: " << e.what();
    }
    note << " (batch " << batch << ", tolerance " << c.tolerance << ")";
    c.note = note.str();
    if (allRan)
        c.maxAbsDiff = worst;
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

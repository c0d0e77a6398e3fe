#pragma once
// Test support for core/nn: small ONNX graphs built as protobuf messages, runners for the LibTorch
// module and for OpenCV dnn, and naive (loop) reference implementations written from the ONNX spec.
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxModelFile.h"

#include <onnx/onnx_pb.h>
#include <opencv2/dnn.hpp>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

namespace facelab::nntest {

using onnx::TensorProto;

// Writes through the typed fields (float_data / int64_data) or raw_data, so both readers get used.
inline void fillTensorProto(TensorProto &p, const std::string &name, const torch::Tensor &value, bool raw)
{
    const auto t = value.contiguous();
    p.set_name(name);
    for (auto d : t.sizes())
        p.add_dims(d);
    if (t.scalar_type() == torch::kFloat) {
        p.set_data_type(TensorProto::FLOAT);
        if (raw)
            p.set_raw_data(std::string(static_cast<const char *>(t.data_ptr()), size_t(t.numel()) * 4));
        else
            for (int64_t i = 0; i < t.numel(); ++i)
                p.add_float_data(t.data_ptr<float>()[i]);
    } else if (t.scalar_type() == torch::kLong) {
        p.set_data_type(TensorProto::INT64);
        if (raw)
            p.set_raw_data(std::string(static_cast<const char *>(t.data_ptr()), size_t(t.numel()) * 8));
        else
            for (int64_t i = 0; i < t.numel(); ++i)
                p.add_int64_data(t.data_ptr<int64_t>()[i]);
    } else {
        throw std::invalid_argument("test tensors are float or int64");
    }
}

class NodeRef
{
public:
    explicit NodeRef(onnx::NodeProto *n) : m_n(n) {}
    NodeRef &i(const std::string &name, int64_t v)
    {
        auto *a = add(name, onnx::AttributeProto::INT);
        a->set_i(v);
        return *this;
    }
    NodeRef &f(const std::string &name, float v)
    {
        auto *a = add(name, onnx::AttributeProto::FLOAT);
        a->set_f(v);
        return *this;
    }
    NodeRef &s(const std::string &name, const std::string &v)
    {
        auto *a = add(name, onnx::AttributeProto::STRING);
        a->set_s(v);
        return *this;
    }
    NodeRef &ints(const std::string &name, const std::vector<int64_t> &v)
    {
        auto *a = add(name, onnx::AttributeProto::INTS);
        for (auto x : v)
            a->add_ints(x);
        return *this;
    }
    NodeRef &floats(const std::string &name, const std::vector<float> &v)
    {
        auto *a = add(name, onnx::AttributeProto::FLOATS);
        for (auto x : v)
            a->add_floats(x);
        return *this;
    }
    NodeRef &t(const std::string &name, const torch::Tensor &v)
    {
        auto *a = add(name, onnx::AttributeProto::TENSOR);
        fillTensorProto(*a->mutable_t(), "", v, true);
        return *this;
    }

private:
    onnx::AttributeProto *add(const std::string &name, onnx::AttributeProto::AttributeType type)
    {
        auto *a = m_n->add_attribute();
        a->set_name(name);
        a->set_type(type);
        return a;
    }
    onnx::NodeProto *m_n;
};

class GraphBuilder
{
public:
    explicit GraphBuilder(int64_t opset)
    {
        m_model.set_ir_version(opset >= 15 ? 8 : opset >= 9 ? 7 : 3);
        m_model.set_producer_name("facelab-tests");
        auto *imp = m_model.add_opset_import();
        imp->set_domain("");
        imp->set_version(opset);
        m_model.mutable_graph()->set_name("test");
    }
    GraphBuilder &input(const std::string &name, const std::vector<int64_t> &shape, int32_t type = TensorProto::FLOAT)
    {
        setValueInfo(m_model.mutable_graph()->add_input(), name, shape, type);
        return *this;
    }
    GraphBuilder &output(const std::string &name, const std::vector<int64_t> &shape = {}, int32_t type = TensorProto::FLOAT)
    {
        setValueInfo(m_model.mutable_graph()->add_output(), name, shape, type);
        return *this;
    }
    GraphBuilder &initializer(const std::string &name, const torch::Tensor &value, bool raw = false)
    {
        fillTensorProto(*m_model.mutable_graph()->add_initializer(), name, value, raw);
        return *this;
    }
    NodeRef node(const std::string &op, const std::vector<std::string> &inputs, const std::vector<std::string> &outputs)
    {
        auto *n = m_model.mutable_graph()->add_node();
        n->set_op_type(op);
        n->set_name(op + "_" + std::to_string(m_model.graph().node_size()));
        for (const auto &s : inputs)
            n->add_input(s);
        for (const auto &s : outputs)
            n->add_output(s);
        return NodeRef(n);
    }
    const onnx::ModelProto &proto() const { return m_model; }
    onnx::ModelProto &mutableProto() { return m_model; }
    std::string bytes() const
    {
        std::string s;
        m_model.SerializeToString(&s);
        return s;
    }

private:
    static void setValueInfo(onnx::ValueInfoProto *v, const std::string &name, const std::vector<int64_t> &shape, int32_t type)
    {
        v->set_name(name);
        auto *tt = v->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(type);
        auto *sh = tt->mutable_shape();
        for (auto d : shape) {
            auto *dim = sh->add_dim();
            if (d >= 0)
                dim->set_dim_value(d);
            else
                dim->set_dim_param("N");
        }
    }
    onnx::ModelProto m_model;
};

inline std::vector<torch::Tensor> runTorch(const GraphBuilder &g, const std::vector<torch::Tensor> &inputs)
{
    nn::OnnxGraphModule m(nn::OnnxModelFile::fromProto(g.proto(), "test-graph"));
    torch::NoGradGuard noGrad;
    return m->forwardAll(inputs);
}

// OpenCV dnn on the same bytes; outputs come back as float tensors with OpenCV's shapes.
inline std::vector<torch::Tensor> runOpenCv(const GraphBuilder &g, const std::vector<torch::Tensor> &inputs)
{
    const std::string bytes = g.bytes();
    cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
    const auto &gr = g.proto().graph();
    std::vector<std::string> names;
    for (const auto &o : gr.output())
        names.push_back(o.name());
    int k = 0;
    for (const auto &in : gr.input()) {
        auto t = inputs.at(size_t(k++)).to(torch::kFloat).contiguous();
        std::vector<int> dims(t.sizes().begin(), t.sizes().end());
        net.setInput(cv::Mat(int(dims.size()), dims.data(), CV_32F, t.data_ptr<float>()).clone(), in.name());
    }
    std::vector<cv::Mat> outs;
    net.forward(outs, names);
    std::vector<torch::Tensor> result;
    for (auto &m : outs) {
        cv::Mat c = m.isContinuous() ? m : m.clone();
        std::vector<int64_t> dims(c.size.p, c.size.p + c.dims);
        result.push_back(torch::from_blob(c.ptr<float>(), dims, torch::kFloat).clone());
    }
    return result;
}

inline double maxDiff(const torch::Tensor &a, const torch::Tensor &b)
{
    if (a.numel() != b.numel())
        return std::numeric_limits<double>::infinity();
    if (a.numel() == 0)
        return 0.0;
    return (a.detach().to(torch::kDouble).reshape(-1) - b.detach().to(torch::kDouble).reshape(-1)).abs().max().item<double>();
}

// ---- naive references, written from the ONNX operator definitions (double precision loops) ----

// 2-D convolution, NCHW, explicit begin/end pads.
inline torch::Tensor naiveConv2d(const torch::Tensor &xIn, const torch::Tensor &wIn, const torch::Tensor &bIn,
                                 std::vector<int64_t> s, std::vector<int64_t> pb, std::vector<int64_t> pe,
                                 std::vector<int64_t> d, int64_t group)
{
    auto x = xIn.to(torch::kDouble).contiguous(), w = wIn.to(torch::kDouble).contiguous();
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const int64_t M = w.size(0), Cg = w.size(1), KH = w.size(2), KW = w.size(3);
    const int64_t OH = (H + pb[0] + pe[0] - ((KH - 1) * d[0] + 1)) / s[0] + 1;
    const int64_t OW = (W + pb[1] + pe[1] - ((KW - 1) * d[1] + 1)) / s[1] + 1;
    auto y = torch::zeros({N, M, OH, OW}, torch::kDouble);
    auto X = x.accessor<double, 4>();
    auto Wt = w.accessor<double, 4>();
    auto Y = y.accessor<double, 4>();
    const int64_t Mg = M / group;
    for (int64_t n = 0; n < N; ++n)
        for (int64_t m = 0; m < M; ++m) {
            const int64_t g = m / Mg;
            const double bias = bIn.defined() ? bIn[m].item<double>() : 0.0;
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    double acc = bias;
                    for (int64_t c = 0; c < Cg; ++c)
                        for (int64_t kh = 0; kh < KH; ++kh)
                            for (int64_t kw = 0; kw < KW; ++kw) {
                                const int64_t ih = oh * s[0] - pb[0] + kh * d[0], iw = ow * s[1] - pb[1] + kw * d[1];
                                if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                                    acc += X[n][g * Cg + c][ih][iw] * Wt[m][c][kh][kw];
                            }
                    Y[n][m][oh][ow] = acc;
                }
        }
    (void)C;
    return y;
}

// 2-D max/average pooling as ONNX defines it: pads are virtual (-inf or, for averaging, counted
// only with count_include_pad), ceil_mode windows past the padded end are clipped and not counted.
inline torch::Tensor naivePool2d(const torch::Tensor &xIn, bool isMax, std::vector<int64_t> k, std::vector<int64_t> s,
                                 std::vector<int64_t> pb, std::vector<int64_t> pe, std::vector<int64_t> d, bool ceil,
                                 bool countPad)
{
    auto x = xIn.to(torch::kDouble).contiguous();
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    auto outSize = [&](int64_t in, int i) {
        const double v = double(in + pb[i] + pe[i] - ((k[i] - 1) * d[i] + 1)) / double(s[i]);
        return int64_t(ceil ? std::ceil(v) : std::floor(v)) + 1;
    };
    const int64_t OH = outSize(H, 0), OW = outSize(W, 1);
    auto y = torch::zeros({N, C, OH, OW}, torch::kDouble);
    auto X = x.accessor<double, 4>();
    auto Y = y.accessor<double, 4>();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    double best = -INFINITY, sum = 0;
                    int64_t count = 0;
                    for (int64_t kh = 0; kh < k[0]; ++kh)
                        for (int64_t kw = 0; kw < k[1]; ++kw) {
                            const int64_t ih = oh * s[0] - pb[0] + kh * d[0], iw = ow * s[1] - pb[1] + kw * d[1];
                            const bool inPadded = ih < H + pe[0] && iw < W + pe[1];
                            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                                best = std::max(best, X[n][c][ih][iw]);
                                sum += X[n][c][ih][iw];
                                ++count;
                            } else if (countPad && inPadded) {
                                ++count; // a pad pixel (value 0) that counts
                            }
                        }
                    Y[n][c][oh][ow] = isMax ? best : sum / double(count);
                }
    return y;
}

inline torch::Tensor naiveGemm(const torch::Tensor &A, const torch::Tensor &B, const torch::Tensor &C, bool tA, bool tB,
                               double alpha, double beta)
{
    auto a = (tA ? A.t() : A).to(torch::kDouble).contiguous();
    auto b = (tB ? B.t() : B).to(torch::kDouble).contiguous();
    const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
    auto y = torch::zeros({M, N}, torch::kDouble);
    auto Cb = C.defined() ? C.to(torch::kDouble).expand({M, N}).contiguous() : torch::zeros({M, N}, torch::kDouble);
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double acc = 0;
            for (int64_t q = 0; q < K; ++q)
                acc += a[i][q].item<double>() * b[q][j].item<double>();
            y[i][j] = alpha * acc + beta * Cb[i][j].item<double>();
        }
    return y;
}

} // namespace facelab::nntest

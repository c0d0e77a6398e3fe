// Every operator the ONNX executor supports, run through OnnxGraphModule on small graphs built
// here, against naive loop references written from the ONNX definitions and, where OpenCV dnn
// supports the case, against OpenCV dnn reading the same bytes. Opset variants included.
#include "OnnxTestGraph.h"

#include "nn/ChannelPrelu.h"
#include "nn/FlopCount.h"
#include "nn/ModelError.h"
#include "nn/OnnxOps.h"

#include <QtTest>

#include <set>

using namespace facelab::nn;
using namespace facelab::nntest;

namespace {

const double kTol = 1e-4;

torch::Tensor randn(std::vector<int64_t> shape) { return torch::randn(shape); }

// Element-wise reference over a broadcast pair, in double.
template <typename F>
torch::Tensor elementwise(const torch::Tensor &a, const torch::Tensor &b, F f)
{
    const std::vector<int64_t> shape = at::infer_size(a.sizes(), b.sizes());
    auto A = a.to(torch::kDouble).expand(shape).contiguous().reshape(-1);
    auto B = b.to(torch::kDouble).expand(shape).contiguous().reshape(-1);
    auto y = torch::empty({A.numel()}, torch::kDouble);
    for (int64_t i = 0; i < A.numel(); ++i)
        y[i] = f(A[i].item<double>(), B[i].item<double>());
    return y.reshape(shape);
}

template <typename F>
torch::Tensor map(const torch::Tensor &a, F f)
{
    auto A = a.to(torch::kDouble).contiguous();
    auto y = torch::empty_like(A);
    auto pa = A.data_ptr<double>();
    auto py = y.data_ptr<double>();
    for (int64_t i = 0; i < A.numel(); ++i)
        py[i] = f(pa[i]);
    return y;
}

torch::Tensor longs(std::vector<int64_t> v) { return torch::tensor(v, torch::kLong); }
torch::Tensor floats(std::vector<float> v, std::vector<int64_t> shape)
{
    return torch::tensor(v, torch::kFloat).reshape(shape);
}

#define CHECK_CLOSE(a, b, tol)                                                                                         \
    do {                                                                                                               \
        const auto _a = (a);                                                                                           \
        const auto _b = (b);                                                                                           \
        QCOMPARE(_a.numel(), _b.numel());                                                                              \
        const double _d = maxDiff(_a, _b);                                                                             \
        QVERIFY2(_d <= (tol), qPrintable(QString("max diff %1").arg(_d)));                                             \
    } while (0)

#define CHECK_SHAPE(t, ...) QCOMPARE((t).sizes().vec(), (std::vector<int64_t>{__VA_ARGS__}))

} // namespace

class OpsTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { torch::manual_seed(1); }

    void everySupportedOperatorIsTested()
    {
        // Adding an operator to the registry without a test here makes this fail.
        const std::set<std::string> tested = {
            "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "ConstantOfShape", "Conv", "Div",
            "Dropout", "Exp", "Flatten", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Identity",
            "LeakyRelu", "MatMul", "MaxPool", "Mul", "Pad", "Pow", "PRelu", "ReduceMean", "Relu", "Reshape",
            "Shape", "Sigmoid", "Slice", "Softmax", "Sqrt", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze"};
        const auto &ops = supportedOnnxOps();
        QCOMPARE(std::set<std::string>(ops.begin(), ops.end()), tested);
        // The list of operators needed by fr_feature.onnx and InsightFace exports.
        for (const char *op : {"Conv", "BatchNormalization", "PRelu", "Relu", "Clip", "Add", "Sub", "Mul", "Div", "Gemm",
                               "MatMul", "Flatten", "Reshape", "Transpose", "GlobalAveragePool", "AveragePool",
                               "MaxPool", "Concat", "Identity", "Dropout", "Constant", "Shape", "Gather", "Unsqueeze",
                               "Squeeze", "Pad", "Sigmoid", "ReduceMean", "Sqrt", "Pow"})
            QVERIFY2(isSupportedOnnxOp(op), op);
    }

    // ---- Conv ----
    void conv_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<QVector<qint64>>("xShape");  // N C H W (H = 1 and oneD for Conv1d)
        QTest::addColumn<QVector<qint64>>("wShape");  // M C/g KH KW
        QTest::addColumn<int>("group");
        QTest::addColumn<QVector<qint64>>("strides");
        QTest::addColumn<QVector<qint64>>("pads");    // ONNX order: begins then ends ([] = none)
        QTest::addColumn<QVector<qint64>>("dil");
        QTest::addColumn<QString>("autoPad");
        QTest::addColumn<QVector<qint64>>("refPads"); // begins then ends the reference uses
        QTest::addColumn<bool>("bias");
        QTest::addColumn<bool>("oneD");
        QTest::addColumn<bool>("opencv");
        using V = QVector<qint64>;
        QTest::newRow("3x3 pad 1") << 9 << V{2, 3, 7, 6} << V{4, 3, 3, 3} << 1 << V{1, 1} << V{1, 1, 1, 1} << V{1, 1} << ""
                                   << V{1, 1, 1, 1} << true << false << true;
        QTest::newRow("groups 2, stride 2") << 11 << V{1, 4, 8, 8} << V{6, 2, 3, 3} << 2 << V{2, 2} << V{1, 1, 1, 1}
                                            << V{1, 1} << "" << V{1, 1, 1, 1} << true << false << true;
        QTest::newRow("depthwise") << 9 << V{2, 5, 6, 6} << V{5, 1, 3, 3} << 5 << V{1, 1} << V{1, 1, 1, 1} << V{1, 1}
                                   << "" << V{1, 1, 1, 1} << true << false << true;
        QTest::newRow("asymmetric pads") << 13 << V{1, 2, 5, 6} << V{3, 2, 3, 3} << 1 << V{1, 1} << V{0, 1, 2, 1}
                                         << V{1, 1} << "" << V{0, 1, 2, 1} << true << false << true;
        QTest::newRow("dilation 2, no bias") << 9 << V{1, 2, 9, 9} << V{3, 2, 3, 3} << 1 << V{1, 1} << V{2, 2, 2, 2}
                                             << V{2, 2} << "" << V{2, 2, 2, 2} << false << false << true;
        QTest::newRow("1x1, no pads attr") << 9 << V{2, 8, 4, 4} << V{16, 8, 1, 1} << 1 << V{} << V{} << V{} << ""
                                           << V{0, 0, 0, 0} << true << false << true;
        // 6x6, k3, s2: out 3, total pad 1 -> SAME_UPPER puts it at the end, SAME_LOWER at the start.
        QTest::newRow("SAME_UPPER") << 9 << V{1, 2, 6, 6} << V{3, 2, 3, 3} << 1 << V{2, 2} << V{} << V{1, 1}
                                    << "SAME_UPPER" << V{0, 0, 1, 1} << true << false << false;
        QTest::newRow("SAME_LOWER") << 11 << V{1, 2, 6, 6} << V{3, 2, 3, 3} << 1 << V{2, 2} << V{} << V{1, 1}
                                    << "SAME_LOWER" << V{1, 1, 0, 0} << true << false << false;
        QTest::newRow("VALID") << 9 << V{1, 2, 6, 5} << V{3, 2, 3, 3} << 1 << V{1, 1} << V{} << V{1, 1} << "VALID"
                               << V{0, 0, 0, 0} << true << false << false;
        QTest::newRow("Conv1d") << 9 << V{2, 3, 1, 10} << V{4, 3, 1, 3} << 1 << V{2} << V{1, 2} << V{1} << ""
                                << V{0, 1, 0, 2} << true << true << false;
    }
    void conv()
    {
        QFETCH(int, opset);
        QFETCH(QVector<qint64>, xShape);
        QFETCH(QVector<qint64>, wShape);
        QFETCH(int, group);
        QFETCH(QVector<qint64>, strides);
        QFETCH(QVector<qint64>, pads);
        QFETCH(QVector<qint64>, dil);
        QFETCH(QString, autoPad);
        QFETCH(QVector<qint64>, refPads);
        QFETCH(bool, bias);
        QFETCH(bool, oneD);
        QFETCH(bool, opencv);
        auto vec = [](const QVector<qint64> &v) { return std::vector<int64_t>(v.begin(), v.end()); };
        auto x = randn(vec(xShape)), w = randn(vec(wShape)), b = randn({wShape[0]});
        auto xIn = oneD ? x.squeeze(2) : x, wIn = oneD ? w.squeeze(2) : w;
        GraphBuilder g(opset);
        g.input("x", xIn.sizes().vec()).output("y").initializer("w", wIn).initializer("b", b, true);
        auto n = g.node("Conv", bias ? std::vector<std::string>{"x", "w", "b"} : std::vector<std::string>{"x", "w"}, {"y"});
        n.i("group", group);
        if (!strides.isEmpty()) n.ints("strides", vec(strides));
        if (!pads.isEmpty()) n.ints("pads", vec(pads));
        if (!dil.isEmpty()) n.ints("dilations", vec(dil));
        if (!autoPad.isEmpty()) n.s("auto_pad", autoPad.toStdString());
        n.ints("kernel_shape", std::vector<int64_t>(wIn.sizes().begin() + 2, wIn.sizes().end()));

        auto s = vec(strides), d = vec(dil), rp = vec(refPads);
        if (s.empty()) s = {1, 1};
        if (d.empty()) d = {1, 1};
        if (oneD) { s = {1, s[0]}; d = {1, d[0]}; }
        auto ref = naiveConv2d(x, w, bias ? b : torch::Tensor(), s, {rp[0], rp[1]}, {rp[2], rp[3]}, d, group);
        auto y = runTorch(g, {xIn})[0];
        CHECK_CLOSE(y, ref, kTol);
        QCOMPARE(y.dim(), xIn.dim());
        if (opencv)
            CHECK_CLOSE(y, runOpenCv(g, {xIn})[0], kTol);
    }

    // ---- BatchNormalization ----
    void batchNorm_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<int>("rank");
        QTest::newRow("opset 9, NCHW") << 9 << 4;
        QTest::newRow("opset 15, NCHW") << 15 << 4;
        QTest::newRow("opset 9, N x C (after Gemm)") << 9 << 2;
    }
    void batchNorm()
    {
        QFETCH(int, opset);
        QFETCH(int, rank);
        const int64_t C = 3;
        auto x = rank == 4 ? randn({2, C, 4, 5}) : randn({4, C});
        auto scale = randn({C}), bias = randn({C}), mean = randn({C}), var = torch::rand({C}) + 0.5;
        const float eps = 1e-3f;
        GraphBuilder g(opset);
        g.input("x", x.sizes().vec()).output("y");
        g.initializer("s", scale).initializer("b", bias).initializer("m", mean).initializer("v", var);
        g.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"}).f("epsilon", eps);
        auto xd = x.to(torch::kDouble).contiguous();
        auto ref = torch::empty_like(xd);
        const int64_t inner = x.numel() / (x.size(0) * C);
        for (int64_t i = 0; i < x.numel(); ++i) {
            const int64_t c = (i / inner) % C;
            ref.view(-1)[i] = (xd.view(-1)[i].item<double>() - mean[c].item<double>()) /
                                  std::sqrt(var[c].item<double>() + double(eps)) * scale[c].item<double>() +
                              bias[c].item<double>();
        }
        auto y = runTorch(g, {x})[0];
        CHECK_CLOSE(y, ref, kTol);
        if (rank == 4)
            CHECK_CLOSE(y, runOpenCv(g, {x})[0], kTol);
    }

    // ---- PRelu ----
    void prelu_data()
    {
        QTest::addColumn<QVector<qint64>>("xShape");
        QTest::addColumn<QVector<qint64>>("slopeShape");
        QTest::addColumn<bool>("opencv");
        using V = QVector<qint64>;
        QTest::newRow("per channel (C,1,1)") << V{2, 3, 4, 5} << V{3, 1, 1} << true;
        QTest::newRow("single slope [1]") << V{2, 3, 4, 5} << V{1} << false;
        QTest::newRow("full (C,H,W)") << V{2, 3, 4, 5} << V{3, 4, 5} << false;
        QTest::newRow("last dim (W)") << V{2, 3, 4, 5} << V{5} << false;
        // numpy broadcasting aligns a (3) slope with W, not with the 3 channels
        QTest::newRow("last dim (W) of the channel count") << V{2, 3, 4, 3} << V{3} << false;
    }
    void prelu()
    {
        QFETCH(QVector<qint64>, xShape);
        QFETCH(QVector<qint64>, slopeShape);
        QFETCH(bool, opencv);
        const std::vector<int64_t> xs(xShape.begin(), xShape.end());
        auto x = randn(xs);
        auto slope = torch::rand(std::vector<int64_t>(slopeShape.begin(), slopeShape.end()));
        GraphBuilder g(9);
        g.input("x", xs).output("y").initializer("slope", slope);
        g.node("PRelu", {"x", "slope"}, {"y"});
        auto ref = elementwise(x, slope, [](double v, double s) { return v >= 0 ? v : v * s; });
        auto y = runTorch(g, {x})[0];
        CHECK_CLOSE(y, ref, kTol);
        if (opencv)
            CHECK_CLOSE(y, runOpenCv(g, {x})[0], kTol);
    }

    // channelPrelu (the per-channel PRelu kernel) against torch::prelu in double: forward, both
    // gradients, and the second derivative, for each memory layout it handles itself and one it
    // hands to torch (strided). Large shapes split the slope sums across threads.
    void channelPreluGradients_data()
    {
        QTest::addColumn<QVector<qint64>>("xShape");
        QTest::addColumn<int>("layout"); // 0 NCHW, 1 channels-last, 2 strided view
        using V = QVector<qint64>;
        QTest::newRow("NCHW small") << V{2, 3, 4, 5} << 0;
        QTest::newRow("channels-last small") << V{2, 3, 4, 5} << 1;
        QTest::newRow("NCHW large") << V{4, 64, 30, 30} << 0;
        QTest::newRow("channels-last large") << V{4, 64, 30, 30} << 1;
        QTest::newRow("channels-last 1x1") << V{8, 512, 1, 1} << 1;
        QTest::newRow("2-D (N,C)") << V{9, 16} << 0;
        QTest::newRow("3-D (N,C,L)") << V{3, 5, 70} << 0;
        QTest::newRow("strided view") << V{2, 6, 5, 4} << 2;
    }
    void channelPreluGradients()
    {
        QFETCH(QVector<qint64>, xShape);
        QFETCH(int, layout);
        const std::vector<int64_t> xs(xShape.begin(), xShape.end());
        torch::Tensor x0 = randn(xs);
        x0.view(-1).slice(0, 0, 7).zero_(); // x == 0 takes the slope side, as in torch
        if (layout == 1)
            x0 = x0.contiguous(torch::MemoryFormat::ChannelsLast);
        if (layout == 2)
            x0 = randn({xs[0], xs[1], xs[2] * 2, xs[3]}).slice(2, 0, xs[2] * 2, 2);
        const int64_t c = xs[1];
        const torch::Tensor slope0 = torch::rand({c, 1, 1}) - 0.3;
        const torch::Tensor gy = randn(xs);

        auto x = x0.clone().requires_grad_(true), slope = slope0.clone().requires_grad_(true);
        auto xd = x0.to(torch::kDouble).requires_grad_(true), sd = slope0.to(torch::kDouble).requires_grad_(true);
        const torch::Tensor y = channelPrelu(x, slope);
        const torch::Tensor yd = torch::prelu(xd, sd.reshape({-1}));
        CHECK_CLOSE(y, yd, kTol);
        if (layout != 2) // dense: the output keeps the input's layout
            QCOMPARE(y.strides(), x0.strides());
        (y * gy).sum().backward();
        (yd * gy.to(torch::kDouble)).sum().backward();
        CHECK_CLOSE(x.grad(), xd.grad(), kTol);
        QCOMPARE(slope.grad().sizes(), slope0.sizes());
        const double scale = std::max(1.0, sd.grad().abs().max().item<double>());
        CHECK_CLOSE(slope.grad(), sd.grad(), kTol * scale);

        // create_graph: d/dx of sum(grad_x^2) exists only through the slope side.
        auto x2 = x0.clone().requires_grad_(true), s2 = slope0.clone().requires_grad_(true);
        auto xd2 = x0.to(torch::kDouble).requires_grad_(true), sd2 = slope0.to(torch::kDouble).requires_grad_(true);
        const auto g1 = torch::autograd::grad({(channelPrelu(x2, s2) * gy).sum()}, {x2, s2}, {}, true, true);
        const auto gd1 = torch::autograd::grad({(torch::prelu(xd2, sd2.reshape({-1})) * gy.to(torch::kDouble)).sum()},
                                               {xd2, sd2}, {}, true, true);
        const auto g2 = torch::autograd::grad({g1[0].pow(2).sum() + g1[1].sum()}, {s2});
        const auto gd2 = torch::autograd::grad({gd1[0].pow(2).sum() + gd1[1].sum()}, {sd2});
        CHECK_CLOSE(g2[0], gd2[0], kTol * std::max(1.0, gd2[0].abs().max().item<double>()));

        // Inference (no autograd) gives the same values.
        torch::NoGradGuard noGrad;
        CHECK_CLOSE(channelPrelu(x0, slope0), yd, kTol);
    }

    // ---- unary operators ----
    void unary_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<bool>("opencv");
        for (const char *op : {"Relu", "Sigmoid", "Tanh", "LeakyRelu"})
            QTest::newRow(op) << op << true;
        for (const char *op : {"Sqrt", "Exp", "Identity"})
            QTest::newRow(op) << op << false;
    }
    void unary()
    {
        QFETCH(QString, op);
        QFETCH(bool, opencv);
        auto x = randn({2, 3, 4, 4});
        if (op == "Sqrt")
            x = x.abs();
        GraphBuilder g(11);
        g.input("x", {2, 3, 4, 4}).output("y");
        auto n = g.node(op.toStdString(), {"x"}, {"y"});
        if (op == "LeakyRelu")
            n.f("alpha", 0.2f);
        std::function<double(double)> f;
        if (op == "Relu") f = [](double v) { return v > 0 ? v : 0; };
        if (op == "Sigmoid") f = [](double v) { return 1 / (1 + std::exp(-v)); };
        if (op == "Tanh") f = [](double v) { return std::tanh(v); };
        if (op == "LeakyRelu") f = [](double v) { return v >= 0 ? v : 0.2 * v; };
        if (op == "Sqrt") f = [](double v) { return std::sqrt(v); };
        if (op == "Exp") f = [](double v) { return std::exp(v); };
        if (op == "Identity") f = [](double v) { return v; };
        auto y = runTorch(g, {x})[0];
        CHECK_CLOSE(y, map(x, f), kTol);
        if (opencv)
            CHECK_CLOSE(y, runOpenCv(g, {x})[0], kTol);
    }

    // ---- Clip: attributes before opset 11, optional inputs from 11 ----
    void clip_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<QString>("form");
        QTest::addColumn<double>("lo");
        QTest::addColumn<double>("hi");
        const double inf = std::numeric_limits<double>::infinity();
        QTest::newRow("opset 6 min+max attrs") << 6 << "attrs" << -0.5 << 0.5;
        QTest::newRow("opset 6 min attr only") << 6 << "min attr" << -0.2 << inf;
        QTest::newRow("opset 11 min+max inputs") << 11 << "inputs" << -0.5 << 0.5;
        QTest::newRow("opset 13 max input only") << 13 << "max input" << -inf << 0.3;
        QTest::newRow("opset 11 no bounds") << 11 << "none" << -inf << inf;
    }
    void clip()
    {
        QFETCH(int, opset);
        QFETCH(QString, form);
        QFETCH(double, lo);
        QFETCH(double, hi);
        auto x = randn({2, 3, 4});
        GraphBuilder g(opset);
        g.input("x", {2, 3, 4}).output("y");
        if (form == "attrs")
            g.node("Clip", {"x"}, {"y"}).f("min", float(lo)).f("max", float(hi));
        else if (form == "min attr")
            g.node("Clip", {"x"}, {"y"}).f("min", float(lo));
        else if (form == "inputs") {
            g.initializer("lo", torch::tensor(float(lo))).initializer("hi", torch::tensor(float(hi)));
            g.node("Clip", {"x", "lo", "hi"}, {"y"});
        } else if (form == "max input") {
            g.initializer("hi", torch::tensor(float(hi)));
            g.node("Clip", {"x", "", "hi"}, {"y"});
        } else
            g.node("Clip", {"x"}, {"y"});
        auto ref = map(x, [&](double v) { return std::min(std::max(v, double(float(lo))), double(float(hi))); });
        CHECK_CLOSE(runTorch(g, {x})[0], ref, 1e-6);
    }

    // ---- Add / Sub / Mul / Div with numpy broadcasting ----
    void arithmetic_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<QString>("bKind");
        for (const char *op : {"Add", "Sub", "Mul", "Div"})
            for (const char *kind : {"same shape input", "per-channel initializer", "scalar initializer", "last-dim initializer"})
                QTest::newRow(qPrintable(QString("%1, %2").arg(op, kind))) << op << kind;
    }
    void arithmetic()
    {
        QFETCH(QString, op);
        QFETCH(QString, bKind);
        auto a = randn({2, 3, 4, 5});
        torch::Tensor b = bKind == "same shape input" ? randn({2, 3, 4, 5})
                          : bKind == "per-channel initializer" ? randn({3, 1, 1})
                          : bKind == "scalar initializer" ? randn({})
                                                              : randn({5});
        if (op == "Div")
            b = b.sign() * (b.abs() + 0.5); // keep away from 0
        GraphBuilder g(13);
        g.input("a", {2, 3, 4, 5}).output("y");
        if (bKind == "same shape input")
            g.input("b", {2, 3, 4, 5});
        else
            g.initializer("b", b);
        g.node(op.toStdString(), {"a", "b"}, {"y"});
        std::function<double(double, double)> f;
        if (op == "Add") f = [](double x, double y) { return x + y; };
        if (op == "Sub") f = [](double x, double y) { return x - y; };
        if (op == "Mul") f = [](double x, double y) { return x * y; };
        if (op == "Div") f = [](double x, double y) { return x / y; };
        auto y = bKind == "same shape input" ? runTorch(g, {a, b})[0] : runTorch(g, {a})[0];
        CHECK_CLOSE(y, elementwise(a, b, f), kTol);
        if (bKind == "per-channel initializer" && op != "Div")
            CHECK_CLOSE(y, runOpenCv(g, {a})[0], kTol);
    }

    void legacyBroadcastWithAxis()
    {
        // Opset 6: broadcast=1, axis=1 aligns a (C) vector with dim 1 of NCHW (numpy would use W).
        auto a = randn({2, 3, 4, 5}), b = randn({3});
        GraphBuilder g(6);
        g.input("a", {2, 3, 4, 5}).output("y").initializer("b", b);
        g.node("Add", {"a", "b"}, {"y"}).i("broadcast", 1).i("axis", 1);
        auto ref = a.to(torch::kDouble).clone();
        for (int64_t c = 0; c < 3; ++c)
            ref.select(1, c) += b[c].item<double>();
        CHECK_CLOSE(runTorch(g, {a})[0], ref, kTol);
    }

    void integerDivisionTruncates()
    {
        GraphBuilder g(13);
        g.input("a", {4}, TensorProto::INT64).output("y", {4}, TensorProto::INT64).initializer("b", longs({2, 2, -4, 4}));
        g.node("Div", {"a", "b"}, {"y"});
        auto y = runTorch(g, {longs({7, -7, 9, -9})})[0];
        QCOMPARE(y.scalar_type(), torch::kLong);
        QVERIFY(torch::equal(y, longs({3, -3, -2, -2})));
    }

    void pow()
    {
        auto x = torch::rand({2, 3}) + 0.1;
        for (bool scalarExponent : {true, false}) {
            auto e = scalarExponent ? torch::tensor(2.f) : floats({0.5f, 1.f, 3.f}, {3});
            GraphBuilder g(13);
            g.input("x", {2, 3}).output("y").initializer("e", e);
            g.node("Pow", {"x", "e"}, {"y"});
            CHECK_CLOSE(runTorch(g, {x})[0], elementwise(x, e, [](double v, double p) { return std::pow(v, p); }), kTol);
        }
    }

    // ---- Gemm / MatMul ----
    void gemm_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<bool>("transA");
        QTest::addColumn<bool>("transB");
        QTest::addColumn<double>("alpha");
        QTest::addColumn<double>("beta");
        QTest::addColumn<QString>("c");
        QTest::newRow("Linear layer (transB, bias)") << 9 << false << true << 1.0 << 1.0 << "vector";
        QTest::newRow("transA, alpha, beta, matrix C") << 9 << true << false << 0.5 << 2.0 << "matrix";
        QTest::newRow("scalar C") << 11 << false << false << 1.0 << 1.0 << "scalar";
        QTest::newRow("no C (opset 11)") << 11 << false << true << 1.5 << 1.0 << "none";
    }
    void gemm()
    {
        QFETCH(int, opset);
        QFETCH(bool, transA);
        QFETCH(bool, transB);
        QFETCH(double, alpha);
        QFETCH(double, beta);
        QFETCH(QString, c);
        const int64_t M = 3, K = 6, N = 4;
        auto A = transA ? randn({K, M}) : randn({M, K});
        auto B = transB ? randn({N, K}) : randn({K, N});
        torch::Tensor C = c == "vector" ? randn({N}) : c == "matrix" ? randn({M, N}) : c == "scalar" ? randn({1}) : torch::Tensor();
        GraphBuilder g(opset);
        g.input("a", A.sizes().vec()).output("y").initializer("B", B);
        std::vector<std::string> ins{"a", "B"};
        if (C.defined()) {
            g.initializer("C", C);
            ins.push_back("C");
        }
        g.node("Gemm", ins, {"y"}).i("transA", transA).i("transB", transB).f("alpha", float(alpha)).f("beta", float(beta));
        auto y = runTorch(g, {A})[0];
        CHECK_CLOSE(y, naiveGemm(A, B, C, transA, transB, alpha, beta), kTol);
        if (c == "vector")
            CHECK_CLOSE(y, runOpenCv(g, {A})[0], kTol);
    }

    void matmul()
    {
        auto a = randn({2, 3, 4}), b = randn({4, 5});
        GraphBuilder g(13);
        g.input("a", {2, 3, 4}).output("y").initializer("b", b);
        g.node("MatMul", {"a", "b"}, {"y"});
        auto ref = torch::zeros({2, 3, 5}, torch::kDouble);
        for (int64_t n = 0; n < 2; ++n)
            ref[n] = naiveGemm(a[n], b, torch::Tensor(), false, false, 1, 0);
        CHECK_CLOSE(runTorch(g, {a})[0], ref, kTol);
    }

    // ---- shape manipulation ----
    void flatten_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<int>("axis");
        QTest::addColumn<qint64>("rows");
        QTest::newRow("axis 1 (default)") << 9 << 1 << qint64(2);
        QTest::newRow("axis 0") << 9 << 0 << qint64(1);
        QTest::newRow("axis 2") << 9 << 2 << qint64(6);
        QTest::newRow("axis -1 (opset 11)") << 11 << -1 << qint64(24);
    }
    void flatten()
    {
        QFETCH(int, opset);
        QFETCH(int, axis);
        QFETCH(qint64, rows);
        auto x = randn({2, 3, 4, 5});
        GraphBuilder g(opset);
        g.input("x", {-1, 3, 4, 5}).output("y");
        auto n = g.node("Flatten", {"x"}, {"y"});
        if (axis != 1)
            n.i("axis", axis);
        auto y = runTorch(g, {x})[0];
        CHECK_SHAPE(y, rows, 120 / rows);
        CHECK_CLOSE(y, x, 0.0); // row-major order is kept
    }

    void reshape_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<QVector<qint64>>("shape");
        QTest::addColumn<QVector<qint64>>("expected");
        QTest::newRow("opset 5: 0 copies, -1 infers") << 5 << QVector<qint64>{0, -1} << QVector<qint64>{2, 60};
        QTest::newRow("opset 13: -1 in the middle") << 13 << QVector<qint64>{2, -1, 5} << QVector<qint64>{2, 12, 5};
        QTest::newRow("opset 1: shape attribute") << 1 << QVector<qint64>{6, 20} << QVector<qint64>{6, 20};
    }
    void reshape()
    {
        QFETCH(int, opset);
        QFETCH(QVector<qint64>, shape);
        QFETCH(QVector<qint64>, expected);
        auto x = randn({2, 3, 4, 5});
        const std::vector<int64_t> s(shape.begin(), shape.end());
        GraphBuilder g(opset);
        g.input("x", {-1, 3, 4, 5}).output("y");
        if (opset < 5)
            g.node("Reshape", {"x"}, {"y"}).ints("shape", s);
        else {
            g.initializer("s", torch::tensor(s, torch::kLong));
            g.node("Reshape", {"x", "s"}, {"y"});
        }
        auto y = runTorch(g, {x})[0];
        QCOMPARE(y.sizes().vec(), std::vector<int64_t>(expected.begin(), expected.end()));
        CHECK_CLOSE(y, x, 0.0);
    }

    void reshapeBatchRule()
    {
        // Declared batch 1 and a constant [1, -1] (fr_feature.onnx's last node): with 3 samples the
        // executor returns 3 rows, each equal to running that sample alone.
        GraphBuilder g(9);
        g.input("x", {1, 3, 4}).output("y", {1, 12}).initializer("s", longs({1, -1}));
        g.node("Relu", {"x"}, {"r"});
        g.node("Reshape", {"r", "s"}, {"y"});
        auto x = randn({3, 3, 4});
        auto y = runTorch(g, {x})[0];
        CHECK_SHAPE(y, 3, 12);
        for (int64_t i = 0; i < 3; ++i)
            CHECK_CLOSE(y[i], runTorch(g, {x.narrow(0, i, 1)})[0][0], 0.0);

        // With a dynamic batch nothing was baked in: plain ONNX semantics.
        GraphBuilder dyn(9);
        dyn.input("x", {-1, 3, 4}).output("y").initializer("s", longs({1, -1}));
        dyn.node("Reshape", {"x", "s"}, {"y"});
        CHECK_SHAPE(runTorch(dyn, {x})[0], 1, 36);
    }

    void batchMixingIsRefused()
    {
        // Flatten(axis 0) folds the batch into one row: with 3 samples the output no longer leads
        // with the batch, and the module must say so rather than hand back mixed faces.
        GraphBuilder g(9);
        g.input("x", {1, 4}).output("y", {1, 4});
        g.node("Flatten", {"x"}, {"y"}).i("axis", 0);
        CHECK_SHAPE(runTorch(g, {randn({1, 4})})[0], 1, 4);
        try {
            runTorch(g, {randn({3, 4})});
            QFAIL("a batch-mixing graph was accepted");
        } catch (const ModelError &e) {
            QVERIFY2(QString(e.what()).contains("does not keep the faces of a batch apart"), e.what());
        }
    }

    void transpose()
    {
        auto x = randn({2, 3, 4, 5});
        GraphBuilder g(9);
        g.input("x", {2, 3, 4, 5}).output("y");
        g.node("Transpose", {"x"}, {"y"}).ints("perm", {0, 2, 3, 1});
        auto y = runTorch(g, {x})[0];
        CHECK_SHAPE(y, 2, 4, 5, 3);
        for (int64_t n = 0; n < 2; ++n)
            for (int64_t c = 0; c < 3; ++c)
                for (int64_t h = 0; h < 4; ++h)
                    for (int64_t w = 0; w < 5; ++w)
                        QCOMPARE(y[n][h][w][c].item<float>(), x[n][c][h][w].item<float>());
        CHECK_CLOSE(y, runOpenCv(g, {x})[0], 0.0);

        GraphBuilder rev(9); // no perm: dims reversed
        rev.input("x", {2, 3, 4}).output("y");
        rev.node("Transpose", {"x"}, {"y"});
        auto x3 = randn({2, 3, 4});
        auto y3 = runTorch(rev, {x3})[0];
        CHECK_SHAPE(y3, 4, 3, 2);
        QCOMPARE(y3[3][1][0].item<float>(), x3[0][1][3].item<float>());
    }

    void globalPools()
    {
        auto x = randn({2, 3, 4, 5});
        auto xd = x.to(torch::kDouble);
        for (bool isMax : {false, true}) {
            GraphBuilder g(9);
            g.input("x", {2, 3, 4, 5}).output("y");
            g.node(isMax ? "GlobalMaxPool" : "GlobalAveragePool", {"x"}, {"y"});
            auto ref = torch::zeros({2, 3, 1, 1}, torch::kDouble);
            for (int64_t n = 0; n < 2; ++n)
                for (int64_t c = 0; c < 3; ++c) {
                    double acc = isMax ? -INFINITY : 0;
                    for (int64_t i = 0; i < 20; ++i) {
                        const double v = xd[n][c].reshape(-1)[i].item<double>();
                        acc = isMax ? std::max(acc, v) : acc + v / 20;
                    }
                    ref[n][c][0][0] = acc;
                }
            auto y = runTorch(g, {x})[0];
            CHECK_CLOSE(y, ref, kTol);
            CHECK_SHAPE(y, 2, 3, 1, 1);
            CHECK_CLOSE(y, runOpenCv(g, {x})[0], kTol);
        }
    }

    // ---- MaxPool / AveragePool ----
    void pool_data()
    {
        QTest::addColumn<bool>("isMax");
        QTest::addColumn<int>("opset");
        QTest::addColumn<QVector<qint64>>("k");
        QTest::addColumn<QVector<qint64>>("s");
        QTest::addColumn<QVector<qint64>>("pads");    // ONNX attribute ([] = none)
        QTest::addColumn<QVector<qint64>>("dil");
        QTest::addColumn<bool>("ceil");
        QTest::addColumn<bool>("countPad");
        QTest::addColumn<QString>("autoPad");
        QTest::addColumn<QVector<qint64>>("refPads"); // begins then ends
        QTest::addColumn<bool>("opencv");
        using V = QVector<qint64>;
        const V none{};
        QTest::newRow("max 2x2 s2") << true << 9 << V{2, 2} << V{2, 2} << none << none << false << false << "" << V{0, 0, 0, 0} << true;
        QTest::newRow("max 3x3 s2 pad 1") << true << 9 << V{3, 3} << V{2, 2} << V{1, 1, 1, 1} << none << false << false << ""
                                          << V{1, 1, 1, 1} << true;
        QTest::newRow("max asymmetric pads") << true << 9 << V{3, 3} << V{1, 1} << V{0, 0, 1, 2} << none << false << false
                                             << "" << V{0, 0, 1, 2} << false;
        QTest::newRow("max ceil_mode") << true << 10 << V{2, 2} << V{2, 2} << none << none << true << false << ""
                                       << V{0, 0, 0, 0} << false;
        QTest::newRow("max dilation 2") << true << 10 << V{3, 3} << V{1, 1} << none << V{2, 2} << false << false << ""
                                        << V{0, 0, 0, 0} << false;
        // 7x8 input, k3, s2: H total pad 2 -> (1,1); W total pad 1 -> (0,1) for SAME_UPPER.
        QTest::newRow("max SAME_UPPER") << true << 9 << V{3, 3} << V{2, 2} << none << none << false << false << "SAME_UPPER"
                                        << V{1, 0, 1, 1} << false;
        QTest::newRow("avg 2x2 s2") << false << 9 << V{2, 2} << V{2, 2} << none << none << false << false << ""
                                    << V{0, 0, 0, 0} << true;
        QTest::newRow("avg 3x3 pad 1, pads not counted") << false << 9 << V{3, 3} << V{1, 1} << V{1, 1, 1, 1} << none << false
                                                         << false << "" << V{1, 1, 1, 1} << true;
        QTest::newRow("avg 3x3 pad 1, pads counted") << false << 7 << V{3, 3} << V{1, 1} << V{1, 1, 1, 1} << none << false
                                                     << true << "" << V{1, 1, 1, 1} << false;
        QTest::newRow("avg asymmetric, not counted") << false << 9 << V{3, 3} << V{1, 1} << V{0, 1, 2, 0} << none << false
                                                     << false << "" << V{0, 1, 2, 0} << false;
        QTest::newRow("avg asymmetric, counted") << false << 9 << V{3, 3} << V{1, 1} << V{0, 1, 2, 0} << none << false
                                                 << true << "" << V{0, 1, 2, 0} << false;
        QTest::newRow("avg ceil_mode, pad 1") << false << 10 << V{3, 3} << V{2, 2} << V{1, 1, 1, 1} << none << true << false
                                              << "" << V{1, 1, 1, 1} << false;
        QTest::newRow("avg ceil_mode, counted") << false << 10 << V{2, 2} << V{2, 2} << none << none << true << true << ""
                                                << V{0, 0, 0, 0} << false;
        // SAME_LOWER puts the odd pad pixel at the start: H (1,1), W (1,0).
        QTest::newRow("avg SAME_LOWER") << false << 9 << V{3, 3} << V{2, 2} << none << none << false << false << "SAME_LOWER"
                                        << V{1, 1, 1, 0} << false;
        QTest::newRow("avg pads beyond half kernel") << false << 9 << V{4, 4} << V{1, 1} << V{3, 3, 3, 3} << none << false
                                                     << false << "" << V{3, 3, 3, 3} << false;
    }
    void pool()
    {
        QFETCH(bool, isMax);
        QFETCH(int, opset);
        QFETCH(QVector<qint64>, k);
        QFETCH(QVector<qint64>, s);
        QFETCH(QVector<qint64>, pads);
        QFETCH(QVector<qint64>, dil);
        QFETCH(bool, ceil);
        QFETCH(bool, countPad);
        QFETCH(QString, autoPad);
        QFETCH(QVector<qint64>, refPads);
        QFETCH(bool, opencv);
        auto vec = [](const QVector<qint64> &v) { return std::vector<int64_t>(v.begin(), v.end()); };
        auto x = randn({2, 3, 7, 8});
        GraphBuilder g(opset);
        g.input("x", {2, 3, 7, 8}).output("y");
        auto n = g.node(isMax ? "MaxPool" : "AveragePool", {"x"}, {"y"});
        n.ints("kernel_shape", vec(k)).ints("strides", vec(s));
        if (!pads.isEmpty()) n.ints("pads", vec(pads));
        if (!dil.isEmpty()) n.ints("dilations", vec(dil));
        if (ceil) n.i("ceil_mode", 1);
        if (countPad) n.i("count_include_pad", 1);
        if (!autoPad.isEmpty()) n.s("auto_pad", autoPad.toStdString());
        const auto rp = vec(refPads);
        const auto d = dil.isEmpty() ? std::vector<int64_t>{1, 1} : vec(dil);
        auto ref = naivePool2d(x, isMax, vec(k), vec(s), {rp[0], rp[1]}, {rp[2], rp[3]}, d, ceil, countPad);
        auto y = runTorch(g, {x})[0];
        QCOMPARE(y.sizes().vec(), ref.sizes().vec());
        CHECK_CLOSE(y, ref, kTol);
        if (opencv)
            CHECK_CLOSE(y, runOpenCv(g, {x})[0], kTol);
    }

    void pool1d()
    {
        auto x = randn({2, 3, 9});
        for (bool isMax : {true, false}) {
            GraphBuilder g(11);
            g.input("x", {2, 3, 9}).output("y");
            g.node(isMax ? "MaxPool" : "AveragePool", {"x"}, {"y"}).ints("kernel_shape", {3}).ints("strides", {2}).ints("pads", {1, 1});
            auto ref = naivePool2d(x.unsqueeze(2), isMax, {1, 3}, {1, 2}, {0, 1}, {0, 1}, {1, 1}, false, false).squeeze(2);
            CHECK_CLOSE(runTorch(g, {x})[0], ref, kTol);
        }
    }

    void maxPoolIndicesAreRefused()
    {
        GraphBuilder g(11);
        g.input("x", {1, 1, 4, 4}).output("y");
        g.node("MaxPool", {"x"}, {"y", "idx"}).ints("kernel_shape", {2, 2});
        QVERIFY_THROWS_EXCEPTION(ModelError, OnnxGraphModule(OnnxModelFile::fromProto(g.proto(), "indices")));
    }

    void concat()
    {
        auto x = randn({2, 3, 4}), c = randn({2, 2, 4});
        for (int opset : {9, 11}) {
            const int axis = opset == 9 ? 1 : -2;
            GraphBuilder g(opset);
            g.input("x", {2, 3, 4}).output("y").initializer("c", c);
            g.node("Concat", {"x", "c", "x"}, {"y"}).i("axis", axis);
            auto y = runTorch(g, {x})[0];
            CHECK_SHAPE(y, 2, 8, 4);
            CHECK_CLOSE(y.narrow(1, 0, 3), x, 0.0);
            CHECK_CLOSE(y.narrow(1, 3, 2), c, 0.0);
            CHECK_CLOSE(y.narrow(1, 5, 3), x, 0.0);
            if (opset == 9)
                CHECK_CLOSE(y, runOpenCv(g, {x})[0], 0.0);
        }
    }

    void dropout()
    {
        auto x = randn({100, 100});
        // Opset 9: ratio attribute; opset 13: ratio input and a mask output.
        GraphBuilder g9(9);
        g9.input("x", {100, 100}).output("y");
        g9.node("Dropout", {"x"}, {"y"}).f("ratio", 0.3f);
        CHECK_CLOSE(runTorch(g9, {x})[0], x, 0.0); // inference: identity
        CHECK_CLOSE(runOpenCv(g9, {x})[0], x, 0.0);

        GraphBuilder g13(13);
        g13.input("x", {100, 100}).output("y").output("mask", {}, TensorProto::BOOL).initializer("r", torch::tensor(0.5f));
        g13.node("Dropout", {"x", "r"}, {"y", "mask"});
        OnnxGraphModule m(OnnxModelFile::fromProto(g13.proto(), "dropout"));
        auto eval = m->forwardAll({x});
        CHECK_CLOSE(eval[0], x, 0.0);
        QVERIFY(eval[1].all().item<bool>());
        m->train(); // a training pass drops about half and rescales the rest by 2
        auto tr = m->forwardAll({x});
        auto kept = tr[1];
        const double share = kept.to(torch::kDouble).mean().item<double>();
        QVERIFY2(share > 0.45 && share < 0.55, qPrintable(QString::number(share)));
        CHECK_CLOSE(tr[0].masked_select(kept), (x * 2).masked_select(kept), 1e-6);
        QVERIFY((tr[0].masked_select(kept.logical_not()) == 0).all().item<bool>());
    }

    void constant()
    {
        auto x = randn({2, 3});
        GraphBuilder g(12);
        g.input("x", {2, 3}).output("y");
        g.node("Constant", {}, {"c"}).t("value", floats({1, 2, 3}, {3}));
        g.node("Constant", {}, {"half"}).f("value_float", 0.5f);
        g.node("Constant", {}, {"shape"}).ints("value_ints", {3, 2});
        g.node("Add", {"x", "c"}, {"a"});
        g.node("Mul", {"a", "half"}, {"m"});
        g.node("Reshape", {"m", "shape"}, {"y"});
        auto y = runTorch(g, {x})[0];
        CHECK_SHAPE(y, 3, 2);
        auto xd = x.to(torch::kDouble);
        auto ref = torch::empty({2, 3}, torch::kDouble);
        for (int64_t i = 0; i < 2; ++i)
            for (int64_t j = 0; j < 3; ++j)
                ref[i][j] = (xd[i][j].item<double>() + double(j + 1)) * 0.5;
        CHECK_CLOSE(y, ref, 1e-6);
    }

    void constantOfShape()
    {
        // Shape of x -> a tensor of that shape filled with the value attribute (float 0 without one).
        GraphBuilder g(11);
        g.input("x", {2, 3}).output("zeros").output("sevens", {}, TensorProto::INT64);
        g.node("Shape", {"x"}, {"s"});
        g.node("ConstantOfShape", {"s"}, {"zeros"});
        g.node("ConstantOfShape", {"s"}, {"sevens"}).t("value", longs({7}));
        auto out = runTorch(g, {randn({2, 3})});
        QVERIFY(torch::equal(out[0], torch::zeros({2, 3})));
        QVERIFY(torch::equal(out[1], torch::full({2, 3}, 7, torch::kLong)));
    }

    void shapeOp()
    {
        auto x = randn({2, 3, 4});
        struct Case { int opset; int64_t start; int64_t end; bool hasStart, hasEnd; std::vector<int64_t> expected; };
        for (const auto &c : {Case{9, 0, 0, false, false, {2, 3, 4}}, Case{15, 1, 0, true, false, {3, 4}},
                              Case{15, 0, -1, false, true, {2, 3}}}) {
            GraphBuilder g(c.opset);
            g.input("x", {2, 3, 4}).output("y", {}, TensorProto::INT64);
            auto n = g.node("Shape", {"x"}, {"y"});
            if (c.hasStart) n.i("start", c.start);
            if (c.hasEnd) n.i("end", c.end);
            auto y = runTorch(g, {x})[0];
            QCOMPARE(y.scalar_type(), torch::kLong);
            QVERIFY(torch::equal(y, longs(c.expected)));
        }
    }

    void gather()
    {
        auto data = floats({1, 2, 3, 4, 5, 6}, {3, 2});
        struct Case { int axis; torch::Tensor idx; torch::Tensor expected; };
        const std::vector<Case> cases = {
            {0, longs({2, 0}), floats({5, 6, 1, 2}, {2, 2})},
            {1, longs({1, 0}).reshape({2, 1}), floats({2, 1, 4, 3, 6, 5}, {3, 2, 1})},
            {0, longs({-1}), floats({5, 6}, {1, 2})},
            {0, torch::tensor(int64_t(1)), floats({3, 4}, {2})}, // scalar index drops the axis
        };
        for (const auto &c : cases) {
            GraphBuilder g(13);
            g.input("d", {3, 2}).output("y").initializer("i", c.idx);
            g.node("Gather", {"d", "i"}, {"y"}).i("axis", c.axis);
            auto y = runTorch(g, {data})[0];
            QCOMPARE(y.sizes().vec(), c.expected.sizes().vec());
            QVERIFY(torch::equal(y, c.expected));
        }
    }

    void unsqueezeSqueeze_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<int>("opset");
        QTest::addColumn<QVector<qint64>>("inShape");
        QTest::addColumn<QVector<qint64>>("axes"); // empty: not given
        QTest::addColumn<QVector<qint64>>("outShape");
        using V = QVector<qint64>;
        QTest::newRow("Unsqueeze opset 11 attr, negative axis") << "Unsqueeze" << 11 << V{2, 3} << V{0, -1} << V{1, 2, 3, 1};
        QTest::newRow("Unsqueeze opset 13 input") << "Unsqueeze" << 13 << V{2, 3} << V{1} << V{2, 1, 3};
        QTest::newRow("Squeeze opset 11 attr") << "Squeeze" << 11 << V{2, 1, 3, 1} << V{1} << V{2, 3, 1};
        QTest::newRow("Squeeze opset 13 input, negative") << "Squeeze" << 13 << V{2, 1, 3, 1} << V{-1} << V{2, 1, 3};
        QTest::newRow("Squeeze without axes") << "Squeeze" << 13 << V{2, 1, 3, 1} << V{} << V{2, 3};
    }
    void unsqueezeSqueeze()
    {
        QFETCH(QString, op);
        QFETCH(int, opset);
        QFETCH(QVector<qint64>, inShape);
        QFETCH(QVector<qint64>, axes);
        QFETCH(QVector<qint64>, outShape);
        auto x = randn(std::vector<int64_t>(inShape.begin(), inShape.end()));
        const std::vector<int64_t> ax(axes.begin(), axes.end());
        GraphBuilder g(opset);
        g.input("x", x.sizes().vec()).output("y");
        if (ax.empty())
            g.node(op.toStdString(), {"x"}, {"y"});
        else if (opset < 13)
            g.node(op.toStdString(), {"x"}, {"y"}).ints("axes", ax);
        else {
            g.initializer("axes", torch::tensor(ax, torch::kLong));
            g.node(op.toStdString(), {"x", "axes"}, {"y"});
        }
        auto y = runTorch(g, {x})[0];
        QCOMPARE(y.sizes().vec(), std::vector<int64_t>(outShape.begin(), outShape.end()));
        CHECK_CLOSE(y, x, 0.0);
    }

    // ---- Pad: attributes before opset 11, inputs after; modes ----
    void pad_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QVector<qint64>>("pads");
        QTest::addColumn<double>("value");
        QTest::addColumn<QVector<qint64>>("axes");
        QTest::addColumn<QVector<qint64>>("outShape");
        QTest::addColumn<QVector<double>>("expected");
        using V = QVector<qint64>;
        using D = QVector<double>;
        // x = [[1,2,3],[4,5,6]] as 1x1x2x3
        QTest::newRow("opset 2 attrs, value 9") << 2 << "constant" << V{0, 0, 1, 1, 0, 0, 0, 2} << 9.0 << V{} << V{1, 1, 3, 6}
                                                << D{9, 9, 9, 9, 9, 9, 9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9, 9};
        QTest::newRow("opset 11 inputs, value 0.5") << 11 << "constant" << V{0, 0, 0, 1, 0, 0, 0, 1} << 0.5 << V{}
                                                    << V{1, 1, 2, 5} << D{0.5, 1, 2, 3, 0.5, 0.5, 4, 5, 6, 0.5};
        QTest::newRow("opset 11 reflect") << 11 << "reflect" << V{0, 0, 0, 2, 0, 0, 0, 1} << 0.0 << V{} << V{1, 1, 2, 6}
                                          << D{3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5};
        QTest::newRow("opset 11 edge") << 11 << "edge" << V{0, 0, 1, 0, 0, 0, 0, 1} << 0.0 << V{} << V{1, 1, 3, 4}
                                       << D{1, 2, 3, 3, 1, 2, 3, 3, 4, 5, 6, 6};
        QTest::newRow("opset 11 negative pads crop") << 11 << "constant" << V{0, 0, 0, -1, 0, 0, 0, 0} << 0.0 << V{}
                                                     << V{1, 1, 2, 2} << D{2, 3, 5, 6};
        QTest::newRow("opset 18 axes input") << 18 << "constant" << V{1, 1} << 0.0 << V{3} << V{1, 1, 2, 5}
                                             << D{0, 1, 2, 3, 0, 0, 4, 5, 6, 0};
    }
    void pad()
    {
        QFETCH(int, opset);
        QFETCH(QString, mode);
        QFETCH(QVector<qint64>, pads);
        QFETCH(double, value);
        QFETCH(QVector<qint64>, axes);
        QFETCH(QVector<qint64>, outShape);
        QFETCH(QVector<double>, expected);
        auto x = floats({1, 2, 3, 4, 5, 6}, {1, 1, 2, 3});
        const std::vector<int64_t> p(pads.begin(), pads.end());
        GraphBuilder g(opset);
        g.input("x", {1, 1, 2, 3}).output("y");
        if (opset < 11) {
            g.node("Pad", {"x"}, {"y"}).ints("pads", p).f("value", float(value)).s("mode", mode.toStdString());
        } else {
            g.initializer("p", torch::tensor(p, torch::kLong)).initializer("v", torch::tensor(float(value)));
            std::vector<std::string> ins{"x", "p", "v"};
            if (!axes.isEmpty()) {
                g.initializer("a", torch::tensor(std::vector<int64_t>(axes.begin(), axes.end()), torch::kLong));
                ins.push_back("a");
            }
            g.node("Pad", ins, {"y"}).s("mode", mode.toStdString());
        }
        auto y = runTorch(g, {x})[0];
        QCOMPARE(y.sizes().vec(), std::vector<int64_t>(outShape.begin(), outShape.end()));
        CHECK_CLOSE(y, torch::tensor(std::vector<double>(expected.begin(), expected.end())), 0.0);
    }

    void reduceMean_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<QVector<qint64>>("axes");
        QTest::addColumn<bool>("keep");
        QTest::addColumn<QVector<qint64>>("outShape");
        using V = QVector<qint64>;
        QTest::newRow("opset 13 axis 1, keepdims") << 13 << V{1} << true << V{2, 1, 4};
        QTest::newRow("opset 13 axis -1, no keepdims") << 13 << V{-1} << false << V{2, 3};
        QTest::newRow("opset 13 all axes") << 13 << V{} << true << V{1, 1, 1};
        QTest::newRow("opset 18 axes input") << 18 << V{0, 2} << false << V{3};
    }
    void reduceMean()
    {
        QFETCH(int, opset);
        QFETCH(QVector<qint64>, axes);
        QFETCH(bool, keep);
        QFETCH(QVector<qint64>, outShape);
        auto x = randn({2, 3, 4});
        GraphBuilder g(opset);
        g.input("x", {2, 3, 4}).output("y");
        const std::vector<int64_t> ax(axes.begin(), axes.end());
        NodeRef n = [&] {
            if (opset >= 18 && !ax.empty()) {
                g.initializer("axes", torch::tensor(ax, torch::kLong));
                return g.node("ReduceMean", {"x", "axes"}, {"y"});
            }
            auto r = g.node("ReduceMean", {"x"}, {"y"});
            if (!ax.empty())
                r.ints("axes", ax);
            return r;
        }();
        n.i("keepdims", keep);
        // Reference: average the elements sharing the kept coordinates.
        std::set<int64_t> reduced;
        for (auto a : ax)
            reduced.insert(a < 0 ? a + 3 : a);
        if (ax.empty())
            reduced = {0, 1, 2};
        auto xd = x.to(torch::kDouble);
        std::map<std::vector<int64_t>, std::pair<double, int>> acc;
        for (int64_t i = 0; i < 2; ++i)
            for (int64_t j = 0; j < 3; ++j)
                for (int64_t k = 0; k < 4; ++k) {
                    std::vector<int64_t> key{reduced.count(0) ? 0 : i, reduced.count(1) ? 0 : j, reduced.count(2) ? 0 : k};
                    acc[key].first += xd[i][j][k].item<double>();
                    acc[key].second += 1;
                }
        std::vector<double> ref;
        for (const auto &[key, v] : acc) // std::map order is row-major order of the kept coordinates
            ref.push_back(v.first / v.second);
        auto y = runTorch(g, {x})[0];
        QCOMPARE(y.sizes().vec(), std::vector<int64_t>(outShape.begin(), outShape.end()));
        CHECK_CLOSE(y, torch::tensor(ref), kTol);
    }

    void slice_data()
    {
        QTest::addColumn<int>("opset");
        QTest::addColumn<QVector<qint64>>("starts");
        QTest::addColumn<QVector<qint64>>("ends");
        QTest::addColumn<QVector<qint64>>("axes");
        QTest::addColumn<QVector<qint64>>("steps");
        QTest::addColumn<QVector<qint64>>("rows");
        QTest::addColumn<QVector<qint64>>("cols");
        using V = QVector<qint64>;
        const qint64 big = std::numeric_limits<qint64>::max();
        // x = arange(20) as 4x5
        QTest::newRow("opset 9 attrs, end past the dim") << 9 << V{1, 0} << V{3, big} << V{0, 1} << V{} << V{1, 2} << V{0, 1, 2, 3, 4};
        QTest::newRow("opset 10 negative end") << 10 << V{0} << V{-1} << V{1} << V{} << V{0, 1, 2, 3} << V{0, 1, 2, 3};
        QTest::newRow("opset 13 step 2") << 13 << V{0} << V{4} << V{0} << V{2} << V{0, 2} << V{0, 1, 2, 3, 4};
        QTest::newRow("opset 13 negative step") << 13 << V{-1} << V{-big} << V{1} << V{-2} << V{0, 1, 2, 3} << V{4, 2, 0};
        QTest::newRow("opset 13 no axes") << 13 << V{1, 1} << V{2, 3} << V{} << V{} << V{1} << V{1, 2};
    }
    void slice()
    {
        QFETCH(int, opset);
        QFETCH(QVector<qint64>, starts);
        QFETCH(QVector<qint64>, ends);
        QFETCH(QVector<qint64>, axes);
        QFETCH(QVector<qint64>, steps);
        QFETCH(QVector<qint64>, rows);
        QFETCH(QVector<qint64>, cols);
        auto vec = [](const QVector<qint64> &v) { return std::vector<int64_t>(v.begin(), v.end()); };
        auto x = torch::arange(20, torch::kFloat).reshape({4, 5});
        GraphBuilder g(opset);
        g.input("x", {4, 5}).output("y");
        if (opset < 10) {
            g.node("Slice", {"x"}, {"y"}).ints("starts", vec(starts)).ints("ends", vec(ends)).ints("axes", vec(axes));
        } else {
            g.initializer("s", longs(vec(starts))).initializer("e", longs(vec(ends)));
            std::vector<std::string> ins{"x", "s", "e"};
            if (!axes.isEmpty()) {
                g.initializer("a", longs(vec(axes)));
                ins.push_back("a");
            }
            if (!steps.isEmpty()) {
                g.initializer("st", longs(vec(steps)));
                ins.push_back("st");
            }
            g.node("Slice", ins, {"y"});
        }
        std::vector<float> expected;
        for (auto r : rows)
            for (auto c : cols)
                expected.push_back(float(r * 5 + c));
        auto y = runTorch(g, {x})[0];
        CHECK_SHAPE(y, rows.size(), cols.size());
        CHECK_CLOSE(y, torch::tensor(expected), 0.0);
    }

    void softmax_data()
    {
        QTest::addColumn<int>("opset");
        QTest::newRow("opset 11: coerced to 2-D at axis 1") << 11;
        QTest::newRow("opset 13: along axis 1 only") << 13;
    }
    void softmax()
    {
        QFETCH(int, opset);
        auto x = randn({2, 3, 4});
        GraphBuilder g(opset);
        g.input("x", {2, 3, 4}).output("y");
        g.node("Softmax", {"x"}, {"y"}).i("axis", 1);
        auto xd = x.to(torch::kDouble);
        auto ref = torch::empty_like(xd);
        for (int64_t n = 0; n < 2; ++n) {
            if (opset < 13) { // one distribution over all 12 values of sample n
                double sum = 0;
                for (int64_t i = 0; i < 12; ++i)
                    sum += std::exp(xd[n].reshape(-1)[i].item<double>());
                for (int64_t c = 0; c < 3; ++c)
                    for (int64_t k = 0; k < 4; ++k)
                        ref[n][c][k] = std::exp(xd[n][c][k].item<double>()) / sum;
            } else { // one distribution per (n, k) over c
                for (int64_t k = 0; k < 4; ++k) {
                    double sum = 0;
                    for (int64_t c = 0; c < 3; ++c)
                        sum += std::exp(xd[n][c][k].item<double>());
                    for (int64_t c = 0; c < 3; ++c)
                        ref[n][c][k] = std::exp(xd[n][c][k].item<double>()) / sum;
                }
            }
        }
        CHECK_CLOSE(runTorch(g, {x})[0], ref, 1e-6);
    }

    void cast()
    {
        GraphBuilder g(13);
        g.input("x", {4}).output("y", {4}, TensorProto::INT64);
        g.node("Cast", {"x"}, {"y"}).i("to", TensorProto::INT64);
        auto y = runTorch(g, {floats({1.7f, -1.7f, 2.f, 0.2f}, {4})})[0];
        QCOMPARE(y.scalar_type(), torch::kLong);
        QVERIFY(torch::equal(y, longs({1, -1, 2, 0}))); // float -> int truncates toward zero
    }

    // ---- module-level behaviour on small graphs ----
    void initializerRoles()
    {
        GraphBuilder g(9);
        g.input("x", {1, 2, 4, 4}).output("y");
        g.initializer("conv.weight", randn({3, 2, 3, 3})).initializer("conv.bias", randn({3}));
        g.initializer("bn.scale", randn({3})).initializer("bn.bias", randn({3}));
        g.initializer("bn.mean", randn({3})).initializer("bn.var", torch::rand({3}) + 0.5);
        g.initializer("eps", torch::tensor(1e-3f)).initializer("shape", longs({1, -1}));
        g.node("Conv", {"x", "conv.weight", "conv.bias"}, {"c"}).ints("kernel_shape", {3, 3});
        g.node("BatchNormalization", {"c", "bn.scale", "bn.bias", "bn.mean", "bn.var"}, {"b"});
        g.node("Add", {"b", "eps"}, {"e"});
        g.node("Reshape", {"e", "shape"}, {"y"});
        OnnxGraphModule m(OnnxModelFile::fromProto(g.proto(), "roles"));
        for (const char *p : {"conv.weight", "conv.bias", "bn.scale", "bn.bias"})
            QVERIFY2(m->isParameter(p), p);
        for (const char *b : {"bn.mean", "bn.var", "eps", "shape"})
            QVERIFY2(!m->isParameter(b), b);
        QCOMPARE(m->parameterCount(), int64_t(3 * 2 * 9 + 3 + 3 + 3));
        QCOMPARE(m->stateName("conv.weight"), std::string("conv_weight")); // torch names cannot hold '.'
        QVERIFY(m->named_buffers().contains("bn_mean"));
    }

    // forwardFlops counts 2 per multiply-add of convolutions (grouped: Cin/groups) and matrix
    // products, from the shapes of the pass, per image times the batch; elementwise work is free.
    void flopCount()
    {
        GraphBuilder g(13);
        g.input("x", {-1, 2, 6, 6}).output("y");
        g.initializer("w1", randn({4, 2, 3, 3})).initializer("w2", randn({4, 2, 1, 1}));
        g.initializer("slope", torch::full({4, 1, 1}, 0.25f));
        g.initializer("fc", randn({5, 36})).initializer("fcb", randn({5})).initializer("m", randn({5, 2}));
        g.node("Conv", {"x", "w1"}, {"c"}).ints("kernel_shape", {3, 3}).ints("strides", {2, 2}).ints("pads", {1, 1, 1, 1});
        g.node("PRelu", {"c", "slope"}, {"p"});
        g.node("Conv", {"p", "w2"}, {"d"}).ints("kernel_shape", {1, 1}).i("group", 2);
        g.node("Flatten", {"d"}, {"f"});
        g.node("Gemm", {"f", "fc", "fcb"}, {"e"}).i("transB", 1);
        g.node("MatMul", {"e", "m"}, {"y"});
        OnnxGraphModule m(OnnxModelFile::fromProto(g.proto(), "flops"));
        // conv 3x3/2: 4 x 3x3 outputs of 2*3*3 products; grouped 1x1: 4 x 3x3 outputs of 2/2 inputs;
        // Gemm 36 -> 5; MatMul 5 -> 2.
        const double perImage = 2.0 * (4 * 9 * 18 + 4 * 9 * 2 + 36 * 5 + 5 * 2);
        QCOMPARE(forwardFlops(*m, randn({3, 2, 6, 6})), 3 * perImage);
        QCOMPARE(forwardFlops(*m, randn({1, 2, 6, 6})), perImage);
    }

    void autogradThroughGraph()
    {
        GraphBuilder g(9);
        g.input("x", {-1, 2, 6, 6}).output("y");
        g.initializer("w", randn({4, 2, 3, 3})).initializer("slope", torch::full({4, 1, 1}, 0.25f));
        g.initializer("fc", randn({5, 4 * 3 * 3})).initializer("fcb", randn({5}));
        g.node("Conv", {"x", "w"}, {"c"}).ints("kernel_shape", {3, 3}).ints("strides", {2, 2}).ints("pads", {1, 1, 1, 1});
        g.node("PRelu", {"c", "slope"}, {"p"});
        g.node("Flatten", {"p"}, {"f"});
        g.node("Gemm", {"f", "fc", "fcb"}, {"y"}).i("transB", 1);
        OnnxGraphModule m(OnnxModelFile::fromProto(g.proto(), "grad"));
        auto x = randn({3, 2, 6, 6});
        m->forward(x).pow(2).sum().backward();
        for (const auto &p : m->named_parameters()) {
            QVERIFY2(p.value().grad().defined(), p.key().c_str());
            QVERIFY2(p.value().grad().abs().sum().item<double>() > 0, p.key().c_str());
        }
        // The gradient of the conv weight matches a finite difference.
        auto w = m->initializerValue("w");
        const double analytic = w.grad()[0][0][1][1].item<double>();
        torch::NoGradGuard noGrad;
        const float h = 1e-2f;
        w[0][0][1][1] += h;
        const double up = m->forward(x).to(torch::kDouble).pow(2).sum().item<double>();
        w[0][0][1][1] -= 2 * h;
        const double down = m->forward(x).to(torch::kDouble).pow(2).sum().item<double>();
        const double numeric = (up - down) / (2 * h);
        QVERIFY2(std::abs(numeric - analytic) < 1e-2 * std::max(1.0, std::abs(analytic)),
                 qPrintable(QString("numeric %1 analytic %2").arg(numeric).arg(analytic)));
    }
};

QTEST_GUILESS_MAIN(OpsTest)
#include "test_nn_ops.moc"

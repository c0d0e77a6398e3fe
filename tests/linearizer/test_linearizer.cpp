// core/linearizer: every invertible block and whole InvertibleNets invert exactly (also after
// training moved them off the identity), ActNorm's data initialisation and its saved flag,
// InvertibleLinear's orthogonal start and log-det, the low-rank A, g_y's exact inverse, the
// sandwich stages, seeding, and a short training run against a frozen FaceNetImpl teacher.
#include "linearizer/LinearAlgebra.h"
#include "linearizer/LinearizerModel.h"
#include "linearizer/LinearizerNet.h"
#include "linearizer/SurrogateAnalysis.h"
#include "nn/ModelFamily.h"
#include "nn/FaceNet.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sstream>

using namespace facelab;
using namespace facelab::linearizer;

namespace {

double maxAbs(const torch::Tensor &a, const torch::Tensor &b) { return (a - b).abs().max().item<double>(); }

// A few Adam steps that pull `fn(x)` towards a fixed nonlinear target, so the module's weights
// leave the identity start (zero-initialised coupling outputs, orthogonal mixing). lr 2e-3 is
// already 20x the reference training rate; far larger steps make the net ill-conditioned enough
// that float32 round trips lose digits (exact in double: a conditioning limit, not an error).
template <typename Module, typename Fn>
void trainAway(Module &module, Fn fn, int64_t features, int steps = 10, double lr = 2e-3)
{
    torch::manual_seed(99);
    const auto x = torch::randn({64, features});
    const auto target = torch::tanh(x * 1.7).flip({1}) * 2.0 + 0.3;
    torch::optim::Adam opt(module->parameters(), torch::optim::AdamOptions(lr));
    for (int i = 0; i < steps; ++i) {
        opt.zero_grad();
        auto loss = torch::mse_loss(fn(x), target);
        loss.backward();
        opt.step();
    }
}

// log |det J| of fn at one sample x0 (1 x D), J built row by row with autograd, in double.
template <typename Fn>
double numericLogDet(Fn fn, const torch::Tensor &x0)
{
    const int64_t d = x0.size(1);
    auto x = x0.detach().clone().requires_grad_(true);
    const auto y = fn(x);
    auto jac = torch::zeros({d, d}, torch::kDouble);
    for (int64_t i = 0; i < d; ++i) {
        const auto g = torch::autograd::grad({y[0][i]}, {x}, {}, /*retain_graph=*/true)[0];
        jac[i] = g[0].to(torch::kDouble);
    }
    return std::get<1>(torch::linalg_slogdet(jac)).item<double>();
}

// A frozen toy teacher in the model currency: conv + pool + linear, D = 16, input 3 x 32 x 32.
class ToyTeacher : public nn::FaceNetImpl
{
public:
    ToyTeacher()
    {
        torch::manual_seed(4242);
        conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 5).stride(4)));
        fc = register_module("fc", torch::nn::Linear(8 * 4 * 4, 16));
    }
    std::string family() const override { return "toy"; }
    torch::Tensor forward(const torch::Tensor &input) override
    {
        auto h = torch::tanh(conv->forward(input));
        h = torch::adaptive_avg_pool2d(h, {4, 4}).flatten(1);
        return fc->forward(h) * 3.0;
    }
    int inputWidth() const override { return 32; }
    int inputHeight() const override { return 32; }
    int embeddingDim() const override { return 16; }
    void save(const std::string &) const override {}
    std::string fileSuffix() const override { return ".pt"; }

    torch::nn::Conv2d conv{nullptr};
    torch::nn::Linear fc{nullptr};
};

LinearizerConfig smallConfig()
{
    LinearizerConfig c;
    c.latent = 16;
    c.embeddingDim = 16;
    c.blocks = 2;
    c.hidden = 64;
    c.inputHeight = 32;
    c.inputWidth = 32;
    c.encoderChannels = {8, 16, 32};
    c.seed = 3;
    return c;
}

} // namespace

class TestLinearizer : public QObject
{
    Q_OBJECT
private slots:
    // One intra-op thread: these sizes gain little from more, and OpenMP threads that spin on a
    // loaded CI machine made one case 30x slower.
    void initTestCase() { at::set_num_threads(1); }

    void actNormInitialisesFromFirstBatchAndKeepsTheFlag()
    {
        torch::manual_seed(1);
        ActNorm an(16);
        QVERIFY(!an->isInitialised());
        const auto x = torch::randn({128, 16}) * torch::linspace(0.5, 4.0, 16) + torch::linspace(-3, 5, 16);
        const auto y = an->forward(x);
        QVERIFY(an->isInitialised());
        QVERIFY(y.mean(0).abs().max().item<double>() < 1e-5);
        QVERIFY((y.std(0, false) - 1).abs().max().item<double>() < 1e-4);
        QVERIFY(maxAbs(an->inverse(y), x) < 1e-4);
        // log-det is sum(log scale) per sample.
        QCOMPARE(an->logDet(x).size(0), 128);

        // Saved and restored: a fresh module reads the flag and does not re-initialise.
        std::stringstream stream;
        torch::save(an, stream);
        ActNorm restored(16);
        torch::load(restored, stream);
        QVERIFY(restored->isInitialised());
        QCOMPARE(maxAbs(restored->bias, an->bias), 0.0);
        const auto second = torch::randn({64, 16}) * 10 + 7;
        const auto scaleBefore = restored->logScale.detach().clone();
        restored->train();
        const auto y2 = restored->forward(second);
        QCOMPARE(maxAbs(restored->logScale, scaleBefore), 0.0);
        QVERIFY(y2.mean(0).abs().max().item<double>() > 1.0); // not normalised: no re-initialisation
        // Nor does the original on its second batch.
        const auto biasBefore = an->bias.detach().clone();
        an->forward(second);
        QCOMPARE(maxAbs(an->bias, biasBefore), 0.0);

        // eval() never initialises; a batch of 1 cannot.
        ActNorm idle(4);
        idle->eval();
        idle->forward(torch::randn({8, 4}));
        QVERIFY(!idle->isInitialised());
        idle->train();
        idle->forward(torch::randn({1, 4}));
        QVERIFY(!idle->isInitialised());
    }

    void actNormRoundTripAfterTraining()
    {
        ActNorm an(24);
        an->forward(torch::randn({32, 24}) * 2);
        trainAway(an, [&](const torch::Tensor &x) { return an->forward(x); }, 24);
        torch::manual_seed(5);
        const auto x = torch::randn({50, 24}) * 3;
        const double err = maxAbs(an->inverse(an->forward(x)), x);
        qInfo("ActNorm round trip: %.3g", err);
        QVERIFY(err < 1e-4);
    }

    void couplingStartsAsIdentityAndInvertsAfterTraining()
    {
        AffineCoupling c(25, 64); // odd width: halves of 12 and 13
        torch::manual_seed(6);
        const auto x = torch::randn({40, 25});
        QCOMPARE(maxAbs(c->forward(x), x), 0.0);
        trainAway(c, [&](const torch::Tensor &v) { return c->forward(v); }, 25);
        const auto y = c->forward(x);
        QVERIFY(maxAbs(y, x) > 0.1); // moved away from the identity
        const double err = maxAbs(c->inverse(y), x);
        qInfo("AffineCoupling round trip: %.3g", err);
        QVERIFY(err < 1e-4);
        // log-det against autograd's Jacobian for one sample.
        const auto x0 = x.slice(0, 0, 1);
        const double expected = numericLogDet([&](const torch::Tensor &v) { return c->forward(v); }, x0);
        QVERIFY(std::abs(c->forwardWithLogDet(x0).second.item<double>() - expected) < 1e-3);
    }

    void invertibleLinearStartsOrthogonal()
    {
        InvertibleLinear lin(48, 11);
        const auto w = lin->weight.detach();
        QVERIFY(maxAbs(torch::matmul(w, w.t()), torch::eye(48)) < 1e-5);
        QVERIFY(std::abs(lin->logAbsDet().item<double>()) < 1e-4);
        // Same seed, same matrix; another seed, another one.
        QCOMPARE(maxAbs(InvertibleLinear(48, 11)->weight, w), 0.0);
        QVERIFY(maxAbs(InvertibleLinear(48, 12)->weight, w) > 0.1);

        trainAway(lin, [&](const torch::Tensor &x) { return lin->forward(x); }, 48);
        const auto w2 = lin->weight.detach();
        QVERIFY(maxAbs(torch::matmul(w2, w2.t()), torch::eye(48)) > 1e-2);
        const double slog = std::get<1>(torch::slogdet(w2)).item<double>();
        QVERIFY(std::abs(lin->logAbsDet().item<double>() - slog) < 1e-5);
        QVERIFY(std::abs(slog) > 1e-3);
        torch::manual_seed(7);
        const auto x = torch::randn({30, 48});
        const double err = maxAbs(lin->inverse(lin->forward(x)), x);
        qInfo("InvertibleLinear round trip: %.3g", err);
        QVERIFY(err < 1e-4);
    }

    void invertibleNetRoundTripAfterTraining()
    {
        InvertibleNetOptions o;
        o.features = 32;
        o.blocks = 3;
        o.hidden = 64;
        o.seed = 2;
        InvertibleNet net(o);
        QCOMPARE(net->blockCount(), 3);
        torch::manual_seed(8);
        net->forward(torch::randn({64, 32}) * 2 + 1); // data-initialises each ActNorm
        for (int i = 0; i < 3; ++i)
            QVERIFY(net->block(i)->actNorm->isInitialised());
        trainAway(net, [&](const torch::Tensor &x) { return net->forward(x); }, 32);

        const auto x = torch::randn({100, 32}) * 1.5;
        const auto y = net->forward(x);
        QVERIFY(maxAbs(y, x) > 0.1);
        const double err = maxAbs(net->inverse(y), x);
        qInfo("InvertibleNet round trip (3 blocks, D 32): %.3g", err);
        QVERIFY(err < 1e-4);
        // Per-block access: the blocks compose to the net, each inverts on its own.
        auto h = x;
        for (int i = 0; i < net->blockCount(); ++i) {
            const auto next = net->block(i)->forward(h);
            QVERIFY(maxAbs(net->block(i)->inverse(next), h) < 1e-4);
            h = next;
        }
        QVERIFY(maxAbs(h, y) < 1e-5);
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, net->block(3));

        // Whole-net log-det against autograd on a small net.
        InvertibleNetOptions s = o;
        s.features = 6;
        InvertibleNet small(s);
        small->forward(torch::randn({16, 6}));
        trainAway(small, [&](const torch::Tensor &v) { return small->forward(v); }, 6);
        const auto x0 = torch::randn({1, 6});
        const double expected = numericLogDet([&](const torch::Tensor &v) { return small->forward(v); }, x0);
        QVERIFY(std::abs(small->forwardWithLogDet(x0).second.item<double>() - expected) < 1e-3);
    }

    void lowRankAHasRankAtMostR()
    {
        LinearizerConfig c = smallConfig();
        c.rank = 4;
        LinearizerModel m(c);
        auto op = m->linearOperator();
        QVERIFY(op->isLowRank());
        const auto a = m->matrixA().detach();
        QCOMPARE(a.size(0), 16);
        QCOMPARE(a.size(1), 16);
        QCOMPARE(maxAbs(a, torch::matmul(op->u, op->v.t())), 0.0);
        const auto sv = torch::linalg_svdvals(a);
        QVERIFY(sv.slice(0, 4).max().item<double>() < 1e-5 * std::max(1.0, sv[0].item<double>()));
        QVERIFY(sv[3].item<double>() > 0.5);

        // A random matrix is stored as its best rank-4 approximation; a rank-4 one exactly.
        torch::manual_seed(9);
        const auto p = torch::randn({16, 4}), q = torch::randn({16, 4});
        const auto exact = torch::matmul(p, q.t());
        m->setA(exact);
        QVERIFY(maxAbs(m->matrixA(), exact) < 1e-4);
        const auto full = torch::randn({16, 16});
        m->setA(full);
        const auto stored = m->matrixA().detach();
        QVERIFY(torch::linalg_svdvals(stored).slice(0, 4).max().item<double>() < 1e-4);
        auto [uu, s, vh] = torch::linalg_svd(full, false);
        const auto best = torch::matmul(uu.slice(1, 0, 4) * s.slice(0, 0, 4), vh.slice(0, 0, 4));
        QVERIFY(maxAbs(stored, best) < 1e-4);
        // The operator applies the matrix it reports.
        const auto z = torch::randn({5, 16});
        QVERIFY(maxAbs(op->forward(z), torch::matmul(z, stored.t())) < 1e-5);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m->setA(torch::zeros({16, 15})));

        // Full A: identity at the start, setA exact.
        LinearizerModel f(smallConfig());
        QCOMPARE(maxAbs(f->matrixA(), torch::eye(16)), 0.0);
        f->setA(full);
        QCOMPARE(maxAbs(f->matrixA(), full), 0.0);

        c.rank = 17;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, LinearizerModel{c});
    }

    void stagesComposeToForward()
    {
        LinearizerModel m(smallConfig());
        torch::manual_seed(10);
        const auto x = torch::randn({6, 3, 32, 32});
        const auto s = m->stages(x);
        QCOMPARE(s.latent.size(1), 16);
        QVERIFY(maxAbs(s.transformed, torch::matmul(s.latent, m->matrixA().t())) < 1e-5);
        QVERIFY(maxAbs(s.embedding, m->gyInverse(s.transformed)) < 1e-6);
        QVERIFY(maxAbs(m->forward(x), s.embedding) < 1e-5);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m->forward(torch::randn({2, 3, 31, 32})));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m->forward(torch::randn({2, 1, 32, 32})));
    }

    void seedingIsDeterministicAndLeavesTheGlobalStream()
    {
        torch::manual_seed(5);
        const auto a = torch::randn({4});
        torch::manual_seed(5);
        LinearizerModel m1(smallConfig());
        const auto b = torch::randn({4});
        QCOMPARE(maxAbs(a, b), 0.0);
        LinearizerModel m2(smallConfig());
        const auto p1 = m1->parameters(), p2 = m2->parameters();
        QCOMPARE(p1.size(), p2.size());
        for (size_t i = 0; i < p1.size(); ++i)
            QCOMPARE(maxAbs(p1[i], p2[i]), 0.0);
    }

    void trainsAgainstTeacherAndGyInvertsExactly()
    {
        auto teacher = std::make_shared<ToyTeacher>();
        teacher->eval();
        for (auto &p : teacher->parameters())
            p.set_requires_grad(false);
        LinearizerConfig c = fitToTeacher(smallConfig(), *teacher);
        QCOMPARE(c.embeddingDim, 16);
        QCOMPARE(c.inputHeight, 32);
        LinearizerModel m(c);

        torch::manual_seed(11);
        const auto x = torch::randn({32, 3, 32, 32});
        const auto target = teacher->forward(x);
        // Data-initialise g_x's ActNorms (forward) and g_y's (on the teacher's embeddings).
        m->stages(x);
        m->gy(target);
        torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(1e-3).betas({0.9, 0.999}));
        double first = 0, last = 0;
        for (int step = 0; step < 30; ++step) {
            opt.zero_grad();
            auto loss = torch::mse_loss(m->forward(x), target);
            loss.backward();
            opt.step();
            (step == 0 ? first : last) = loss.item<double>();
        }
        qInfo("training MSE: %.4f -> %.4f", first, last);
        QVERIFY(std::isfinite(last));
        QVERIFY(last < 0.8 * first);

        // g_y(g_y^-1(y)) == y and g_y^-1(g_y(e)) == e with the trained weights.
        torch::NoGradGuard noGrad;
        const auto y = torch::randn({20, 16}) * 2;
        const double err1 = maxAbs(m->gy(m->gyInverse(y)), y);
        const double err2 = maxAbs(m->gyInverse(m->gy(target)), target);
        qInfo("g_y round trips: %.3g, %.3g", err1, err2);
        QVERIFY(err1 < 1e-4);
        QVERIFY(err2 < 1e-4);

        // The whole model (ActNorm flags included) restores into a differently seeded one.
        std::stringstream stream;
        torch::save(m, stream);
        LinearizerConfig other = c;
        other.seed = 77;
        LinearizerModel restored(other);
        torch::load(restored, stream);
        QVERIFY(restored->gyNet()->block(0)->actNorm->isInitialised());
        QVERIFY(maxAbs(restored->forward(x), m->forward(x)) < 1e-6);
    }

    void svdOfAReconstructsAAndTruncates()
    {
        cv::Mat a(40, 24, CV_64F);
        cv::randn(a, 0, 1);
        const std::vector<double> s = linearizer::singularValues(a);
        QCOMPARE(int(s.size()), 24);
        for (size_t i = 1; i < s.size(); ++i)
            QVERIFY(s[i - 1] >= s[i]);
        // Full rank gives A back; rank k has k non-zero singular values, the top ones of A.
        QVERIFY(cv::norm(linearizer::truncatedRank(a, 24) - a) < 1e-12);
        const cv::Mat a5 = linearizer::truncatedRank(a, 5);
        const std::vector<double> s5 = linearizer::singularValues(a5);
        for (int i = 0; i < 5; ++i)
            QVERIFY(std::abs(s5[size_t(i)] - s[size_t(i)]) < 1e-9);
        QVERIFY(s5[5] < 1e-9);
        // Eckart-Young: the error is the energy left out.
        double rest = 0;
        for (size_t i = 5; i < s.size(); ++i)
            rest += s[i] * s[i];
        QVERIFY(std::abs(cv::norm(a - a5) * cv::norm(a - a5) - rest) < 1e-8 * rest);
        const std::vector<double> e = linearizer::cumulativeEnergy(s);
        QVERIFY(std::abs(e.back() - 1.0) < 1e-12);
    }

    void projectionRemovesExactlyTheChosenSpan()
    {
        cv::Mat a(30, 20, CV_64F), dirs(3, 30, CV_64F);
        cv::randn(a, 0, 1);
        cv::randn(dirs, 0, 1);
        dirs.row(2) = dirs.row(0) * 2.0 - dirs.row(1) * 0.5;   // dependent: the span is 2-D
        const cv::Mat q = linearizer::orthonormalRows(dirs);
        QCOMPARE(q.rows, 2);
        QVERIFY(cv::norm(q * q.t() - cv::Mat::eye(2, 2, CV_64F)) < 1e-12);
        const cv::Mat edited = linearizer::projectOutOfRange(a, dirs);
        // Nothing of the span is left in A's range ...
        QVERIFY(cv::norm(dirs * edited) < 1e-10);
        // ... and what is orthogonal to it is untouched.
        const cv::Mat p = q.t() * q;
        QVERIFY(cv::norm((cv::Mat::eye(30, 30, CV_64F) - p) * a - edited) < 1e-10);
        QVERIFY(cv::norm(edited) < cv::norm(a));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, linearizer::projectOutOfRange(a, cv::Mat::ones(1, 20, CV_64F)));
    }

    void configTextRoundTrips()
    {
        linearizer::LinearizerConfig c;
        c.latent = 96;
        c.embeddingDim = 128;
        c.blocks = 3;
        c.hidden = 200;
        c.couplingLayers = 2;
        c.rank = 16;
        c.encoderChannels = {8, 16};
        c.seed = 42;
        const linearizer::LinearizerConfig back = linearizer::configFromText(linearizer::configText(c));
        QCOMPARE(linearizer::configText(back), linearizer::configText(c));
        QCOMPARE(back.rank, 16);
        QCOMPARE(int(back.encoderChannels.size()), 2);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, linearizer::configFromText("latent=12 blocks=x"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, linearizer::configFromText("latent=12"));
    }

    void savedSurrogateOpensAsItsOwnFamily()
    {
        linearizer::LinearizerConfig c;
        c.latent = 32;
        c.embeddingDim = 24;
        c.blocks = 2;
        c.hidden = 48;
        c.rank = 8;
        c.inputHeight = c.inputWidth = 32;
        c.encoderChannels = {8, 16};
        linearizer::LinearizerModel m(c);
        {
            torch::NoGradGuard g;
            m->train();
            m->gx(torch::randn({8, 3, 32, 32}));   // ActNorm initialised from data
            m->gy(torch::randn({8, 24}));
        }
        m->eval();
        const nn::FaceModel model = linearizer::surrogateModel(m, nn::Preprocessing{});
        QTemporaryDir dir;
        const std::string path = dir.filePath("s.pth").toStdString();
        model.save(path);
        const nn::ModelFamily *family = nn::detectModelFamily(path);
        QVERIFY(family);
        QCOMPARE(QString::fromStdString(family->id()), QStringLiteral("linearizer"));
        const nn::LoadReport r = family->inspect(path);
        QVERIFY(r.complete());
        QCOMPARE(r.embeddingDim, 24);
        const nn::FaceModel back = nn::openModel("linearizer", path, {});
        const torch::Tensor x = torch::randn({3, 3, 32, 32});
        torch::NoGradGuard g;
        const torch::Tensor y0 = m->forward(x), y1 = back.net()->forward(x);
        QVERIFY((y0 - y1).abs().max().item<double>() < 1e-5);
        // Restored ActNorms keep their flag: a batch in train mode does not re-initialise them.
        auto restored = linearizer::surrogateOf(back);
        QVERIFY(restored->gyNet()->block(0)->actNorm->isInitialised());
        // A edited through the torch-free API: the copy changes, the original does not.
        const cv::Mat a = linearizer::matrixA(back);
        QCOMPARE(a.rows, 24);
        QCOMPARE(a.cols, 32);
        const nn::FaceModel cut = linearizer::withMatrixA(back, linearizer::truncatedRank(a, 2));
        QVERIFY(linearizer::singularValues(linearizer::matrixA(cut))[2] < 1e-4);
        QVERIFY(linearizer::singularValues(linearizer::matrixA(back))[2] > 1e-3);
    }

    void defaultConfigBuilds()
    {
        const LinearizerConfig c; // latent 512, 4 blocks, hidden 1024, full A, 3 x 112 x 112
        LinearizerModel m(c);
        m->eval();
        torch::NoGradGuard noGrad;
        torch::manual_seed(12);
        const auto e = m->forward(torch::randn({2, 3, 112, 112}));
        QCOMPARE(e.size(0), 2);
        QCOMPARE(e.size(1), 512);
        QVERIFY(torch::isfinite(e).all().item<bool>());
        for (auto &p : m->gyNet()->parameters())
            p.add_(torch::randn_like(p) * 0.01); // off the identity
        const auto y = torch::randn({8, 512});
        const double err = maxAbs(m->gy(m->gyInverse(y)), y);
        qInfo("g_y round trip at D 512, 4 blocks: %.3g", err);
        QVERIFY(err < 1e-4);
    }
};

QTEST_APPLESS_MAIN(TestLinearizer)
#include "test_linearizer.moc"

// core/inversion on a small BatchNorm network built here (random weights, chosen running
// statistics): the statistics prior equals a direct computation, optimisation pulls the batch
// statistics towards the running ones and the embedding towards its target, the same seed gives
// the same images, a cancel returns the last step's images, the ArcFace margin loss and ranks
// match their definitions, and the measured prior of a model without BatchNorm (the default
// model, folded) covers its convolutions.
#include "DataPaths.h"
#include "inversion/ImagePriors.h"
#include "inversion/MarginTarget.h"
#include "inversion/ModelInverter.h"
#include "inversion/StatisticsPrior.h"
#include "nn/FaceNet.h"
#include "nn/ModelFamily.h"

#include <QDir>
#include <QFileInfo>
#include <QtTest>
#include <opencv2/imgcodecs.hpp>

#include <cmath>

using namespace facelab;

namespace {

// conv -> BN -> ReLU -> conv (stride 2) -> BN -> ReLU -> mean over space -> linear.
class TinyBnNet : public nn::FaceNetImpl
{
public:
    TinyBnNet()
    {
        torch::manual_seed(7);
        conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1).bias(false)));
        bn1 = register_module("bn1", torch::nn::BatchNorm2d(8));
        conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 3).stride(2).padding(1).bias(false)));
        bn2 = register_module("bn2", torch::nn::BatchNorm2d(16));
        fc = register_module("fc", torch::nn::Linear(16, 8));
        // Statistics a trained network would hold: those of smooth images (8x8 noise blown up to
        // 32x32), far from those of pixel noise, which is where inversion starts.
        torch::NoGradGuard g;
        const torch::Tensor smooth = torch::nn::functional::interpolate(
            torch::rand({64, 3, 8, 8}) * 2 - 1, torch::nn::functional::InterpolateFuncOptions().size(std::vector<int64_t>{32, 32}).mode(torch::kBilinear).align_corners(false));
        const torch::Tensor h1 = conv1(smooth);
        bn1->running_mean.copy_(h1.mean({0, 2, 3}));
        bn1->running_var.copy_(h1.var({0, 2, 3}, false));
        const torch::Tensor h2 = conv2(torch::relu(bn1(h1)));
        bn2->running_mean.copy_(h2.mean({0, 2, 3}));
        bn2->running_var.copy_(h2.var({0, 2, 3}, false));
        calibration = smooth;
        eval();
    }
    std::string family() const override { return "tiny"; }
    torch::Tensor forward(const torch::Tensor &x) override
    {
        torch::Tensor h = conv1(x);
        tapBatchNorm(0, "bn1", h, bn1->running_mean, bn1->running_var);
        h = torch::relu(bn1(h));
        h = conv2(h);
        tapBatchNorm(1, "bn2", h, bn2->running_mean, bn2->running_var);
        h = torch::relu(bn2(h));
        return fc(h.mean({2, 3}));
    }
    int inputWidth() const override { return 32; }
    int inputHeight() const override { return 32; }
    int embeddingDim() const override { return 8; }
    int batchNormLayerCount() const override { return 2; }
    void save(const std::string &) const override {}
    std::string fileSuffix() const override { return ".pt"; }

    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    torch::nn::Linear fc{nullptr};
    torch::Tensor calibration;   // the smooth images the statistics come from
};

nn::FaceModel tinyModel()
{
    nn::Preprocessing spec;
    spec.mean = {127.5f, 127.5f, 127.5f};
    spec.stdDev = {127.5f, 127.5f, 127.5f};
    spec.width = spec.height = 32;
    return nn::FaceModel(std::make_shared<TinyBnNet>(), spec, "");
}

// Four centres the network can reach: its embeddings of four smooth images; the target is class 1.
inversion::InversionTarget tinyTarget()
{
    auto net = std::make_shared<TinyBnNet>();
    torch::NoGradGuard g;
    const torch::Tensor c = torch::nn::functional::normalize(net->forward(net->calibration.slice(0, 0, 4)),
                                                             torch::nn::functional::NormalizeFuncOptions().dim(1)).contiguous();
    inversion::InversionTarget t;
    t.centres.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    t.classes = 4;
    t.dim = 8;
    t.targetClass = 1;
    t.description = "class 1";
    return t;
}

double bnDistance(TinyBnNet &net, const torch::Tensor &x)
{
    torch::NoGradGuard g;
    const torch::Tensor h1 = net.conv1(x);
    const torch::Tensor h2 = net.conv2(torch::relu(net.bn1(h1)));
    return inversion::layerStatisticsLoss(h1, net.bn1->running_mean, net.bn1->running_var).item<double>() +
           inversion::layerStatisticsLoss(h2, net.bn2->running_mean, net.bn2->running_var).item<double>();
}

torch::Tensor facesTensor(const std::vector<cv::Mat> &faces, const nn::Preprocessing &spec)
{
    return nn::facesToTensor(faces, spec);
}

} // namespace

class TestInversion : public QObject
{
    Q_OBJECT
private slots:
    void statisticsLossEqualsDirectComputation()
    {
        auto model = tinyModel();
        auto net = std::dynamic_pointer_cast<TinyBnNet>(model.net());
        torch::manual_seed(11);
        const torch::Tensor x = torch::randn({5, 3, 32, 32});
        inversion::StatisticsPrior prior(net, inversion::PriorKind::BatchNorm, {}, 10.0);
        net->forward(x);
        const double taken = prior.take().item<double>();

        // By hand: per-channel mean and biased variance over batch and space of each BN input.
        torch::NoGradGuard g;
        const torch::Tensor h1 = net->conv1(x);
        const torch::Tensor h2 = net->conv2(torch::relu(net->bn1(h1)));
        auto term = [](const torch::Tensor &h, const torch::Tensor &rm, const torch::Tensor &rv) {
            const torch::Tensor flat = h.transpose(0, 1).reshape({h.size(1), -1});   // C x (N*H*W)
            const torch::Tensor mean = flat.mean(1);
            const torch::Tensor var = ((flat - mean.unsqueeze(1)).pow(2)).mean(1);
            return std::sqrt((mean - rm).pow(2).sum().item<double>()) + std::sqrt((var - rv).pow(2).sum().item<double>());
        };
        const double direct = 10.0 * term(h1, net->bn1->running_mean, net->bn1->running_var) +
                              term(h2, net->bn2->running_mean, net->bn2->running_var);
        QVERIFY2(std::abs(taken - direct) < 1e-4 * std::max(1.0, direct), qPrintable(QString("%1 vs %2").arg(taken).arg(direct)));
        QCOMPARE(prior.layers().size(), size_t(2));
        QCOMPARE(prior.take().item<double>(), 0.0);   // taken once
    }

    void optimisationReachesTargetAndStatistics()
    {
        auto model = tinyModel();
        auto net = std::dynamic_pointer_cast<TinyBnNet>(model.net());
        inversion::InversionOptions o;
        o.steps = 200;
        o.batch = 8;
        o.learningRate = 0.1;
        o.priorWeight = 1.0;
        o.tvWeight = 1e-4;   // 32 x 32 images: the default smoothness would outweigh the rest
        o.previewEvery = 0;
        const auto target = tinyTarget();
        const auto r = inversion::invertModel(model, target, o);
        QCOMPARE(r.prior, inversion::PriorKind::BatchNorm);
        QCOMPARE(r.priorLayers, (std::vector<std::string>{"bn1", "bn2"}));
        QCOMPARE(r.stepsRun, 200);
        QCOMPARE(int(r.images.size()), 8);
        QCOMPARE(r.images[0].cols, 32);
        QCOMPARE(r.images[0].type(), CV_8UC3);

        // The batch statistics of the result are much nearer the running ones than noise's.
        torch::manual_seed(5);
        const torch::Tensor noise = torch::randn({8, 3, 32, 32}).clamp(-1, 1);
        const double before = bnDistance(*net, noise);
        const double after = bnDistance(*net, facesTensor(r.images, model.preprocessing()));
        QVERIFY2(after < 0.5 * before, qPrintable(QString("BN distance noise %1, inverted %2").arg(before).arg(after)));
        // The embedding reached its class: cosine above a bound, rank 1 for every image.
        for (size_t i = 0; i < r.images.size(); ++i) {
            QVERIFY2(r.targetCosine[i] > 0.8, qPrintable(QString("image %1: cosine %2").arg(i).arg(r.targetCosine[i])));
            QCOMPARE(r.targetRank[i], 1);
        }
        QVERIFY(r.history.front().targetCosine < r.history.back().targetCosine);
        // The model is left as it was: parameters still trainable, eval mode.
        for (const auto &p : net->parameters())
            QVERIFY(p.requires_grad());
        QVERIFY(!net->batchNormTap());
    }

    void sameSeedSameImagesAndCancelKeepsLastStep()
    {
        auto model = tinyModel();
        inversion::InversionOptions o;
        o.steps = 30;
        o.batch = 3;
        o.previewEvery = 10;
        o.seed = 42;
        const auto target = tinyTarget();
        std::vector<int> previews;
        inversion::InversionCallbacks cb;
        cb.onPreview = [&](int step, const std::vector<cv::Mat> &images) {
            previews.push_back(step);
            QCOMPARE(int(images.size()), 3);
        };
        const auto a = inversion::invertModel(model, target, o, {}, cb);
        const auto b = inversion::invertModel(model, target, o);
        for (size_t i = 0; i < a.images.size(); ++i)
            QCOMPARE(cv::norm(a.images[i], b.images[i], cv::NORM_INF), 0.0);
        QCOMPARE(previews, (std::vector<int>{10, 20, 30}));
        o.seed = 43;
        const auto c = inversion::invertModel(model, target, o);
        QVERIFY(cv::norm(a.images[0], c.images[0], cv::NORM_INF) > 0);

        // Cancelled after step 12: the images of step 12, flagged.
        int steps = 0;
        inversion::InversionCallbacks cancel;
        cancel.onStep = [&](const inversion::InversionStep &s) { steps = s.step; };
        cancel.cancelled = [&] { return steps >= 12; };
        const auto d = inversion::invertModel(model, target, o, {}, cancel);
        QVERIFY(d.cancelled);
        QCOMPARE(d.stepsRun, 12);
        QCOMPARE(int(d.images.size()), 3);
        QCOMPARE(int(d.history.size()), 12);
    }

    void embeddingTargetUsesCosine()
    {
        auto model = tinyModel();
        inversion::InversionTarget t = tinyTarget();
        t.embedding = std::vector<float>(t.centres.begin() + 16, t.centres.begin() + 24);   // centre 2
        t.targetClass = 2;
        inversion::InversionOptions o;
        o.steps = 150;
        o.batch = 4;
        o.learningRate = 0.1;
        o.tvWeight = 1e-4;
        o.previewEvery = 0;
        const auto r = inversion::invertModel(model, t, o);
        QVERIFY2(r.targetCosine[0] > 0.8, qPrintable(QString::number(r.targetCosine[0])));
        QVERIFY(r.history.back().target < r.history.front().target);
    }

    void marginLossAndRanksFollowTheirDefinitions()
    {
        // Two centres at right angles; an embedding at 30 degrees from centre 0.
        const torch::Tensor centres = torch::tensor({1.f, 0.f, 0.f, 1.f}).reshape({2, 2});
        const double a = M_PI / 6;
        const torch::Tensor e = torch::tensor({float(std::cos(a)), float(std::sin(a))}).reshape({1, 2});
        const double s = 64, m = 0.5;
        const double target = s * std::cos(a + m), other = s * std::cos(M_PI / 2 - a);
        const double expected = -(target - std::log(std::exp(target) + std::exp(other)));
        const double got = inversion::arcFaceLoss(e, centres, 0, s, m).item<double>();
        QVERIFY2(std::abs(got - expected) < 1e-3, qPrintable(QString("%1 vs %2").arg(got).arg(expected)));
        QCOMPARE(inversion::classRanks(e, centres, 0), std::vector<int>{1});
        QCOMPARE(inversion::classRanks(e, centres, 1), std::vector<int>{2});
    }

    void imagePriorsAndPixelRange()
    {
        const torch::Tensor flat = torch::full({2, 3, 8, 8}, 0.5);
        QCOMPARE(inversion::totalVariation(flat).item<double>(), 0.0);
        const torch::Tensor x = torch::randn({2, 3, 8, 8});
        // A roll wraps: no pixel is lost, the L2 norm stays.
        QVERIFY(std::abs(inversion::imageL2(inversion::jitter(x, 3, -2, true)).item<double>() - inversion::imageL2(x).item<double>()) < 1e-4);
        QVERIFY(torch::equal(inversion::jitter(inversion::jitter(x, 0, 0, true), 0, 0, true), x));
        // Round trip through 8-bit faces for an RGB model: channel order and rounding.
        nn::Preprocessing spec = nn::Preprocessing::frFeature();
        spec.width = spec.height = 8;
        cv::Mat face(8, 8, CV_8UC3, cv::Scalar(10, 128, 250));   // B, G, R
        const torch::Tensor t = inversion::fromFace(face, spec);
        QVERIFY(std::abs(t[0][0][0][0].item<float>() - (250 - 127) / 128.f) < 1e-5);   // red first
        const auto back = inversion::toFaces(t, spec);
        QCOMPARE(cv::norm(back[0], face, cv::NORM_INF), 0.0);
        const auto range = inversion::pixelRange(spec, torch::kCPU);
        QVERIFY(std::abs(range.low[0][0][0][0].item<float>() + 127 / 128.f) < 1e-6);
        QVERIFY(std::abs(range.high[0][2][0][0].item<float>() - 128 / 128.f) < 1e-6);
    }

    void refusesWhatCannotWork()
    {
        auto model = tinyModel();
        auto t = tinyTarget();
        inversion::InversionOptions o;
        o.steps = 0;
        QVERIFY_THROWS_EXCEPTION(inversion::InversionError, inversion::invertModel(model, t, o));
        o.steps = 5;
        t.dim = 4;
        QVERIFY_THROWS_EXCEPTION(inversion::InversionError, inversion::invertModel(model, t, o));
        t = tinyTarget();
        o.prior = inversion::PriorKind::Measured;   // no statistics given
        QVERIFY_THROWS_EXCEPTION(inversion::InversionError, inversion::invertModel(model, t, o));
    }

    void measuredPriorOnTheFoldedDefaultModel()
    {
        const std::string path = modelsDir() + "/fr_feature.onnx";
        const QString faces = QStringLiteral(FACELAB_SOURCE_DIR "/../shared/data/faces112");
        if (!QFileInfo::exists(QString::fromStdString(path)) || !QDir(faces).exists())
            QSKIP("fr_feature.onnx (packaging/fetch-models.sh) or shared/data/faces112 missing");
        nn::OpenOptions open;
        open.preprocessing = nn::Preprocessing::frFeature();
        const nn::FaceModel model = nn::openModel("onnx", path, open);
        QCOMPARE(model.net()->batchNormLayerCount(), 0);           // BatchNorm folded away
        QCOMPARE(model.net()->convolutionLayerCount(), 50);
        QVERIFY(inversion::batchNormPriorLayers(model).empty());

        QStringList files;
        const QDir root(faces);
        for (const QString &person : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name).mid(0, 4))
            for (const QString &f : QDir(root.filePath(person)).entryList(QDir::Files, QDir::Name).mid(0, 4))
                files << root.filePath(person + "/" + f);
        const auto stats = inversion::measureConvolutionStatistics(
            model, size_t(files.size()), [&](size_t i) { return cv::imread(files[int(i)].toStdString()); }, 6);
        QCOMPARE(int(stats.size()), 50);
        QCOMPARE(stats.front().mean.size(), stats.front().var.size());
        // The first layer's statistics by hand: tap the first convolution once over all the faces.
        std::vector<cv::Mat> images;
        for (const QString &f : files)
            images.push_back(cv::imread(f.toStdString()));
        torch::Tensor first;
        model.net()->setConvolutionTap([&](const nn::BatchNormTapEvent &e) {
            if (e.layer == 0)
                first = e.input.detach().clone();
        });
        {
            torch::NoGradGuard g;
            model.net()->forward(nn::facesToTensor(images, model.preprocessing()));
        }
        model.net()->setConvolutionTap({});
        const auto [mean, var] = inversion::channelStatistics(first);
        for (int c = 0; c < mean.size(0); ++c) {
            QVERIFY(std::abs(mean[c].item<float>() - stats.front().mean[size_t(c)]) < 1e-3);
            QVERIFY(std::abs(var[c].item<float>() - stats.front().var[size_t(c)]) < 1e-3 * std::max(1.f, var[c].item<float>()));
        }

        // A few steps with the measured prior run and name its layers.
        inversion::InversionTarget t;
        t.embedding.assign(size_t(model.embeddingDim()), 0.f);
        t.embedding[0] = 1.f;
        t.description = "axis 0";
        inversion::InversionOptions o;
        o.steps = 3;
        o.batch = 2;
        o.previewEvery = 0;
        const auto r = inversion::invertModel(model, t, o, stats);
        QCOMPARE(r.prior, inversion::PriorKind::Measured);
        QCOMPARE(int(r.priorLayers.size()), o.priorLayers);   // spread over the 50
        QCOMPARE(r.priorLayers.front(), stats.front().name);
        QCOMPARE(r.priorLayers.back(), stats.back().name);
        QVERIFY(r.history.front().prior > 0);
    }
};

QTEST_APPLESS_MAIN(TestInversion)
#include "test_inversion.moc"

// The real MobileFaceNet of the npm package (fr_feature.onnx) end to end: import and report, agreement
// with OpenCV dnn, batching, gradients, export and reload, torch::save, embeddings. The other two
// npm models are checked against OpenCV dnn too (they use Slice, Softmax, Shape, Gather, BN, Gemm...).
#include "OnnxTestGraph.h"

#include "DataPaths.h"
#include "nn/Embedder.h"
#include "nn/ModelError.h"
#include "nn/OnnxExport.h"
#include "nn/OnnxImportReport.h"

#include <opencv2/imgproc.hpp>

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace facelab::nn;
using namespace facelab::nntest;

namespace {

onnx::ModelProto readProto(const std::string &path)
{
    onnx::ModelProto p;
    std::ifstream in(path, std::ios::binary);
    if (!p.ParseFromIstream(&in))
        throw std::runtime_error("cannot parse " + path);
    return p;
}

// Reads float initializers straight from the protobuf, independently of the library's reader.
std::vector<float> floatsOf(const onnx::TensorProto &t)
{
    if (t.has_raw_data()) {
        std::vector<float> v(t.raw_data().size() / 4);
        std::memcpy(v.data(), t.raw_data().data(), v.size() * 4);
        return v;
    }
    return std::vector<float>(t.float_data().begin(), t.float_data().end());
}

const onnx::TensorProto &initializer(const onnx::ModelProto &m, const std::string &name)
{
    for (const auto &t : m.graph().initializer())
        if (t.name() == name)
            return t;
    throw std::runtime_error("no initializer " + name);
}

std::vector<std::string> convWeightNames(const onnx::ModelProto &m)
{
    std::vector<std::string> names;
    for (const auto &n : m.graph().node())
        if (n.op_type() == "Conv")
            names.push_back(n.input(1));
    return names;
}

// OpenCV dnn on a file, one sample at a time (fr_feature.onnx declares batch 1).
torch::Tensor openCvRows(const std::string &path, const torch::Tensor &x)
{
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    std::vector<torch::Tensor> rows;
    for (int64_t i = 0; i < x.size(0); ++i) {
        auto xi = x.narrow(0, i, 1).contiguous();
        const int dims[4] = {1, 3, 112, 112};
        net.setInput(cv::Mat(4, dims, CV_32F, xi.data_ptr<float>()).clone());
        cv::Mat out = net.forward();
        rows.push_back(torch::from_blob(out.ptr<float>(), {1, int64_t(out.total())}, torch::kFloat).clone());
    }
    return torch::cat(rows);
}

void sgdStep(OnnxGraphModule &m, const torch::Tensor &x)
{
    torch::optim::SGD opt(m->parameters(), torch::optim::SGDOptions(0.05));
    opt.zero_grad();
    // Pull the embeddings of the two samples apart: a contrastive-style step.
    auto y = m->forward(x);
    auto loss = torch::cosine_similarity(y[0], y[1], 0);
    loss.backward();
    opt.step();
}

std::vector<cv::Mat> randomFaces(int n, uint64_t seed)
{
    cv::RNG rng(seed);
    std::vector<cv::Mat> faces;
    for (int i = 0; i < n; ++i) {
        cv::Mat f(112, 112, CV_8UC3);
        rng.fill(f, cv::RNG::UNIFORM, 0, 256);
        cv::GaussianBlur(f, f, cv::Size(5, 5), 0); // a little spatial structure
        faces.push_back(f);
    }
    return faces;
}

} // namespace

class FrFeatureTest : public QObject
{
    Q_OBJECT

    std::string m_path;
    QTemporaryDir m_dir;
    std::string tmp(const char *name) const { return (m_dir.path() + "/" + name).toStdString(); }

private slots:
    void initTestCase()
    {
        m_path = facelab::modelsDir() + "/fr_feature.onnx";
        if (!QFile::exists(QString::fromStdString(m_path)))
            QSKIP(qPrintable("fr_feature.onnx not installed at " + QString::fromStdString(m_path) +
                             " (run packaging/fetch-models.sh)"));
        QVERIFY(m_dir.isValid());
        torch::manual_seed(5);
    }

    void importReport()
    {
        const auto proto = readProto(m_path);
        const auto report = inspectOnnxModel(m_path, 4);
        QVERIFY(report.loadable());
        QCOMPARE(report.opset, proto.opset_import(0).version());
        std::map<std::string, int> ops;
        int64_t floats = 0, others = 0;
        for (const auto &n : proto.graph().node())
            ++ops[n.op_type()];
        for (const auto &t : proto.graph().initializer()) {
            int64_t count = 1;
            for (auto d : t.dims())
                count *= d;
            if (t.data_type() == TensorProto::FLOAT)
                floats += count;
            else
                ++others;
        }
        QCOMPARE(report.opHistogram, ops);
        QCOMPARE(report.parameterCount, floats); // every float initializer is a conv weight/bias or a slope
        QCOMPARE(report.bufferTensors, others);  // the Reshape shape
        QCOMPARE(report.inputs.size(), size_t(1));
        QCOMPARE(report.inputs[0].shape, (std::vector<int64_t>{1, 3, 112, 112}));
        QCOMPARE(report.outputs[0].shape, (std::vector<int64_t>{1, 512}));
        QCOMPARE(report.comparedBatch, 4);
        QVERIFY2(report.maxAbsDiffVsOpenCV < 1e-4, qPrintable(QString::number(report.maxAbsDiffVsOpenCV)));
        QVERIFY(report.agreesWithOpenCV());
        QVERIFY(QString::fromStdString(report.summary()).contains("max |LibTorch - OpenCV dnn|"));
        qInfo("%s", report.summary().c_str());
    }

    void batchMatchesOneByOne()
    {
        OnnxGraphModule m(m_path);
        torch::NoGradGuard noGrad;
        auto x = torch::randn({4, 3, 112, 112});
        auto y = m->forward(x);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{4, 512}));
        for (int64_t i = 0; i < 4; ++i) {
            auto single = m->forward(x.narrow(0, i, 1));
            QCOMPARE(single.sizes().vec(), (std::vector<int64_t>{1, 512}));
            QVERIFY(maxDiff(y[i], single[0]) < 1e-5);
            if (i > 0) // different faces give different rows: nothing was broadcast or mixed
                QVERIFY(maxDiff(y[i], y[0]) > 1e-2);
        }
        QVERIFY(maxDiff(y, openCvRows(m_path, x)) < 1e-4);
    }

    void gradientsFlow()
    {
        OnnxGraphModule m(m_path);
        const auto proto = readProto(m_path);
        std::map<std::string, torch::Tensor> before;
        for (const auto &p : m->named_parameters())
            before[p.key()] = p.value().detach().clone();
        for (const auto &b : m->named_buffers())
            before[b.key()] = b.value().clone();
        auto x = torch::randn({2, 3, 112, 112}).requires_grad_();
        auto y = m->forward(x);
        y.pow(2).sum().backward();
        for (const auto &name : convWeightNames(proto)) {
            auto w = m->initializerValue(name);
            QVERIFY2(w.grad().defined() && w.grad().abs().sum().item<double>() > 0, name.c_str());
        }
        QVERIFY(x.grad().abs().sum().item<double>() > 0);
        // backward changes no weight and no buffer, and the next forward is the same
        for (const auto &p : m->named_parameters())
            QVERIFY2(torch::equal(p.value().detach(), before[p.key()]), p.key().c_str());
        for (const auto &b : m->named_buffers())
            QVERIFY2(torch::equal(b.value(), before[b.key()]), b.key().c_str());
        QVERIFY(maxDiff(m->forward(x), y) == 0.0);
    }

    void exportUntouchedRoundTrip()
    {
        OnnxGraphModule m(m_path);
        QTemporaryDir dir;
        const auto out = (dir.path() + "/untouched.onnx").toStdString();
        exportOnnx(*m, out);
        exportOnnx(*m, out); // writing over an existing file
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"untouched.onnx"}); // no temp left
        const auto original = readProto(m_path), exported = readProto(out);
        QCOMPARE(exported.graph().node_size(), original.graph().node_size());
        QCOMPARE(exported.graph().initializer_size(), original.graph().initializer_size());
        for (const auto &t : original.graph().initializer())
            if (t.data_type() == TensorProto::FLOAT)
                QVERIFY2(floatsOf(initializer(exported, t.name())) == floatsOf(t), t.name().c_str());
        torch::NoGradGuard noGrad;
        auto x = torch::randn({3, 3, 112, 112});
        auto y = m->forward(x);
        QVERIFY(maxDiff(openCvRows(out, x), y) < 1e-4);
        OnnxGraphModule reloaded(out);
        QVERIFY(maxDiff(reloaded->forward(x), y) < 1e-6);
    }

    void exportReflectsModifiedWeight()
    {
        OnnxGraphModule m(m_path);
        const auto original = readProto(m_path);
        const std::string w = convWeightNames(original).front();
        auto x = torch::randn({2, 3, 112, 112});
        torch::Tensor before;
        int64_t k = 0; // the strongest filter of the first conv (some of its filters are all zero)
        {
            torch::NoGradGuard noGrad;
            before = m->forward(x);
            auto weight = m->initializerValue(w);
            k = weight.abs().sum({1, 2, 3}).argmax().item<int64_t>();
            weight[k].mul_(-2.f);
        }
        const auto out = tmp("edited.onnx");
        exportOnnx(*m, out);
        const auto exported = readProto(out);
        const auto was = floatsOf(initializer(original, w)), now = floatsOf(initializer(exported, w));
        const size_t filter = size_t(m->initializerValue(w)[0].numel()), from = size_t(k) * filter;
        QCOMPARE(now.size(), was.size());
        for (size_t i = 0; i < now.size(); ++i)
            QCOMPARE(now[i], i >= from && i < from + filter ? -2.f * was[i] : was[i]);
        for (const auto &t : original.graph().initializer())
            if (t.name() != w && t.data_type() == TensorProto::FLOAT)
                QVERIFY2(floatsOf(initializer(exported, t.name())) == floatsOf(t), t.name().c_str());
        torch::NoGradGuard noGrad;
        auto after = m->forward(x);
        QVERIFY(maxDiff(after, before) > 1e-3); // the edit matters...
        QVERIFY(maxDiff(openCvRows(out, x), after) < 1e-4); // ...and OpenCV sees it in the export
    }

    void exportAfterTrainingStep()
    {
        OnnxGraphModule m(m_path);
        auto x = torch::randn({2, 3, 112, 112});
        torch::Tensor before;
        {
            torch::NoGradGuard noGrad;
            before = m->forward(x);
        }
        m->train();
        sgdStep(m, x);
        m->eval();
        const auto out = tmp("tuned.onnx");
        exportOnnx(*m, out);
        const auto original = readProto(m_path), exported = readProto(out);
        int changed = 0;
        for (const auto &t : original.graph().initializer())
            changed += t.data_type() == TensorProto::FLOAT && floatsOf(initializer(exported, t.name())) != floatsOf(t);
        QVERIFY2(changed > 100, qPrintable(QString::number(changed))); // nearly every tensor moved
        torch::NoGradGuard noGrad;
        auto y = m->forward(x);
        QVERIFY(maxDiff(y, before) > 1e-3);
        QVERIFY(maxDiff(openCvRows(out, x), y) < 1e-4);
        OnnxGraphModule reloaded(out);
        QVERIFY(maxDiff(reloaded->forward(x), y) < 1e-5);
        QVERIFY(maxAbsDiffVsOpenCV(*m, out, 2) < 1e-4);
    }

    void torchSaveAndLoad()
    {
        OnnxGraphModule tuned(m_path);
        auto x = torch::randn({2, 3, 112, 112});
        tuned->train();
        sgdStep(tuned, x);
        tuned->eval();
        const auto pt = tmp("tuned.pt");
        torch::save(tuned, pt);
        OnnxGraphModule fresh(m_path);
        torch::NoGradGuard noGrad;
        QVERIFY(maxDiff(fresh->forward(x), tuned->forward(x)) > 1e-3);
        torch::load(fresh, pt);
        QVERIFY(maxDiff(fresh->forward(x), tuned->forward(x)) == 0.0);
    }

    void channelsLastMatches()
    {
        OnnxGraphModule plain(m_path), nhwc(m_path);
        nhwc->setChannelsLast(true);
        torch::NoGradGuard noGrad;
        auto x = torch::randn({3, 3, 112, 112});
        QVERIFY(maxDiff(nhwc->forward(x), plain->forward(x)) < 1e-5);
        // Export writes standard (row-major NCHW) data whatever the in-memory layout.
        const auto out = tmp("nhwc.onnx");
        exportOnnx(*nhwc, out);
        QVERIFY(maxDiff(openCvRows(out, x), plain->forward(x)) < 1e-4);
    }

    void runsOnPreferredDevice()
    {
        OnnxGraphModule cpu(m_path), dev(m_path);
        dev->to(preferredDevice());
        torch::NoGradGuard noGrad;
        auto x = torch::randn({2, 3, 112, 112});
        auto y = dev->forward(x); // CPU input is moved to the module's device
        QCOMPARE(y.device(), preferredDevice());
        QVERIFY(maxDiff(y.cpu(), cpu->forward(x)) < 1e-4);
        dev->to(torch::kCPU);
        QVERIFY(maxDiff(dev->forward(x), cpu->forward(x)) < 1e-4);
    }

    void embedderBackendsAgree()
    {
        const auto spec = Preprocessing::frFeature();
        Embedder viaCv(m_path, spec, EmbedBackend::OpenCvDnn);
        Embedder viaTorch(m_path, spec, EmbedBackend::LibTorch);
        Embedder automatic(m_path, spec);
        QCOMPARE(viaCv.backend(), EmbedBackend::OpenCvDnn);
        QCOMPARE(viaTorch.backend(), EmbedBackend::LibTorch);
        QVERIFY(automatic.backend() != EmbedBackend::Auto);
        const QString why = QString::fromStdString(automatic.backendReason());
        QVERIFY2(why.startsWith("measured") || why.startsWith("CUDA"), qPrintable(why));
        qInfo("Auto chose %s: %s", backendName(automatic.backend()), qPrintable(why));
        QCOMPARE(viaCv.backendReason(), std::string("requested"));
        QVERIFY(cv::norm(automatic.embed(randomFaces(3, 13)), viaCv.embed(randomFaces(3, 13)), cv::NORM_INF) < 1e-4);
        const auto faces = randomFaces(5, 11);
        cv::Mat a = viaCv.embed(faces), b = viaTorch.embed(faces);
        QCOMPARE(a.rows, 5);
        QCOMPARE(a.cols, 512);
        QCOMPARE(a.type(), CV_32F);
        for (int i = 0; i < 5; ++i) {
            QVERIFY(std::abs(cv::norm(a.row(i)) - 1.0) < 1e-5);
            QVERIFY(std::abs(cv::norm(b.row(i)) - 1.0) < 1e-5);
        }
        QVERIFY(cv::norm(a, b, cv::NORM_INF) < 1e-4);
        // A face's embedding does not depend on its batch or chunking.
        viaTorch.setChunkSize(2);
        QVERIFY(cv::norm(viaTorch.embed(faces), b, cv::NORM_INF) < 1e-5);
        QVERIFY(cv::norm(viaTorch.embed({faces[3]}), b.row(3), cv::NORM_INF) < 1e-5);
        QVERIFY(cv::norm(viaCv.embed({faces[3]}), a.row(3), cv::NORM_INF) < 1e-5);
        // The same as normalising the module's output for the preprocessed tensor.
        OnnxGraphModule m(m_path);
        torch::NoGradGuard noGrad;
        auto ref = torch::nn::functional::normalize(m->forward(facesToTensor(faces, spec)),
                                                    torch::nn::functional::NormalizeFuncOptions().dim(1));
        QVERIFY(maxDiff(torch::from_blob(b.ptr<float>(), {5, 512}), ref) < 1e-5);
    }

    void embedderOnFineTunedModule()
    {
        auto module = std::make_shared<OnnxGraphModuleImpl>(m_path);
        OnnxGraphModule holder(module);
        const auto faces = randomFaces(2, 12);
        const auto spec = Preprocessing::frFeature();
        holder->train();
        sgdStep(holder, facesToTensor(faces, spec));
        Embedder tuned(FaceModel(module, spec, m_path));
        QCOMPARE(tuned.backend(), EmbedBackend::LibTorch);
        cv::Mat e = tuned.embed(faces);
        QVERIFY(module->is_training()); // embedding ran in eval mode and restored the mode
        Embedder untouched(m_path, spec, EmbedBackend::OpenCvDnn);
        QVERIFY(cv::norm(e, untouched.embed(faces), cv::NORM_INF) > 1e-3);
    }

    void otherNpmModelsMatchOpenCv_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("fr_detect.onnx (RFB-320 detector)") << "fr_detect.onnx";
        QTest::newRow("fr_landmark.onnx (68 landmarks)") << "fr_landmark.onnx";
    }
    void otherNpmModelsMatchOpenCv()
    {
        QFETCH(QString, file);
        const auto path = facelab::modelsDir() + "/" + file.toStdString();
        if (!QFile::exists(QString::fromStdString(path)))
            QSKIP(qPrintable(file + " not installed (run packaging/fetch-models.sh)"));
        const auto report = inspectOnnxModel(path, 3);
        QVERIFY(report.loadable());
        QVERIFY2(report.agreesWithOpenCV(), report.summary().c_str());
        qInfo("%s: max diff %g", qPrintable(file), report.maxAbsDiffVsOpenCV);
    }
};

QTEST_GUILESS_MAIN(FrFeatureTest)
#include "test_nn_frfeature.moc"

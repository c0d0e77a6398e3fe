// Files and graphs the engine must refuse, each with a message that names the file and the problem.
#include "OnnxTestGraph.h"

#include "DataPaths.h"
#include "nn/Embedder.h"
#include "nn/ModelError.h"
#include "nn/OnnxImportReport.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <random>

using namespace facelab::nn;
using namespace facelab::nntest;

namespace {

void writeBytes(const std::string &path, const std::string &bytes)
{
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// A small valid model: Conv -> Relu -> Flatten -> Gemm on 1x3x8x8.
GraphBuilder smallModel()
{
    GraphBuilder g(11);
    g.input("input", {1, 3, 8, 8}).output("output", {1, 4});
    g.initializer("w", torch::randn({2, 3, 3, 3}), true).initializer("fc", torch::randn({4, 2 * 8 * 8}), true);
    g.node("Conv", {"input", "w"}, {"c"}).ints("kernel_shape", {3, 3}).ints("pads", {1, 1, 1, 1});
    g.node("Relu", {"c"}, {"r"});
    g.node("Flatten", {"r"}, {"f"});
    g.node("Gemm", {"f", "fc"}, {"output"}).i("transB", 1);
    return g;
}

// Runs `f`, expects a ModelError whose message contains the file name and every `parts`.
template <typename F>
QString expectModelError(F f, const std::string &file, const QStringList &parts)
{
    try {
        f();
    } catch (const ModelError &e) {
        const QString msg = QString::fromStdString(e.what());
        if (!msg.contains(QString::fromStdString(file)))
            return "message does not name the file: " + msg;
        for (const auto &p : parts)
            if (!msg.contains(p, Qt::CaseInsensitive))
                return "message lacks '" + p + "': " + msg;
        return QString();
    } catch (const std::exception &e) {
        return QString("wrong exception type: ") + e.what();
    }
    return "no exception";
}

#define EXPECT_MODEL_ERROR(call, file, ...)                                                                            \
    do {                                                                                                               \
        const QString _problem = expectModelError([&] { call; }, file, QStringList{__VA_ARGS__});                     \
        QVERIFY2(_problem.isEmpty(), qPrintable(_problem));                                                            \
    } while (0)

} // namespace

class ErrorsTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string path(const char *name) const { return (m_dir.path() + "/" + name).toStdString(); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        torch::manual_seed(3);
    }

    void validModelLoads()
    {
        // The control case: the same file intact loads and runs, so the failures below are
        // caused by the damage, not by the model.
        const auto p = path("good.onnx");
        writeBytes(p, smallModel().bytes());
        OnnxGraphModule m(p);
        QCOMPARE(m->forward(torch::randn({2, 3, 8, 8})).sizes().vec(), (std::vector<int64_t>{2, 4}));
    }

    void missingFile()
    {
        const auto p = path("does-not-exist.onnx");
        EXPECT_MODEL_ERROR(OnnxModelFile::load(p), p, "not found");
        EXPECT_MODEL_ERROR(OnnxGraphModule{p}, p, "not found");
        EXPECT_MODEL_ERROR(inspectOnnxModel(p), p, "not found");
        EXPECT_MODEL_ERROR(Embedder(p, Preprocessing::frFeature(), EmbedBackend::OpenCvDnn), p, "not found");
    }

    void emptyFile()
    {
        const auto p = path("empty.onnx");
        writeBytes(p, "");
        EXPECT_MODEL_ERROR(OnnxModelFile::load(p), p, "empty");
    }

    void truncatedFile_data()
    {
        QTest::addColumn<double>("keep");
        QTest::newRow("90%") << 0.9;
        QTest::newRow("50%") << 0.5;
        QTest::newRow("10%") << 0.1;
        QTest::newRow("first bytes") << 0.001;
    }
    void truncatedFile()
    {
        QFETCH(double, keep);
        const std::string bytes = smallModel().bytes();
        const auto p = path("truncated.onnx");
        writeBytes(p, bytes.substr(0, std::max<size_t>(1, size_t(double(bytes.size()) * keep))));
        EXPECT_MODEL_ERROR(OnnxGraphModule{p}, p, "not an ONNX model");
    }

    void truncatedRealModel()
    {
        const std::string real = facelab::modelsDir() + "/fr_feature.onnx";
        std::ifstream in(real, std::ios::binary);
        if (!in)
            QSKIP("fr_feature.onnx is not installed (packaging/fetch-models.sh)");
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto p = path("fr_feature_truncated.onnx");
        writeBytes(p, bytes.substr(0, bytes.size() / 2));
        EXPECT_MODEL_ERROR(OnnxGraphModule{p}, p, "truncated");
    }

    void randomBytes()
    {
        std::mt19937 rng(42);
        for (int trial = 0; trial < 5; ++trial) {
            std::string bytes(4096, '\0');
            for (auto &c : bytes)
                c = char(rng() & 0xff);
            const auto p = path("random.onnx");
            writeBytes(p, bytes);
            EXPECT_MODEL_ERROR(OnnxGraphModule{p}, p, "not an ONNX model");
        }
    }

    void notAnOnnxModel()
    {
        // A text file, and a valid protobuf that is not a model (a lone TensorProto: its field 1
        // reads as an IR version, so it parses, but holds no graph).
        const auto text = path("readme.onnx");
        writeBytes(text, "this is not a model\n");
        EXPECT_MODEL_ERROR(OnnxModelFile::load(text), text, "not an ONNX model");

        TensorProto t;
        fillTensorProto(t, "w", torch::randn({3, 4}), true);
        const auto tensorFile = path("tensor.onnx");
        writeBytes(tensorFile, t.SerializeAsString());
        EXPECT_MODEL_ERROR(OnnxModelFile::load(tensorFile), tensorFile, "not an ONNX model");
    }

    void unsupportedOperatorsAreListed()
    {
        GraphBuilder g(13);
        g.input("x", {1, 4}).output("y");
        g.node("Relu", {"x"}, {"a"});
        g.node("Einsum", {"a"}, {"b"}).s("equation", "ij->ij");
        g.node("NonMaxSuppression", {"b"}, {"c"});
        g.node("Einsum", {"c"}, {"y"}).s("equation", "ij->ij");
        const auto p = path("unsupported.onnx");
        writeBytes(p, g.bytes());
        try {
            OnnxGraphModule m(p);
            QFAIL("a graph with unsupported operators was loaded");
        } catch (const UnsupportedOpsError &e) {
            QCOMPARE(e.ops(), (std::vector<std::string>{"Einsum", "NonMaxSuppression"}));
            const QString msg = e.what();
            QVERIFY2(msg.contains(QString::fromStdString(p)) && msg.contains("Einsum, NonMaxSuppression"), e.what());
        }
        // The report lists them without throwing, and the model is not usable.
        const auto report = inspectOnnxModel(p);
        QVERIFY(!report.loadable());
        QCOMPARE(report.unsupportedOps, (std::vector<std::string>{"Einsum", "NonMaxSuppression"}));
        QCOMPARE(report.opHistogram.at("Einsum"), 2);
        QVERIFY(!report.agreesWithOpenCV());
        QVERIFY_THROWS_EXCEPTION(UnsupportedOpsError, importOnnxModel(p));
    }

    void customDomainOperator()
    {
        GraphBuilder g(13);
        g.input("x", {1, 4}).output("y");
        auto *n = g.mutableProto().mutable_graph()->add_node();
        n->set_op_type("Relu");
        n->set_domain("com.microsoft");
        n->add_input("x");
        n->add_output("y");
        const auto p = path("domain.onnx");
        writeBytes(p, g.bytes());
        EXPECT_MODEL_ERROR(OnnxGraphModule{p}, p, "com.microsoft::Relu");
    }

    void wrongInputSize()
    {
        // A model made for 1x3x8x8 fed a batch of 112x112 faces.
        const auto p = path("small.onnx");
        writeBytes(p, smallModel().bytes());
        OnnxGraphModule m(p);
        EXPECT_MODEL_ERROR(m->forward(torch::randn({4, 3, 112, 112})), p, "expects shape [N,3,8,8]", "[4,3,112,112]");
        EXPECT_MODEL_ERROR(m->forward(torch::randn({4, 112, 112})), p, "expects shape");
        EXPECT_MODEL_ERROR(m->forwardAll({}), p, "1 input");

        Embedder e(FaceModel(std::make_shared<OnnxGraphModuleImpl>(p), Preprocessing::frFeature(), p));
        std::vector<cv::Mat> faces(2, cv::Mat(112, 112, CV_8UC3, cv::Scalar(10, 20, 30)));
        EXPECT_MODEL_ERROR(e.embed(faces), p, "expects shape [N,3,8,8]", "[2,3,112,112]");
    }

    void wrongInputSizeRealModel()
    {
        const std::string landmark = facelab::modelsDir() + "/fr_landmark.onnx";
        if (!QFile::exists(QString::fromStdString(landmark)))
            QSKIP("fr_landmark.onnx is not installed (packaging/fetch-models.sh)");
        // The 64x64 grey landmark model given 112x112 colour faces.
        Embedder e(landmark, Preprocessing::frFeature(), EmbedBackend::LibTorch);
        std::vector<cv::Mat> faces(3, cv::Mat(112, 112, CV_8UC3, cv::Scalar(1, 2, 3)));
        EXPECT_MODEL_ERROR(e.embed(faces), landmark, "expects shape [N,1,64,64]", "[3,3,112,112]");
    }

    void brokenReferences()
    {
        // Nodes out of order (or a file cut between nodes): a node reads a value nothing defined.
        GraphBuilder g(13);
        g.input("x", {1, 4}).output("y");
        g.node("Relu", {"later"}, {"y"});
        g.node("Relu", {"x"}, {"later"});
        EXPECT_MODEL_ERROR(OnnxModelFile::fromProto(g.proto(), "unordered.onnx"), "unordered.onnx", "'later'",
                           "topological");

        GraphBuilder noOut(13);
        noOut.input("x", {1, 4}).output("missing");
        noOut.node("Relu", {"x"}, {"y"});
        EXPECT_MODEL_ERROR(OnnxModelFile::fromProto(noOut.proto(), "noout.onnx"), "noout.onnx", "'missing'");
    }

    void badInitializerData()
    {
        GraphBuilder g(13);
        g.input("x", {2, 3}).output("y");
        g.initializer("b", torch::randn({3}), true);
        g.node("Add", {"x", "b"}, {"y"});
        auto proto = g.proto();
        proto.mutable_graph()->mutable_initializer(0)->mutable_raw_data()->resize(7); // 7 bytes for 3 floats
        EXPECT_MODEL_ERROR(OnnxGraphModule(OnnxModelFile::fromProto(proto, "baddata.onnx")), "baddata.onnx",
                           "initializer 'b'");
    }

    void badAttributes()
    {
        GraphBuilder g(13);
        g.input("x", {1, 1, 4, 4}).output("y");
        g.node("Pad", {"x"}, {"y"}).s("mode", "wrap");
        EXPECT_MODEL_ERROR(OnnxGraphModule(OnnxModelFile::fromProto(g.proto(), "wrap.onnx")), "wrap.onnx", "Pad",
                           "wrap");
    }

    void runtimeFailureNamesTheNode()
    {
        // A Reshape whose constant shape cannot hold the data fails at run time, naming the node.
        GraphBuilder g(13);
        g.input("x", {-1, 6}).output("y").initializer("s", torch::tensor(std::vector<int64_t>{4, 4}, torch::kLong));
        g.node("Reshape", {"x", "s"}, {"y"});
        OnnxGraphModule m(OnnxModelFile::fromProto(g.proto(), "reshape.onnx"));
        EXPECT_MODEL_ERROR(m->forward(torch::randn({1, 6})), "reshape.onnx", "Reshape_1", "Reshape");
    }

    void nonImageFaces()
    {
        const auto p = path("small2.onnx");
        writeBytes(p, smallModel().bytes());
        Preprocessing spec;
        spec.width = spec.height = 8;
        Embedder e(FaceModel(std::make_shared<OnnxGraphModuleImpl>(p), spec, p));
        EXPECT_MODEL_ERROR(e.embed({cv::Mat(8, 8, CV_8UC1, cv::Scalar(3))}), p, "8-bit 3-channel");
    }
};

QTEST_GUILESS_MAIN(ErrorsTest)
#include "test_nn_errors.moc"

// Graphs written by the reference exporter (Debian's python3-torch, torch.onnx.export) at opsets 9,
// 11 and 13, with a fixed batch of 1 and with a dynamic batch: an iResNet-style net (BN, PReLU,
// residual blocks, Flatten, Gemm, BatchNorm1d) and a mix of the shape/normalisation operators
// exporters emit. Each must reproduce PyTorch's own outputs on a batch of 3.
// SKIPs when python3-torch is not installed.
#include "nn/PythonReference.h"
#include "nn/Embedder.h"
#include "nn/ModelError.h"
#include "nn/OnnxGraphModule.h"
#include "nn/OnnxImportReport.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace facelab::nn;
using facelab::test::python;
using facelab::test::pythonHas;
using facelab::test::readFloats;

namespace {

std::vector<int64_t> dimsOf(const QString &s)
{
    std::vector<int64_t> d;
    for (const auto &part : s.split(','))
        d.push_back(part.toLongLong());
    return d;
}



} // namespace

class PytorchExportsTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QStringList m_index;

private slots:
    void initTestCase()
    {
        if (!pythonHas("torch"))
            QSKIP("python3-torch is not installed: no reference exporter to compare with");
        QVERIFY(m_dir.isValid());
        QProcess gen;
        gen.start(python(), {QString(FACELAB_SOURCE_DIR) + "/tests/nn/make_reference_models.py", m_dir.path()});
        QVERIFY2(gen.waitForFinished(300000), "exporter timed out");
        QVERIFY2(gen.exitCode() == 0, gen.readAllStandardError().constData());
        QFile index(m_dir.path() + "/index.txt");
        QVERIFY(index.open(QIODevice::ReadOnly));
        m_index = QString::fromUtf8(index.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(m_index.size(), 10);
    }

    void matchesPytorch_data()
    {
        QTest::addColumn<QString>("line");
        for (const auto &line : m_index)
            QTest::newRow(qPrintable(line.section(' ', 0, 0))) << line;
    }
    void matchesPytorch()
    {
        QFETCH(QString, line);
        const auto parts = line.split(' ');
        const QString base = m_dir.path() + "/" + parts[0];
        const auto x = readFloats(base + ".input.bin", dimsOf(parts[2]));
        const auto expected = readFloats(base + ".output.bin", dimsOf(parts[3]));
        OnnxGraphModule m((base + ".onnx").toStdString());
        QCOMPARE(m->file().opset(), parts[1].toLongLong());
        torch::NoGradGuard noGrad;
        const auto y = m->forward(x);
        QCOMPARE(y.sizes().vec(), expected.sizes().vec());
        const double diff = (y - expected).abs().max().item<double>();
        QVERIFY2(diff < 1e-4, qPrintable(QString("max |OnnxGraphModule - PyTorch| = %1").arg(diff)));
        // Samples stay apart: each row equals that sample run alone.
        for (int64_t i = 0; i < x.size(0); ++i)
            QVERIFY((m->forward(x.narrow(0, i, 1)) - y.narrow(0, i, 1)).abs().max().item<double>() < 1e-5);
    }

    void clipWithConstantInputsIsCrossChecked()
    {
        // A PyTorch ReLU6 at opset 13: Clip with min/max as inputs. OpenCV 4.6 reads the rewritten
        // copy, so the import compares instead of reporting "no second runtime".
        const auto path = (m_dir.path() + "/relu6_opset13_batch1.onnx").toStdString();
        const auto report = inspectOnnxModel(path, 3);
        QVERIFY(report.opHistogram.count("Clip"));
        QVERIFY2(report.agreesWithOpenCV(), report.summary().c_str());
        QVERIFY(report.maxAbsDiffVsOpenCV < 1e-5);
    }

    void reportSaysWhenOpenCvCannotCheck()
    {
        // OpenCV 4.6 cannot parse these exports (torch emits an Identity on an initializer). The
        // report must then say why no comparison ran and must not claim agreement.
        const auto path = (m_dir.path() + "/iresnet_opset9_batch1.onnx").toStdString();
        const auto report = inspectOnnxModel(path, 3);
        QVERIFY(report.loadable());
        QVERIFY(report.opHistogram.count("BatchNormalization")); // BN after PReLU is not folded away
        QVERIFY(report.parameterCount > 0);
        QVERIFY(!report.agreesWithOpenCV());
        QVERIFY(std::isnan(report.maxAbsDiffVsOpenCV));
        QVERIFY2(QString::fromStdString(report.openCvNote).startsWith("OpenCV dnn:"), report.openCvNote.c_str());
        QVERIFY(QString::fromStdString(report.summary()).contains("not compared with OpenCV dnn"));

        // Embedding with Auto falls back to the runtime that can read the file.
        Preprocessing spec = Preprocessing::insightFaceArcFace();
        spec.width = spec.height = 32;
        Embedder automatic(path, spec);
        QCOMPARE(automatic.backend(), EmbedBackend::LibTorch);
        QVERIFY2(QString::fromStdString(automatic.backendReason()).contains("OpenCV dnn cannot run it"),
                 automatic.backendReason().c_str());
        const cv::Mat e = automatic.embed(std::vector<cv::Mat>(2, cv::Mat(32, 32, CV_8UC3, cv::Scalar(9, 99, 199))));
        QCOMPARE(e.rows, 2);
        QVERIFY(std::abs(cv::norm(e.row(0)) - 1.0) < 1e-5);
    }

    void iresnetTrains()
    {
        // Gradients reach every parameter of a graph with BN and PReLU; BN statistics stay put.
        const auto path = (m_dir.path() + "/iresnet_opset13_dynamic.onnx").toStdString();
        OnnxGraphModule m(path);
        std::map<std::string, torch::Tensor> stats;
        for (const auto &b : m->named_buffers())
            stats[b.key()] = b.value().clone();
        m->train();
        m->forward(torch::rand({4, 3, 32, 32})).pow(2).sum().backward();
        int withGrad = 0;
        for (const auto &p : m->parameters())
            withGrad += p.grad().defined() && p.grad().abs().sum().item<double>() > 0;
        QCOMPARE(withGrad, int(m->parameters().size()));
        for (const auto &b : m->named_buffers())
            QVERIFY2(torch::equal(b.value(), stats[b.key()]), b.key().c_str());
    }
};

QTEST_GUILESS_MAIN(PytorchExportsTest)
#include "test_nn_pytorch_exports.moc"

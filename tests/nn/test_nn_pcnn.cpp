// CryptoFace PatchCNN ("pcnn") and TorchScript ("torchscript") families against the reference
// writer: genuine torch.save checkpoints and torch.jit.save modules written by Debian's python3-torch
// (make_pcnn_checkpoints.py), with PyTorch's own embeddings. SKIPs when python3-torch is missing.
#include "nn/PythonReference.h"
#include "nn/FaceNet.h"
#include "nn/ModelError.h"
#include "nn/OnnxGraphModule.h"
#include "nn/Preprocessing.h"
#include "nn/checkpoint/TorchCheckpoint.h"
#include "nn/families/PatchCnn.h"
#include "nn/families/PatchCnnFamily.h"
#include "nn/families/PatchCnnFuse.h"
#include "nn/families/TorchScriptFamily.h"

#include <ATen/CPUGeneratorImpl.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>

#include <fstream>

using namespace facelab::nn;
using facelab::test::python;
using facelab::test::pythonHas;
using facelab::test::readFloats;

namespace {

constexpr int kFaces = 6;


QString script() { return QString(FACELAB_SOURCE_DIR) + "/tests/nn/make_pcnn_checkpoints.py"; }

// Tensors of one PatchCNN backbone: conv 1; HerPN = 3 BN x (mean, var, count) + weight, bias = 11;
// HerPNConv = 2 HerPN + 2 convs = 24, +1 conv +5 BN with a projection shortcut; pool HerPN 11; bn 5.
constexpr int kPerBackbone = 1 + 3 * 24 + 2 * 30 + 11 + 5;
int expectedTensors(int size) { return (size / 32) * (size / 32) * kPerBackbone + 2 + 3; }

} // namespace

class PcnnTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::vector<cv::Mat> m_faces;

    QString file(const QString &name) const { return m_dir.path() + "/" + name; }

    torch::Tensor embed(const FaceModel &model)
    {
        torch::NoGradGuard guard;
        model.net()->eval();
        return model.net()->forward(facesToTensor(m_faces, model.preprocessing()));
    }

private slots:
    void initTestCase()
    {
        at::set_num_threads(2);
        if (!pythonHas("torch"))
            QSKIP("python3-torch is not installed: no reference writer to compare with");
        QVERIFY(m_dir.isValid());
        QProcess gen;
        gen.start(python(), {script(), m_dir.path()});
        QVERIFY2(gen.waitForFinished(300000), "writer timed out");
        QVERIFY2(gen.exitCode() == 0, gen.readAllStandardError().constData());
        QFile faces(file("faces.u8"));
        QVERIFY(faces.open(QIODevice::ReadOnly));
        const QByteArray bytes = faces.readAll();
        QCOMPARE(bytes.size(), kFaces * 112 * 112 * 3);
        for (int i = 0; i < kFaces; ++i)
            m_faces.push_back(cv::Mat(112, 112, CV_8UC3, const_cast<char *>(bytes.constData()) + i * 112 * 112 * 3).clone());
    }

    void matchesPytorch_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<QString>("layout");
        for (int size : {64, 96})
            for (const char *layout : {"full", "backbone"})
                QTest::newRow(qPrintable(QString("pcnn%1_%2").arg(size).arg(layout))) << size << QString(layout);
    }
    void matchesPytorch()
    {
        QFETCH(int, size);
        QFETCH(QString, layout);
        const auto path = file(QString("pcnn%1_%2.ckpt").arg(size).arg(layout)).toStdString();
        const auto &family = patchCnnFamily();
        QVERIFY(family.accepts(path));
        QVERIFY(!torchScriptFamily().accepts(path));

        const LoadReport r = family.inspect(path);
        QVERIFY2(r.complete(), r.countsText().c_str());
        QCOMPARE(r.family, std::string("pcnn"));
        QCOMPARE(r.architecture, "pcnn" + std::to_string(size));
        QCOMPARE(int(r.tensorsExpected), expectedTensors(size));
        QCOMPARE(int(r.tensorsLoaded), expectedTensors(size));
        QVERIFY2(r.unexpected.empty(), r.unexpected.empty() ? "" : r.unexpected.front().c_str());
        QCOMPARE(int(r.dropped.size()), 2); // jigsaw.weight, jigsaw.bias
        QCOMPARE(r.embeddingDim, 256);
        QVERIFY(r.preprocessing.has_value());
        QVERIFY(*r.preprocessing == pcnn::patchCnnPreprocessing());
        QVERIFY2(r.crossCheck.agrees(), (std::to_string(r.fusedMaxAbsDiff) + " > " + std::to_string(r.crossCheck.tolerance)).c_str());
        if (layout == "full") {
            bool noted = false;
            for (const auto &n : r.notes)
                noted = noted || (n.find("optimizer") != std::string::npos && n.find("epoch=25") != std::string::npos);
            QVERIFY(noted);
        }

        const FaceModel model = family.open(path);
        QCOMPARE(model.family(), std::string("pcnn"));
        QCOMPARE(model.embeddingDim(), 256);
        const auto got = embed(model);
        const auto want = readFloats(file(QString("pcnn%1_emb.f32").arg(size)), {kFaces, 256});
        const double diff = (got - want).abs().max().item<double>();
        qInfo("pcnn%d %s: max |FaceLab - PyTorch| = %.3g (embedding max %.3g), fused vs unfused (synthetic) = %.3g",
              size, qPrintable(layout), diff, want.abs().max().item<double>(), r.fusedMaxAbsDiff);
        // Random HerPN networks (five squarings deep) give embeddings far from unit size on noise
        // faces; float32 agreement is relative to that size: 1e-4 absolute for unit-sized embeddings.
        const double tol = std::max(1e-4, 1e-5 * want.abs().max().item<double>());
        QVERIFY2(diff < tol, (std::to_string(diff) + " > " + std::to_string(tol)).c_str());

        // Fused vs unfused on the faces: in float32 within 1e-5 of the embedding's size (float32
        // rounding of the unfused Linear output alone), in double exact to rounding.
        auto net = std::dynamic_pointer_cast<pcnn::PatchCnnImpl>(model.net());
        QVERIFY(net);
        const auto batch = facesToTensor(m_faces, model.preprocessing());
        const double fused = pcnn::fusedMaxAbsDiff(*net, batch);
        const double scale = std::max(1.0, want.abs().max().item<double>());
        QVERIFY(!net->fused());
        net->to(torch::kDouble);
        const double fusedDouble = pcnn::fusedMaxAbsDiff(*net, batch.to(torch::kDouble));
        qInfo("pcnn%d %s: fused vs unfused on the faces = %.3g (float32, %.3g relative), %.3g (double)", size,
              qPrintable(layout), fused, fused / scale, fusedDouble);
        QVERIFY2(fused < 1e-5 * scale, std::to_string(fused).c_str());
        QVERIFY2(fusedDouble < 1e-9, std::to_string(fusedDouble).c_str());
    }

    void wrongSizeRefused()
    {
        const auto path = file("pcnn64_backbone.ckpt").toStdString();
        QCOMPARE(pcnn::detectPatchCnnSize(path), 64);
        const LoadReport r = pcnn::inspectPatchCnn(path, 96);
        QVERIFY(!r.complete());
        QCOMPARE(int(r.tensorsExpected), expectedTensors(96));
        // nets.0..3 and the head's bias and BatchNorm load; linear.weight [256,1024] vs [256,2304].
        QCOMPARE(int(r.tensorsLoaded), 4 * kPerBackbone + 1 + 3);
        QCOMPARE(int(r.mismatched.size()), 1);
        QCOMPARE(int(r.missing.size()), 5 * kPerBackbone);
        QVERIFY(std::isnan(r.fusedMaxAbsDiff));
        try {
            pcnn::openPatchCnn(path, 96);
            QFAIL("a PatchCNN64 file opened as PatchCNN96 was accepted");
        } catch (const ModelError &e) {
            const std::string what = e.what();
            qInfo("%s", e.what());
            QVERIFY2(what.find(r.countsText()) != std::string::npos, e.what());
            QVERIFY2(what.find("linear.weight") != std::string::npos, e.what());
        }
        OpenOptions partial;
        partial.allowPartial = true;
        QVERIFY(pcnn::openPatchCnn(path, 96, partial));
    }

    void saveRoundTrip()
    {
        const FaceModel model = patchCnnFamily().open(file("pcnn96_backbone.ckpt").toStdString());
        const auto before = embed(model);
        const auto out = file("saved96.ckpt").toStdString();
        const CrossCheck c = patchCnnFamily().exportTo(model, out);
        QVERIFY2(c.agrees(), c.note.c_str());
        // FaceLab reads it back completely, jigsaw head kept, nothing unexpected.
        const LoadReport r = patchCnnFamily().inspect(out);
        QVERIFY2(r.complete(), r.countsText().c_str());
        QVERIFY(r.unexpected.empty());
        QCOMPARE(int(r.dropped.size()), 2);
        const auto again = embed(patchCnnFamily().open(out));
        QCOMPARE((again - before).abs().max().item<double>(), 0.0);
        // PyTorch's strict load_state_dict reads it and gives the same embeddings.
        QProcess py;
        py.start(python(), {script(), "--embed", QString::fromStdString(out), "96", file("faces.u8"), file("saved96.f32")});
        QVERIFY(py.waitForFinished(120000));
        QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
        const auto theirs = readFloats(file("saved96.f32"), {kFaces, 256});
        const double diff = (theirs - before).abs().max().item<double>();
        qInfo("saved pcnn96 read by PyTorch: max diff %.3g", diff);
        QVERIFY(diff < std::max(1e-4, 1e-5 * before.abs().max().item<double>()));
    }

    void fusedExport()
    {
        const FaceModel model = patchCnnFamily().open(file("pcnn64_backbone.ckpt").toStdString());
        auto net = std::dynamic_pointer_cast<pcnn::PatchCnnImpl>(model.net());
        const auto out = file("fused64.pth").toStdString();
        pcnn::writeFusedPatchWeights(*net, out);
        const auto c = ckpt::readTorchSave(out);
        const auto *w = c.find("patch.3.weight");
        QVERIFY(w);
        QCOMPARE(w->shape, (std::vector<int64_t>{256, 256}));
        QVERIFY(c.find("fused.weight") && c.find("fused.weight")->dtype == ckpt::DType::Float64);
        QVERIFY(c.find("nets.0.layers.4.herpn2.w2"));
        QVERIFY(c.find("nets.3.herpnpool.herpn.w0"));
        // The exported blocks reproduce the embedding: sum_i W_i f_i + b'/N.
        torch::NoGradGuard guard;
        net->eval();
        const auto batch = facesToTensor(m_faces, model.preprocessing());
        const auto feats = net->patchFeatures(batch);
        auto sum = torch::zeros({kFaces, 256});
        for (int i = 0; i < 4; ++i) {
            const auto *wi = c.find("patch." + std::to_string(i) + ".weight");
            const auto *bi = c.find("patch." + std::to_string(i) + ".bias");
            QVERIFY(wi && bi);
            const auto W = torch::from_blob(const_cast<float *>(wi->toFloat().data()), {256, 256}).clone();
            const auto B = torch::tensor(bi->toFloat());
            sum += feats.select(1, i).matmul(W.t()) + B;
        }
        const double diff = (sum - net->forward(batch)).abs().max().item<double>();
        const auto ref = net->forward(batch);
        qInfo("exported per-patch head vs network: %.3g (embedding max %.3g)", diff, ref.abs().max().item<double>());
        QVERIFY(diff < 1e-5 * std::max(1.0, ref.abs().max().item<double>()));
        // The HerPN quadratics equal the HerPN layers in eval mode.
        auto &h = *net->nets[0]->layers[1]->herpn2;
        torch::Tensor w2, w1, w0;
        h.polynomial(w2, w1, w0);
        const auto x = torch::randn({2, 32, 5, 5});
        int tap = 0;
        const auto y = h.forward(x, *net, tap, "probe");
        const auto v = [](const torch::Tensor &t) { return t.to(torch::kFloat).view({1, -1, 1, 1}); };
        const auto yp = v(w2) * x.square() + v(w1) * x + v(w0);
        QVERIFY((y - yp).abs().max().item<double>() < 1e-4);
    }

    void batchNormTapsAndTraining()
    {
        const FaceModel model = patchCnnFamily().open(file("pcnn64_backbone.ckpt").toStdString());
        auto net = model.net();
        int events = 0, maxLayer = -1;
        net->setBatchNormTap([&](const BatchNormTapEvent &e) {
            ++events;
            maxLayer = std::max(maxLayer, e.layer);
        });
        const auto batch = facesToTensor(m_faces, model.preprocessing());
        net->eval();
        {
            torch::NoGradGuard guard;
            net->forward(batch);
        }
        QCOMPARE(events, net->batchNormLayerCount());
        QCOMPARE(maxLayer, net->batchNormLayerCount() - 1);
        net->setBatchNormTap({});
        // Frozen training keeps the statistics; gradients reach the first patch convolution.
        auto pc = std::dynamic_pointer_cast<pcnn::PatchCnnImpl>(net);
        const auto mean = pc->nets[0]->bn->running_mean.clone();
        net->train();
        net->setBatchNormMode(BatchNormMode::Frozen);
        net->forward(batch).square().mean().backward();
        QVERIFY(pc->nets[0]->conv.grad().defined());
        QCOMPARE((pc->nets[0]->bn->running_mean - mean).abs().max().item<double>(), 0.0);
        net->setBatchNormMode(BatchNormMode::Batch);
        {
            torch::NoGradGuard guard;
            net->forward(batch);
        }
        QVERIFY((pc->nets[0]->bn->running_mean - mean).abs().max().item<double>() > 0.0);
        const auto groups = net->parameterGroups();
        QCOMPARE(int(groups.size()), 9);
        QCOMPARE(groups.front().name, std::string("nets.*.conv"));
        QCOMPARE(groups.back().name, std::string("linear"));
        int64_t n = 0;
        for (const auto &g : groups)
            for (const auto &p : g.parameters)
                n += p.numel();
        QCOMPARE(n, net->parameterCount());
    }

    void torchScriptRoundTrip()
    {
        const auto path = file("ts_good.pt").toStdString();
        const auto &family = torchScriptFamily();
        QVERIFY(family.accepts(path));
        QVERIFY(!patchCnnFamily().accepts(path));
        const LoadReport r = family.inspect(path);
        QVERIFY(r.complete());
        QCOMPARE(int(r.tensorsExpected), 9); // conv w,b; bn w,b,mean,var,count; fc w,b
        QCOMPARE(r.embeddingDim, 128);
        QCOMPARE(r.family, std::string("torchscript"));

        const FaceModel model = family.open(path);
        QCOMPARE(model.family(), std::string("torchscript"));
        const auto in = readFloats(file("ts_good_in.f32"), {kFaces, 3, 112, 112});
        const auto want = readFloats(file("ts_good_out.f32"), {kFaces, 128});
        torch::NoGradGuard guard;
        model.net()->eval();
        const auto got = model.net()->forward(in);
        const double diff = (got - want).abs().max().item<double>();
        qInfo("torchscript: max |FaceLab - PyTorch| = %.3g", diff);
        QVERIFY(diff < 1e-5);
        QCOMPARE(model.net()->parameterCount(), int64_t(8 * 3 * 9 + 8 + 8 + 8 + 128 * 128 + 128));

        const auto out = file("ts_saved.pt").toStdString();
        model.save(out);
        QVERIFY(family.accepts(out));
        const FaceModel back = family.open(out);
        back.net()->eval();
        QCOMPARE((back.net()->forward(in) - got).abs().max().item<double>(), 0.0);
    }

    void torchScriptTupleRefused()
    {
        const auto path = file("ts_tuple.pt").toStdString();
        QVERIFY(torchScriptFamily().accepts(path));
        try {
            torchScriptFamily().inspect(path);
            QFAIL("a module returning a tuple was accepted");
        } catch (const ModelError &e) {
            const std::string what = e.what();
            qInfo("%s", e.what());
            QVERIFY2(what.find("tuple of 2 values") != std::string::npos, e.what());
            QVERIFY2(what.find("[2, 128]") != std::string::npos, e.what());
        }
    }

    // PatchCNN64 and 96 written as ONNX (the S x S network; the 112 -> S resize stays outside):
    // OpenCV dnn and FaceLab's own executor read it and agree with the native forward within
    // 1e-5 of the embedding's size, for the unfused and (64) the fused head.
    void onnxExportIsReadByOpenCv()
    {
        const auto formats = patchCnnFamily().exportFormats();
        QCOMPARE(std::count(formats.begin(), formats.end(), std::string(".onnx")), 1);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        for (int size : {64, 96}) {
            for (bool fusedHead : {false, true}) {
                if (fusedHead && size != 64)
                    continue;
                const FaceModel model = patchCnnFamily().open(file(QString("pcnn%1_backbone.ckpt").arg(size)).toStdString());
                auto net = std::dynamic_pointer_cast<pcnn::PatchCnnImpl>(model.net());
                QVERIFY(net);
                if (fusedHead)
                    pcnn::fuse(*net);
                const auto out = (dir.path() + QString("/pcnn%1%2.onnx").arg(size).arg(fusedHead ? "_fused" : ""))
                                     .toStdString();
                const CrossCheck c = patchCnnFamily().exportTo(model, out);
                qInfo("pcnn%d %s head ONNX: %s", size, fusedHead ? "fused" : "unfused", c.note.c_str());
                QVERIFY2(c.ran(), c.note.c_str());
                QCOMPARE(c.runtime, std::string("OpenCV dnn"));
                QVERIFY2(c.agrees(), c.note.c_str());
                QVERIFY(c.note.find("resize 112 -> " + std::to_string(size) + " before") != std::string::npos);

                // FaceLab's executor on the file vs the native forward, on another seeded S x S batch
                // (112 x 112 noise resized as the network does: per-pixel noise at S overflows these
                // random-weight networks to NaN natively).
                torch::NoGradGuard guard;
                net->eval();
                auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(7 + size));
                const auto x = net->resizeInput(torch::rand({3, 3, 112, 112}, gen, torch::kFloat) * 2 - 1).contiguous();
                QCOMPARE(x.size(2), int64_t(size));
                const auto want = net->forward(x);
                OnnxGraphModuleImpl module(out);
                const auto got = module.forward(x);
                QCOMPARE(got.sizes().vec(), (std::vector<int64_t>{3, 256}));
                const double diff = (got - want).abs().max().item<double>();
                const double tol = 1e-5 * std::max(1.0, want.abs().max().item<double>());
                qInfo("pcnn%d %s head ONNX: FaceLab executor vs native %.3g (tolerance %.3g)", size,
                      fusedHead ? "fused" : "unfused", diff, tol);
                QVERIFY2(diff <= tol, (std::to_string(diff) + " > " + std::to_string(tol)).c_str());
                // Against the native forward in double: the graph's error is float32 rounding of the
                // network itself, no larger than (twice) the native float32 forward's own.
                net->to(torch::kDouble);
                if (fusedHead)
                    pcnn::fuse(*net);
                const auto exact = net->forward(x.to(torch::kDouble)).to(torch::kFloat);
                net->to(torch::kFloat);
                if (fusedHead)
                    pcnn::fuse(*net);
                const double graphErr = (got - exact).abs().max().item<double>();
                const double nativeErr = (want - exact).abs().max().item<double>();
                qInfo("pcnn%d %s head vs double native: ONNX graph %.3g, native float32 %.3g", size,
                      fusedHead ? "fused" : "unfused", graphErr, nativeErr);
                QVERIFY2(graphErr <= std::max(tol, 2 * nativeErr), std::to_string(graphErr).c_str());
                // The 112x112 face resized outside the graph gives the native 112x112 embedding.
                const auto faces = facesToTensor(m_faces, model.preprocessing());
                const auto nativeFaces = net->forward(faces);
                const auto onnxFaces = module.forward(net->resizeInput(faces));
                const double faceDiff = (onnxFaces - nativeFaces).abs().max().item<double>();
                QVERIFY2(faceDiff <= 1e-5 * std::max(1.0, nativeFaces.abs().max().item<double>()),
                         std::to_string(faceDiff).c_str());
            }
        }
    }
};

QTEST_GUILESS_MAIN(PcnnTest)
#include "test_nn_pcnn.moc"

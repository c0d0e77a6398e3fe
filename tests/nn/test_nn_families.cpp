// The native families iResNet and MobileFaceNet against genuine PyTorch checkpoints written by
// make_family_checkpoints.py (Debian's python3-torch): tensor counts, embeddings equal to PyTorch's,
// wrong depth / wrong family refused with counts, save() read back by torch.load, and the native
// ONNX writer read by OpenCV dnn and FaceLab's executor. SKIPs without python3-torch.
#include "nn/PythonReference.h"
#include "nn/FaceModel.h"
#include "nn/FaceNet.h"
#include "nn/ModelError.h"
#include "nn/ModelFamily.h"
#include "nn/Preprocessing.h"
#include "nn/families/IResNet.h"
#include "nn/families/IResNetFamily.h"
#include "nn/families/MobileFaceNet.h"
#include "nn/families/MobileFaceNetFamily.h"
#include "nn/families/NativeOnnxExport.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/dnn.hpp>

#include <fstream>

using namespace facelab::nn;
using facelab::test::python;
using facelab::test::pythonHas;
using facelab::test::readFloats;

namespace {

QString script() { return QString(FACELAB_SOURCE_DIR) + "/tests/nn/make_family_checkpoints.py"; }


std::vector<cv::Mat> readFaces(const std::string &path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    const auto size = int64_t(in.tellg());
    in.seekg(0);
    const int n = int(size / (112 * 112 * 3));
    std::vector<cv::Mat> faces;
    for (int i = 0; i < n; ++i) {
        cv::Mat m(112, 112, CV_8UC3);
        in.read(reinterpret_cast<char *>(m.data), 112 * 112 * 3);
        faces.push_back(m);
    }
    return faces;
}

// Largest |a - b| relative to max(1, largest |b|).
double relDiff(const torch::Tensor &a, const torch::Tensor &b)
{
    const double scale = std::max(1.0, b.abs().max().item<double>());
    return (a - b).abs().max().item<double>() / scale;
}

const IResNetFamily &iresnet() { return static_cast<const IResNetFamily &>(iresnetFamily()); }

bool contains(const std::vector<std::string> &v, const std::string &prefix)
{
    for (const auto &s : v)
        if (s.rfind(prefix, 0) == 0)
            return true;
    return false;
}

} // namespace

class FamiliesTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::vector<cv::Mat> m_faces;
    std::map<std::string, std::pair<std::string, int>> m_index; // name -> (arch, tensor count)

    std::string file(const std::string &name) const { return m_dir.path().toStdString() + "/" + name; }

    const ModelFamily &familyOf(const std::string &name) const
    {
        return m_index.at(name).first == "mbf" ? mobileFaceNetFamily() : iresnetFamily();
    }

    torch::Tensor embed(const FaceModel &model)
    {
        torch::NoGradGuard noGrad;
        model.net()->eval();
        return model.net()->forward(facesToTensor(m_faces, model.preprocessing()));
    }

private slots:
    void initTestCase()
    {
        at::set_num_threads(2);
        if (!pythonHas("torch, numpy"))
            QSKIP("python3-torch (with numpy) is not installed: no reference checkpoints to compare with");
        QVERIFY(m_dir.isValid());
        QProcess gen;
        gen.start(python(), {script(), "make", m_dir.path()});
        QVERIFY2(gen.waitForFinished(600000), "make_family_checkpoints.py timed out");
        QVERIFY2(gen.exitCode() == 0, gen.readAllStandardError().constData());
        QFile index(m_dir.path() + "/index.txt");
        QVERIFY(index.open(QIODevice::ReadOnly));
        for (const auto &line : QString::fromUtf8(index.readAll()).split('\n', Qt::SkipEmptyParts)) {
            const auto parts = line.split(' ');
            m_index[parts[0].toStdString()] = {parts[1].toStdString(), parts[3].toInt()};
        }
        QCOMPARE(int(m_index.size()), 5);
        m_faces = readFaces(file("faces.u8"));
        QCOMPARE(int(m_faces.size()), 2);
    }

    void detection()
    {
        QVERIFY(iresnetFamily().accepts(file("r50_magface.pth")));
        QVERIFY(iresnetFamily().accepts(file("r100_magface.pth")));
        QVERIFY(iresnetFamily().accepts(file("r50_arcface.pth")));
        QVERIFY(iresnetFamily().accepts(file("r18_legacy.pth")));
        QVERIFY(!iresnetFamily().accepts(file("mbf.pth")));
        QVERIFY(mobileFaceNetFamily().accepts(file("mbf.pth")));
        QVERIFY(!mobileFaceNetFamily().accepts(file("r50_arcface.pth")));
        QVERIFY(!iresnetFamily().accepts(file("faces.u8")));
        QVERIFY_THROWS_EXCEPTION(ModelError, iresnetFamily().inspect(file("faces.u8")));
    }

    void counts_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("arch");
        QTest::addColumn<int>("expected");
        QTest::addColumn<bool>("magface");
        QTest::newRow("r50_magface") << "r50_magface" << "iresnet50" << 475 << true;
        QTest::newRow("r100_magface") << "r100_magface" << "iresnet100" << 925 << true;
        QTest::newRow("r50_arcface") << "r50_arcface" << "iresnet50" << 475 << false;
        QTest::newRow("r18_legacy") << "r18_legacy" << "iresnet18" << 187 << false;
        QTest::newRow("mbf") << "mbf" << "mbf" << 333 << false;
    }
    void counts()
    {
        QFETCH(QString, name);
        QFETCH(QString, arch);
        QFETCH(int, expected);
        QFETCH(bool, magface);
        const auto r = familyOf(name.toStdString()).inspect(file(name.toStdString() + ".pth"));
        qInfo("%s: %s, %s, %s", qPrintable(name), r.architecture.c_str(), r.countsText().c_str(), r.notes.front().c_str());
        QCOMPARE(int(r.tensorsExpected), m_index.at(name.toStdString()).second);
        QCOMPARE(int(r.tensorsExpected), expected);
        QCOMPARE(int(r.tensorsLoaded), expected);
        QVERIFY(r.complete());
        QVERIFY(r.unexpected.empty());
        QCOMPARE(QString::fromStdString(r.architecture), arch);
        QCOMPARE(QString::fromStdString(r.countsText()), QString("%1 of %1 tensors").arg(expected));
        QCOMPARE(r.embeddingDim, 512);
        QVERIFY(r.preprocessing.has_value());
        QVERIFY(*r.preprocessing == (magface ? Preprocessing::magFace() : Preprocessing::insightFaceArcFace()));
        QVERIFY(r.notes.front().rfind(magface ? "MagFace layout: BGR, x/255" : "ArcFace-torch layout", 0) == 0);
        if (magface) {
            QCOMPARE(int(r.dropped.size()), 1); // the MagLinear head fc.weight [10718, 512]
            QVERIFY(contains(r.dropped, "fc.weight [10718,512]"));
        }
    }

    void embeddingsMatchPytorch_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *n : {"r50_magface", "r100_magface", "r50_arcface", "r18_legacy", "mbf"})
            QTest::newRow(n) << n;
    }
    void embeddingsMatchPytorch()
    {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        const FaceModel model = familyOf(n).open(file(n + ".pth"));
        const auto ours = embed(model);
        const auto ref = readFloats(QString::fromStdString(file(n + ".emb")), {2, 512});
        const double d = relDiff(ours, ref);
        qInfo("%s: max |FaceLab - PyTorch| / scale = %.3g (scale %.3g)", n.c_str(), d, ref.abs().max().item<double>());
        QVERIFY2(d <= 1e-4, qPrintable(QString("relative diff %1").arg(d)));
        // The two faces differ: a swapped channel order or mixed batch would show.
        QVERIFY(relDiff(ref[0], ref[1]) > 1e-2);
    }

    void channelsLastAndTaps()
    {
        FaceModel model = iresnetFamily().open(file("r50_arcface.pth"));
        auto &net = *model.net();
        QCOMPARE(net.batchNormLayerCount(), 1 + 24 * 3 + 4 + 2);
        int events = 0;
        std::string first;
        net.setBatchNormTap([&](const BatchNormTapEvent &e) {
            if (events++ == 0)
                first = e.name;
            QVERIFY(e.runningMean.defined() && e.input.size(1) == e.runningMean.size(0));
        });
        const auto plain = embed(model);
        QCOMPARE(events, net.batchNormLayerCount());
        QCOMPARE(QString::fromStdString(first), QString("bn1"));
        net.setBatchNormTap({});
        net.setChannelsLast(true);
        const auto cl = embed(model);
        net.setChannelsLast(false);
        QVERIFY(relDiff(cl, plain) <= 1e-5);
        const auto groups = net.parameterGroups();
        QCOMPARE(int(groups.size()), 1 + 24 + 1);
        int64_t n = 0;
        for (const auto &g : groups)
            for (const auto &p : g.parameters)
                n += p.numel();
        QCOMPARE(n, net.parameterCount());
        const FaceModel mbf = mobileFaceNetFamily().open(file("mbf.pth"));
        QCOMPARE(mbf.net()->batchNormLayerCount(), 1 + 1 + 3 * (3 + 4 + 6 + 2) + 1 + 1 + 1);
    }

    void wrongDepthRefused()
    {
        try {
            iresnet().openAs(file("r50_arcface.pth"), 100);
            QFAIL("an iResNet50 file opened as iresnet100 was not refused");
        } catch (const ModelError &e) {
            qInfo("%s", e.what());
            QVERIFY2(QString(e.what()).contains("475 of 925 tensors (450 missing)"), e.what());
        }
        const auto r = iresnet().inspectAs(file("r50_arcface.pth"), 100);
        QVERIFY(!r.complete());
        QCOMPARE(int(r.missing.size()), 450);
        OpenOptions partial;
        partial.allowPartial = true;
        const FaceModel m = iresnet().openAs(file("r50_arcface.pth"), 100, partial);
        QVERIFY(bool(m));
        QCOMPARE(m.net()->embeddingDim(), 512);
        // A deeper file as a shallower depth: the extra blocks are unexpected.
        const auto r2 = iresnet().inspectAs(file("r100_magface.pth"), 50);
        qInfo("iresnet100 file as iresnet50: %s", r2.countsText().c_str());
        QCOMPARE(int(r2.tensorsLoaded), 475);
        QCOMPARE(int(r2.unexpected.size()), 925 - 475);
        QVERIFY_THROWS_EXCEPTION(ModelError, iresnet().openAs(file("r100_magface.pth"), 50)); // unexpected blocks refused
    }

    void wrongFamilyRefused()
    {
        try {
            iresnetFamily().open(file("mbf.pth"));
            QFAIL("a MobileFaceNet file opened as iResNet was not refused");
        } catch (const ModelError &e) {
            qInfo("%s", e.what());
            QVERIFY2(QString(e.what()).contains("0 of 475 tensors (475 missing, 333 unexpected)"), e.what());
        }
        const auto r = iresnetFamily().inspect(file("mbf.pth"));
        QCOMPARE(int(r.tensorsLoaded), 0);
        QCOMPARE(int(r.unexpected.size()), 333);
        OpenOptions partial;
        partial.allowPartial = true;
        QVERIFY(bool(iresnetFamily().open(file("mbf.pth"), partial)));
        try {
            mobileFaceNetFamily().open(file("r50_magface.pth"));
            QFAIL("an iResNet file opened as MobileFaceNet was not refused");
        } catch (const ModelError &e) {
            qInfo("%s", e.what());
            QVERIFY2(QString(e.what()).contains("0 of 333 tensors"), e.what());
        }
    }

    void saveReadByTorch_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("layout");
        QTest::newRow("r50_magface") << "r50_magface" << "magface";
        QTest::newRow("mbf") << "mbf" << "arcface";
    }
    void saveReadByTorch()
    {
        QFETCH(QString, name);
        QFETCH(QString, layout);
        const std::string n = name.toStdString();
        const FaceModel model = familyOf(n).open(file(n + ".pth"));
        const std::string saved = file(n + "_saved.pth");
        model.save(saved);
        QCOMPARE(QString::fromStdString(model.fileSuffix()), QString(".pth"));
        QProcess py;
        py.start(python(), {script(), "embed", QString::fromStdString(m_index.at(n).first), layout,
                            QString::fromStdString(saved), QString::fromStdString(file("faces.u8")),
                            QString::fromStdString(file(n + "_saved.emb"))});
        QVERIFY2(py.waitForFinished(300000), "torch.load timed out");
        QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
        const auto theirs = readFloats(QString::fromStdString(file(n + "_saved.emb")), {2, 512});
        const double d = relDiff(embed(model), theirs);
        qInfo("%s saved, torch.load + load_state_dict(strict): max diff / scale %.3g", n.c_str(), d);
        QVERIFY(d <= 1e-4);
        // And FaceLab reads its own file back completely.
        const auto r = familyOf(n).inspect(saved);
        QVERIFY(r.complete());
        QCOMPARE(int(r.tensorsLoaded), m_index.at(n).second);
    }

    void onnxExport_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("r50_arcface") << "r50_arcface";
        QTest::newRow("mbf") << "mbf";
    }
    void onnxExport()
    {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        const FaceModel model = familyOf(n).open(file(n + ".pth"));
        const std::string onnxPath = file(n + ".onnx");
        const CrossCheck c = familyOf(n).exportTo(model, onnxPath);
        qInfo("%s.onnx: %s; max diff %.3g, tolerance %.3g", n.c_str(), c.note.c_str(), c.maxAbsDiff, c.tolerance);
        QVERIFY2(c.ran(), c.note.c_str());
        QVERIFY2(c.agrees(), c.note.c_str());
        // The real faces through OpenCV's reading of the file agree with PyTorch's embeddings too.
        cv::dnn::Net net = cv::dnn::readNetFromONNX(onnxPath);
        net.setInput(facesToBlob(m_faces, model.preprocessing()));
        cv::Mat out = net.forward();
        QCOMPARE(int(out.total()), 2 * 512);
        const auto theirs = torch::from_blob(out.ptr<float>(), {2, 512}, torch::kFloat).clone();
        const double d = relDiff(theirs, readFloats(QString::fromStdString(file(n + ".emb")), {2, 512}));
        qInfo("%s.onnx on the faces (OpenCV dnn) vs PyTorch: %.3g", n.c_str(), d);
        QVERIFY(d <= 1e-4);
    }
};

QTEST_GUILESS_MAIN(FamiliesTest)
#include "test_nn_families.moc"

// Preprocessing specs: the per-family presets, their JSON form, and the BGR faces -> tensor step.
#include "nn/Preprocessing.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <QtTest>

using namespace facelab::nn;

class PreprocessingTest : public QObject
{
    Q_OBJECT

private slots:
    void presetsFollowTheReference()
    {
        // docs: shared/REFERENCE.md, "Per-family input conventions".
        const auto fr = Preprocessing::frFeature();
        QCOMPARE(fr.order, ChannelOrder::RGB);
        QCOMPARE(fr.mean, (std::array<float, 3>{127, 127, 127}));
        QCOMPARE(fr.stdDev, (std::array<float, 3>{128, 128, 128}));
        const auto arc = Preprocessing::insightFaceArcFace();
        QCOMPARE(arc.order, ChannelOrder::RGB);
        QCOMPARE(arc.mean, (std::array<float, 3>{127.5f, 127.5f, 127.5f}));
        QCOMPARE(arc.stdDev, (std::array<float, 3>{127.5f, 127.5f, 127.5f}));
        const auto mag = Preprocessing::magFace();
        QCOMPARE(mag.order, ChannelOrder::BGR);
        QCOMPARE(mag.mean, (std::array<float, 3>{0, 0, 0}));
        QCOMPARE(mag.stdDev, (std::array<float, 3>{255, 255, 255}));
        for (const auto &p : {fr, arc, mag}) {
            QCOMPARE(p.width, 112);
            QCOMPARE(p.height, 112);
        }
    }

    void jsonRoundTrip()
    {
        Preprocessing dlib; // face-api's ResNet: per-channel means, 150x150
        dlib.mean = {122.782f, 117.001f, 104.298f};
        dlib.stdDev = {255.f, 255.f, 255.f};
        dlib.width = dlib.height = 150;
        for (const auto &p : {Preprocessing::frFeature(), Preprocessing::insightFaceArcFace(), Preprocessing::magFace(), dlib})
            QVERIFY2(Preprocessing::fromJson(p.toJson()) == p, p.toJson().c_str());
        QCOMPARE(Preprocessing::frFeature().toJson(),
                 std::string(R"({"channel_order":"RGB","mean":[127,127,127],"std":[128,128,128],"width":112,"height":112})"));
    }

    void jsonIsReadLeniently()
    {
        const auto p = Preprocessing::fromJson(R"(  {
            "height": 96, "std": [ 1.5, 2, 2.5e0 ], "note": "unknown keys are ignored",
            "mean": [0.5,0,-1], "width": 64, "channel_order": "BGR" } )");
        QCOMPARE(p.order, ChannelOrder::BGR);
        QCOMPARE(p.mean, (std::array<float, 3>{0.5f, 0.f, -1.f}));
        QCOMPARE(p.stdDev, (std::array<float, 3>{1.5f, 2.f, 2.5f}));
        QCOMPARE(p.width, 64);
        QCOMPARE(p.height, 96);
    }

    void badJson_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("mentions");
        const QString ok = R"("mean":[1,2,3],"std":[1,1,1],"width":112,"height":112)";
        QTest::newRow("missing std") << R"({"channel_order":"RGB","mean":[1,2,3],"width":112,"height":112})" << "\"std\"";
        QTest::newRow("bad order") << R"({"channel_order":"GBR",)" + ok + "}" << "channel_order";
        QTest::newRow("two means") << R"({"channel_order":"RGB","mean":[1,2],"std":[1,1,1],"width":112,"height":112})" << "\"mean\"";
        QTest::newRow("zero std") << R"({"channel_order":"RGB","mean":[1,2,3],"std":[1,0,1],"width":112,"height":112})" << "\"std\"";
        QTest::newRow("zero width") << R"({"channel_order":"RGB","mean":[1,2,3],"std":[1,1,1],"width":0,"height":112})" << "\"width\"";
        QTest::newRow("unquoted string") << R"({"channel_order":RGB,)" + ok + "}" << "expected a number";
        QTest::newRow("trailing garbage") << R"({"channel_order":"RGB",)" + ok + "} x" << "trailing";
        QTest::newRow("not an object") << "[1,2,3]" << "expected '{'";
    }
    void badJson()
    {
        QFETCH(QString, json);
        QFETCH(QString, mentions);
        try {
            Preprocessing::fromJson(json.toStdString());
            QFAIL("accepted");
        } catch (const std::invalid_argument &e) {
            QVERIFY2(QString(e.what()).contains(mentions), e.what());
        }
    }

    void pixelValues()
    {
        // BGR pixel (0, 127, 255) under fr_feature's (x - 127) / 128 in RGB order:
        // R = (255-127)/128 = 1, G = 0, B = (0-127)/128 = -0.9921875.
        cv::Mat face(112, 112, CV_8UC3, cv::Scalar(0, 127, 255));
        auto blob = facesToBlob({face}, Preprocessing::frFeature());
        QCOMPARE(blob.dims, 4);
        QCOMPARE(blob.size[0], 1);
        QCOMPARE(blob.size[1], 3);
        const float *p = blob.ptr<float>();
        const size_t plane = 112 * 112;
        QCOMPARE(p[0], 1.f);
        QCOMPARE(p[plane + 5], 0.f);
        QCOMPARE(p[2 * plane + 100], -0.9921875f);
        // MagFace keeps BGR: channel 0 is blue / 255.
        auto mag = facesToBlob({face}, Preprocessing::magFace());
        QCOMPARE(mag.ptr<float>()[0], 0.f);
        QCOMPARE(mag.ptr<float>()[2 * plane], 1.f);
    }

    void everyPixelAndChannel()
    {
        Preprocessing spec;
        spec.order = ChannelOrder::RGB;
        spec.mean = {10, 20, 30};
        spec.stdDev = {2, 4, 8};
        spec.width = 5;
        spec.height = 4;
        std::vector<cv::Mat> faces(2);
        cv::RNG rng(3);
        for (auto &f : faces) {
            f.create(4, 5, CV_8UC3);
            rng.fill(f, cv::RNG::UNIFORM, 0, 256);
        }
        auto t = facesToTensor(faces, spec);
        QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{2, 3, 4, 5}));
        for (int n = 0; n < 2; ++n)
            for (int y = 0; y < 4; ++y)
                for (int x = 0; x < 5; ++x) {
                    const auto bgr = faces[size_t(n)].at<cv::Vec3b>(y, x);
                    const float r = bgr[2], g = bgr[1], b = bgr[0];
                    QCOMPARE(t[n][0][y][x].item<float>(), (r - 10) / 2);
                    QCOMPARE(t[n][1][y][x].item<float>(), (g - 20) / 4);
                    QCOMPARE(t[n][2][y][x].item<float>(), (b - 30) / 8);
                }
    }

    void resizesToTheSpec()
    {
        cv::Mat big(224, 224, CV_8UC3, cv::Scalar(200, 100, 50));
        auto t = facesToTensor({big}, Preprocessing::insightFaceArcFace());
        QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{1, 3, 112, 112}));
        QVERIFY(torch::allclose(t[0][0], torch::full({112, 112}, (50 - 127.5f) / 127.5f)));
        QVERIFY(torch::allclose(t[0][2], torch::full({112, 112}, (200 - 127.5f) / 127.5f)));
    }

    void refusesNonBgrImages()
    {
        const auto spec = Preprocessing::frFeature();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, facesToBlob({cv::Mat(112, 112, CV_8UC1)}, spec));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, facesToBlob({cv::Mat(112, 112, CV_32FC3)}, spec));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, facesToBlob({cv::Mat()}, spec));
        QCOMPARE(facesToTensor({}, spec).size(0), int64_t(0));
    }
};

QTEST_GUILESS_MAIN(PreprocessingTest)
#include "test_nn_preprocessing.moc"

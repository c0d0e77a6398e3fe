// Detection, landmarks and alignment on the real sample photos with the real npm models.
// Skips (with the reason) when the models or photos are not installed.
#include "DataPaths.h"
#include "data/face/FaceAligner.h"
#include "data/face/FaceChoice.h"
#include "data/face/FaceCrop.h"
#include "data/face/FaceDetector.h"
#include "data/face/FaceErrors.h"
#include "data/face/FaceImage.h"
#include "data/face/SimilarityTransform.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <memory>
#include <thread>

using namespace facelab::face;

namespace {

std::string samplePath(int i)
{
    return facelab::samplesDir() + "/sample" + std::to_string(i) + ".jpg";
}

bool modelsPresent(QString *why)
{
    for (const char *f : {FaceDetector::kDetectModel, FaceDetector::kLandmarkModel}) {
        const QString p = QString::fromStdString(facelab::modelsDir() + "/" + f);
        if (!QFileInfo::exists(p)) {
            *why = "face model not installed: " + p + " (run packaging/fetch-models.sh)";
            return false;
        }
    }
    return true;
}

double iou(const cv::Rect2f &a, const cv::Rect2f &b)
{
    const float inter = (a & b).area();
    return inter / (a.area() + b.area() - inter);
}

double meanDistance(const std::array<cv::Point2f, 5> &a, const std::array<cv::Point2f, 5> &b)
{
    double s = 0;
    for (int i = 0; i < 5; ++i)
        s += cv::norm(a[i] - b[i]);
    return s / 5;
}

// The aligned crop centred in a black canvas: the detector needs some context around a face.
constexpr int kPad = 56;
cv::Mat padded(const cv::Mat &aligned)
{
    cv::Mat canvas;
    cv::copyMakeBorder(aligned, canvas, kPad, kPad, kPad, kPad, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    return canvas;
}

std::array<cv::Point2f, 5> templateIn(const cv::Point2f &offset)
{
    std::array<cv::Point2f, 5> t = arcfaceTemplate();
    for (auto &p : t)
        p += offset;
    return t;
}

void writeBytes(const std::string &path, const std::vector<unsigned char> &bytes)
{
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(bytes.data()),
                                                 std::streamsize(bytes.size()));
}

} // namespace

// Skips the current test with the reason when models or sample photos are missing.
#define REQUIRE_MODELS()                                                                          \
    do {                                                                                          \
        if (!m_detector)                                                                          \
            QSKIP(qPrintable(m_skipReason));                                                      \
    } while (0)
#define REQUIRE_SAMPLE(i)                                                                         \
    do {                                                                                          \
        if (!QFileInfo::exists(QString::fromStdString(samplePath(i))))                            \
            QSKIP(qPrintable("sample photo not installed: " + QString::fromStdString(samplePath(i)) \
                             + " (run packaging/fetch-models.sh)"));                              \
    } while (0)

class TestFaceDetect : public QObject
{
    Q_OBJECT

    std::unique_ptr<FaceDetector> m_detector;
    QString m_skipReason;
    std::vector<cv::Mat> m_sheet; // aligned crops of every sample face, for the contact sheet
    std::vector<double> m_residuals, m_repeats, m_drifts; // per face, for alignmentSummary

private slots:
    void initTestCase()
    {
        if (modelsPresent(&m_skipReason))
            m_detector = std::make_unique<FaceDetector>(facelab::modelsDir());
    }

    void missingModelsAreAClearError()
    {
        QTemporaryDir empty;
        try {
            FaceDetector d(empty.path().toStdString());
            QFAIL("no exception for a folder without models");
        } catch (const FaceModelsMissing &e) {
            QVERIFY(QString(e.what()).contains("fr_detect.onnx"));
            QVERIFY(QString(e.what()).contains(empty.path()));
        }
        // Present but not a model: FaceModelInvalid, not a crash.
        std::ofstream(empty.path().toStdString() + "/fr_detect.onnx") << "not a model";
        std::ofstream(empty.path().toStdString() + "/fr_landmark.onnx") << "not a model";
        QVERIFY_THROWS_EXCEPTION(FaceModelInvalid, FaceDetector(empty.path().toStdString()));
    }

    void samplePhotos_data()
    {
        QTest::addColumn<int>("sample");
        QTest::addColumn<int>("people");
        QTest::addColumn<int>("profiles");
        // Counted by looking at the photos: every person's face is visible (sample1 shows three
        // people, not four). sample2's left woman is in full profile: five-point alignment of a
        // profile guesses the hidden eye, and her aligned crop (half a face, zoomed) is not
        // expected to be detected again.
        QTest::newRow("sample1") << 1 << 3 << 0;
        QTest::newRow("sample2") << 2 << 3 << 1;
        QTest::newRow("sample3") << 3 << 3 << 0;
        QTest::newRow("sample4") << 4 << 4 << 0;
        QTest::newRow("sample5") << 5 << 5 << 0;
        QTest::newRow("sample6") << 6 << 4 << 0;
    }
    void samplePhotos()
    {
        REQUIRE_MODELS();
        QFETCH(int, sample);
        QFETCH(int, people);
        QFETCH(int, profiles);
        REQUIRE_SAMPLE(sample);
        const cv::Mat photo = loadFaceImage(samplePath(sample));
        const std::vector<DetectedFace> faces = m_detector->detect(photo);
        QCOMPARE(int(faces.size()), people);

        const cv::Rect2f image(0, 0, float(photo.cols), float(photo.rows));
        const float threshold = m_detector->options().scoreThreshold;
        int notRedetected = 0;
        for (size_t i = 0; i < faces.size(); ++i) {
            const DetectedFace &f = faces[i];
            QVERIFY2((f.box & image) == f.box, "box leaves the image");
            QVERIFY(f.box.width > 40 && f.box.height > 40);
            QVERIFY(f.score >= threshold && f.score <= 1.0f);
            if (i > 0)
                QVERIFY2(faces[i - 1].score >= f.score, "scores not sorted");
            for (size_t j = 0; j < i; ++j)
                QVERIFY2(iou(faces[j].box, f.box) < m_detector->options().nmsIou, "NMS left an overlap");

            // Landmarks: 68 points on the face (a profile's jaw may leave its narrow box sideways).
            QCOMPARE(int(f.landmarks68.size()), 68);
            const float side = std::max(f.box.width, f.box.height);
            const cv::Rect2f near(f.box.x + f.box.width / 2 - side * 0.8f,
                                  f.box.y + f.box.height / 2 - side * 0.8f, side * 1.6f, side * 1.6f);
            for (const cv::Point2f &p : f.landmarks68)
                QVERIFY2(near.contains(p), "landmark far outside its face box");
            const auto &e = f.five;
            QVERIFY(e[0].x < e[1].x && e[3].x < e[4].x);                  // left before right
            QVERIFY(std::max(e[0].y, e[1].y) < std::min(e[3].y, e[4].y)); // eyes above mouth
            const double iod = cv::norm(e[1] - e[0]);
            QVERIFY(iod > 0.15 * f.box.width && iod < 0.8 * f.box.width);

            // The fitted similarity puts the five points onto the template. What remains is the
            // face's own geometry against the mean face: a turned head moves its nose tip
            // sideways by up to 10 px, a smile lifts the mouth corners.
            const cv::Mat m = alignmentMatrix(f.five);
            std::array<cv::Point2f, 5> mapped;
            for (int k = 0; k < 5; ++k)
                mapped[k] = applyAffine(m, f.five[k]);
            const double residual = meanDistance(mapped, arcfaceTemplate());
            m_residuals.push_back(residual);
            QVERIFY2(residual < 7.0, qPrintable(QStringLiteral("fit residual %1 px").arg(residual)));

            // The aligned crop is a face: detect again on it (padded) and find the points where
            // the alignment put them, hence near the template.
            const cv::Mat aligned = alignFace(photo, f.five);
            QCOMPARE(aligned.size(), cv::Size(112, 112));
            m_sheet.push_back(aligned);
            const std::vector<DetectedFace> again = m_detector->detect(padded(aligned));
            if (again.empty()) {
                qInfo("sample%d face %zu: score %.4f box %.0fx%.0f | fit residual %.2f px | no face "
                      "found in the aligned crop", sample, i, f.score, f.box.width, f.box.height, residual);
                ++notRedetected;
                continue;
            }
            const DetectedFace &a = again[chooseFace(again, cv::Size(112 + 2 * kPad, 112 + 2 * kPad))];
            std::array<cv::Point2f, 5> expected;
            for (int k = 0; k < 5; ++k)
                expected[k] = mapped[k] + cv::Point2f(kPad, kPad);
            const double repeat = meanDistance(a.five, expected);
            const double drift = meanDistance(a.five, templateIn(cv::Point2f(kPad, kPad)));
            m_repeats.push_back(repeat);
            m_drifts.push_back(drift);
            qInfo("sample%d face %zu: score %.4f box %.0fx%.0f | fit residual %.2f px | on the "
                  "aligned crop: score %.4f, points %.2f px from where alignment put them, %.2f px "
                  "from the template",
                  sample, i, f.score, f.box.width, f.box.height, residual, a.score, repeat, drift);
            QVERIFY2(repeat < 3.0, qPrintable(QStringLiteral("points moved %1 px").arg(repeat)));
            QVERIFY2(drift < 8.0, qPrintable(QStringLiteral("points %1 px off the template").arg(drift)));
        }
        QVERIFY2(notRedetected <= profiles, "an aligned crop is not recognisably a face");
    }

    void alignmentSummary()
    {
        REQUIRE_MODELS();
        if (m_residuals.empty())
            QSKIP("no faces aligned (sample photos missing)");
        auto mean = [](const std::vector<double> &v) {
            double s = 0;
            for (double x : v)
                s += x;
            return s / double(v.size());
        };
        qInfo("%zu faces: mean fit residual %.2f px; %zu re-detected on their aligned crop: mean "
              "repeat error %.2f px, mean distance from the template %.2f px",
              m_residuals.size(), mean(m_residuals), m_repeats.size(), mean(m_repeats), mean(m_drifts));
        QVERIFY(mean(m_residuals) < 4.5);
        QVERIFY(mean(m_repeats) < 1.5);
        QVERIFY(mean(m_drifts) < 4.5);
    }

    void contactSheet()
    {
        REQUIRE_MODELS();
        if (m_sheet.empty())
            QSKIP("no aligned crops (sample photos missing)");
        const int cols = 6, rows = int(m_sheet.size() + cols - 1) / cols;
        cv::Mat sheet(rows * 112, cols * 112, CV_8UC3, cv::Scalar::all(64));
        for (size_t i = 0; i < m_sheet.size(); ++i) {
            cv::Mat tile = m_sheet[i].clone();
            for (const cv::Point2f &p : arcfaceTemplate())
                cv::circle(tile, p, 1, cv::Scalar(0, 255, 0), cv::FILLED);
            tile.copyTo(sheet(cv::Rect(int(i % cols) * 112, int(i / cols) * 112, 112, 112)));
        }
        const std::string out = QDir::temp().filePath("facelab-face-contact-sheet.png").toStdString();
        QVERIFY(cv::imwrite(out, sheet));
        qInfo("contact sheet of %zu aligned faces (template points in green): %s", m_sheet.size(),
              out.c_str());
    }

    void noFaceImages()
    {
        REQUIRE_MODELS();
        cv::Mat noise(480, 640, CV_8UC3);
        cv::RNG(1).fill(noise, cv::RNG::UNIFORM, 0, 256);
        cv::Mat gradient(720, 1280, CV_8UC3);
        for (int y = 0; y < gradient.rows; ++y)
            for (int x = 0; x < gradient.cols; ++x)
                gradient.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x / 5), uchar(y / 3), uchar((x + y) / 8));
        cv::Mat blurred;
        cv::GaussianBlur(noise, blurred, cv::Size(), 6.0);
        const std::vector<cv::Mat> images = {
            noise, gradient, blurred, cv::Mat(300, 300, CV_8UC3, cv::Scalar::all(0)),
            cv::Mat(300, 400, CV_8UC1, cv::Scalar(200)), cv::Mat(7, 5, CV_8UC3, cv::Scalar::all(90))};
        for (const cv::Mat &img : images) {
            QCOMPARE(int(m_detector->detect(img).size()), 0);
            const FaceCrop crop = cropFace(img, *m_detector);
            QVERIFY(crop.aligned.empty() && !crop.preAligned && crop.facesFound == 0);
        }
    }

    void greyAndAlphaPhotos()
    {
        REQUIRE_MODELS();
        REQUIRE_SAMPLE(1);
        QTemporaryDir dir;
        const cv::Mat photo = loadFaceImage(samplePath(1));
        cv::Mat grey;
        cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
        const std::string greyPath = dir.filePath("grey.png").toStdString();
        QVERIFY(cv::imwrite(greyPath, grey));
        const cv::Mat greyLoaded = loadFaceImage(greyPath);
        QCOMPARE(greyLoaded.type(), CV_8UC3);
        QCOMPARE(int(m_detector->detect(greyLoaded).size()), 3);
        QCOMPARE(int(m_detector->detect(grey).size()), 3); // in-memory single channel too

        // Cut-out style PNG: opaque people, transparent strip along the top and left edges.
        cv::Mat bgra;
        cv::cvtColor(photo, bgra, cv::COLOR_BGR2BGRA);
        cv::Mat alpha(photo.size(), CV_8UC1, cv::Scalar(255));
        alpha(cv::Rect(0, 0, photo.cols, 150)).setTo(0);
        alpha(cv::Rect(0, 0, 200, photo.rows)).setTo(0);
        cv::insertChannel(alpha, bgra, 3);
        const std::string alphaPath = dir.filePath("alpha.png").toStdString();
        QVERIFY(cv::imwrite(alphaPath, bgra));
        const cv::Mat alphaLoaded = loadFaceImage(alphaPath);
        QCOMPARE(alphaLoaded.type(), CV_8UC3);
        QCOMPARE(alphaLoaded.at<cv::Vec3b>(10, 10), cv::Vec3b(0, 0, 0));
        QCOMPARE(int(m_detector->detect(alphaLoaded).size()), 3);
        QCOMPARE(int(m_detector->detect(bgra).size()), 3); // in-memory BGRA too
    }

    void exifRotatedPhotoStandsUpright()
    {
        REQUIRE_MODELS();
        REQUIRE_SAMPLE(1);
        // Store the photo lying on its side with orientation 6 ("rotate 90 clockwise to view"),
        // as a phone held upright does. Decoding must hand the detector the upright photo.
        const cv::Mat photo = loadFaceImage(samplePath(1));
        cv::Mat lying;
        cv::rotate(photo, lying, cv::ROTATE_90_COUNTERCLOCKWISE);
        std::vector<unsigned char> jpeg;
        QVERIFY(cv::imencode(".jpg", lying, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95}));
        const std::vector<unsigned char> app1 = {0xFF, 0xE1, 0x00, 34, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 0x2A, 0x00,
                                                 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,
                                                 0, 0, 0, 0};
        jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
        QTemporaryDir dir;
        const std::string file = dir.filePath("phone.jpg").toStdString();
        writeBytes(file, jpeg);
        const cv::Mat upright = loadFaceImage(file);
        QCOMPARE(upright.size(), photo.size());
        QCOMPARE(int(m_detector->detect(upright).size()), 3);
    }

    void hugePhotoMatchesNormalOne()
    {
        REQUIRE_MODELS();
        REQUIRE_SAMPLE(1);
        // A 22-megapixel JPEG: detection runs on a downscaled copy, landmarks and the warp on the
        // full-resolution pixels; the result must match the 1920 px photo scaled by 3.
        const cv::Mat photo = loadFaceImage(samplePath(1));
        cv::Mat big;
        cv::resize(photo, big, cv::Size(), 3.0, 3.0, cv::INTER_CUBIC);
        QTemporaryDir dir;
        const std::string file = dir.filePath("huge.jpg").toStdString();
        QVERIFY(cv::imwrite(file, big, {cv::IMWRITE_JPEG_QUALITY, 92}));
        const cv::Mat loaded = loadFaceImage(file);
        QCOMPARE(loaded.size(), cv::Size(5760, 3840));

        const auto small = m_detector->detect(photo);
        const auto large = m_detector->detect(loaded);
        QCOMPARE(large.size(), small.size());
        for (const DetectedFace &s : small) {
            const cv::Rect2f scaled(s.box.x * 3, s.box.y * 3, s.box.width * 3, s.box.height * 3);
            const DetectedFace *match = nullptr;
            for (const DetectedFace &l : large)
                if (iou(l.box, scaled) > 0.8)
                    match = &l;
            QVERIFY2(match, "face of the normal photo not found in the huge one");
            std::array<cv::Point2f, 5> five = s.five;
            for (auto &p : five)
                p *= 3.0f;
            const double iod = cv::norm(five[1] - five[0]);
            QVERIFY2(meanDistance(match->five, five) < 0.05 * iod, "five points moved");
            cv::Mat a = alignFace(photo, s.five), b = alignFace(loaded, match->five), diff;
            cv::absdiff(a, b, diff);
            const double meanDiff = cv::mean(diff)[0];
            qInfo("huge vs normal: five points %.2f%% of IOD apart, aligned crops differ by %.1f grey levels",
                  100 * meanDistance(match->five, five) / iod, meanDiff);
            QVERIFY(meanDiff < 20.0);
        }
    }

    void tilesFindSmallFaces()
    {
        REQUIRE_MODELS();
        REQUIRE_SAMPLE(6);
        // sample6 shrunk to a quarter inside a full-size canvas: faces of ~72 px in a 1920 px photo
        // (1/26 of its width), below what one whole-photo pass reliably finds.
        const cv::Mat photo = loadFaceImage(samplePath(6));
        const auto reference = m_detector->detect(photo);
        cv::Mat canvas(photo.size(), CV_8UC3, cv::Scalar::all(128)), small;
        cv::resize(photo, small, cv::Size(), 0.25, 0.25, cv::INTER_AREA);
        small.copyTo(canvas(cv::Rect(cv::Point(0, 0), small.size())));

        FaceDetectorOptions tiled;
        tiled.tileGrid = 2;
        const FaceDetector tiledDetector(facelab::modelsDir(), tiled);
        const auto whole = m_detector->detect(canvas);
        const auto found = tiledDetector.detect(canvas);
        qInfo("faces 1/26 of the photo width: %zu found in one pass, %zu with a 2x2 tile grid",
              whole.size(), found.size());
        QCOMPARE(found.size(), reference.size());
        for (const DetectedFace &r : reference) {
            const cv::Rect2f expected(r.box.x / 4, r.box.y / 4, r.box.width / 4, r.box.height / 4);
            bool matched = false;
            for (const DetectedFace &f : found)
                matched = matched || iou(f.box, expected) > 0.5;
            QVERIFY2(matched, "a small face was not found by the tiled pass");
        }
        QVERIFY(found.size() > whole.size());

        // On the normal photos the tiles add nothing: same faces, no fragments or duplicates.
        for (int i = 1; i <= 6; ++i) {
            if (!QFileInfo::exists(QString::fromStdString(samplePath(i))))
                continue;
            const cv::Mat p = loadFaceImage(samplePath(i));
            QCOMPARE(tiledDetector.detectBoxes(p).size(), m_detector->detectBoxes(p).size());
        }
    }

    void cropFaceChoosesAndPassesPreAligned()
    {
        REQUIRE_MODELS();
        REQUIRE_SAMPLE(3);
        const cv::Mat photo = loadFaceImage(samplePath(3));
        const FaceCrop crop = cropFace(photo, *m_detector);
        QCOMPARE(crop.facesFound, 3);
        QVERIFY(!crop.preAligned);
        QCOMPARE(crop.aligned.size(), cv::Size(112, 112));
        const auto faces = m_detector->detect(photo);
        QCOMPARE(crop.face.box, faces[chooseFace(faces, photo.size())].box);

        // An already aligned 112x112 crop is used as it is, not detected again.
        const FaceCrop again = cropFace(crop.aligned, *m_detector);
        QVERIFY(again.preAligned);
        QCOMPARE(again.facesFound, 0);
        QCOMPARE(cv::norm(again.aligned, crop.aligned, cv::NORM_INF), 0.0);
        cv::Mat greyCrop;
        cv::cvtColor(crop.aligned, greyCrop, cv::COLOR_BGR2GRAY);
        const FaceCrop fromGrey = cropFace(greyCrop, *m_detector);
        QVERIFY(fromGrey.preAligned);
        QCOMPARE(fromGrey.aligned.type(), CV_8UC3);
    }

    void oneDetectorPerThread()
    {
        REQUIRE_MODELS();
        REQUIRE_SAMPLE(5);
        const cv::Mat photo = loadFaceImage(samplePath(5));
        const auto reference = m_detector->detect(photo);
        QCOMPARE(m_detector->detect(photo).size(), reference.size()); // reusable

        // Each thread owns its detector (cv::dnn::Net is not thread-safe); results agree.
        std::vector<std::vector<DetectedFace>> results(2);
        std::vector<std::thread> threads;
        for (auto &r : results)
            threads.emplace_back([&r, &photo] {
                FaceDetector own(facelab::modelsDir());
                for (int i = 0; i < 3; ++i)
                    r = own.detect(photo);
            });
        for (auto &t : threads)
            t.join();
        for (const auto &r : results) {
            QCOMPARE(r.size(), reference.size());
            for (size_t i = 0; i < r.size(); ++i) {
                QVERIFY(iou(r[i].box, reference[i].box) > 0.999);
                QVERIFY(meanDistance(r[i].five, reference[i].five) < 1e-3);
            }
        }
    }
};

QTEST_MAIN(TestFaceDetect)
#include "test_face_detect.moc"

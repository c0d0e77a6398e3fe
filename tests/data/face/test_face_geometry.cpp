// Similarity estimation, alignment geometry and face choice: synthetic data, no models needed.
#include "data/face/FaceAligner.h"
#include "data/face/FaceChoice.h"
#include "data/face/SimilarityTransform.h"

#include <opencv2/imgproc.hpp>

#include <QtTest>

#include <cmath>
#include <random>

using namespace facelab::face;

namespace {

cv::Mat similarity(double angle, double scale, double tx, double ty)
{
    const double a = scale * std::cos(angle), b = scale * std::sin(angle);
    return (cv::Mat_<double>(2, 3) << a, -b, tx, b, a, ty);
}

std::vector<cv::Point2f> randomPoints(int n, float lo, float hi, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<cv::Point2f> pts(n);
    for (auto &p : pts)
        p = {u(rng), u(rng)};
    return pts;
}

std::vector<cv::Point2f> mapAll(const cv::Mat &m, const std::vector<cv::Point2f> &pts)
{
    std::vector<cv::Point2f> out;
    for (const auto &p : pts)
        out.push_back(applyAffine(m, p));
    return out;
}

double maxAbsDiff(const cv::Mat &a, const cv::Mat &b)
{
    return cv::norm(a, b, cv::NORM_INF);
}

// Reference: Umeyama (1991) with SVD, rotation restricted to det = +1.
cv::Mat umeyamaSvd(const std::vector<cv::Point2f> &src, const std::vector<cv::Point2f> &dst)
{
    const int n = int(src.size());
    cv::Mat s(n, 2, CV_64F), d(n, 2, CV_64F);
    for (int i = 0; i < n; ++i) {
        s.at<double>(i, 0) = src[i].x;
        s.at<double>(i, 1) = src[i].y;
        d.at<double>(i, 0) = dst[i].x;
        d.at<double>(i, 1) = dst[i].y;
    }
    cv::Mat ms, md;
    cv::reduce(s, ms, 0, cv::REDUCE_AVG);
    cv::reduce(d, md, 0, cv::REDUCE_AVG);
    const cv::Mat sc = s - cv::repeat(ms, n, 1), dc = d - cv::repeat(md, n, 1);
    const cv::Mat cov = dc.t() * sc / n;
    cv::SVD svd(cov);
    cv::Mat D = cv::Mat::eye(2, 2, CV_64F);
    if (cv::determinant(svd.u) * cv::determinant(svd.vt) < 0)
        D.at<double>(1, 1) = -1;
    const cv::Mat R = svd.u * D * svd.vt;
    const double varS = cv::sum(sc.mul(sc))[0] / n;
    const double scale = cv::trace(cv::Mat::diag(svd.w) * D)[0] / varS;
    const cv::Mat t = md.t() - scale * R * ms.t();
    cv::Mat m(2, 3, CV_64F);
    cv::Mat(scale * R).copyTo(m(cv::Rect(0, 0, 2, 2)));
    t.copyTo(m.col(2));
    return m;
}

DetectedFace face(float x, float y, float w, float h, float score)
{
    DetectedFace f;
    f.box = cv::Rect2f(x, y, w, h);
    f.score = score;
    return f;
}

} // namespace

class TestFaceGeometry : public QObject
{
    Q_OBJECT

private slots:
    void similarityRecoversExactTransform_data()
    {
        QTest::addColumn<double>("angle");
        QTest::addColumn<double>("scale");
        QTest::addColumn<double>("tx");
        QTest::addColumn<double>("ty");
        QTest::addColumn<float>("extent");
        QTest::newRow("identity") << 0.0 << 1.0 << 0.0 << 0.0 << 100.f;
        QTest::newRow("rotate-scale-shift") << 0.3 << 1.7 << 12.5 << -40.0 << 100.f;
        QTest::newRow("upside-down shrink") << 3.0 << 0.05 << 56.0 << 60.0 << 4000.f;
        QTest::newRow("photo-sized coords") << -0.7 << 0.11 << -3.0 << 250.0 << 6000.f;
    }
    void similarityRecoversExactTransform()
    {
        QFETCH(double, angle);
        QFETCH(double, scale);
        QFETCH(double, tx);
        QFETCH(double, ty);
        QFETCH(float, extent);
        const cv::Mat truth = similarity(angle, scale, tx, ty);
        const auto src = randomPoints(5, 0.f, extent, 7);
        const cv::Mat est = estimateSimilarity(src, mapAll(truth, src));
        QCOMPARE(est.rows, 2);
        QCOMPARE(est.cols, 3);
        QCOMPARE(est.type(), CV_64F);
        QVERIFY2(maxAbsDiff(est(cv::Rect(0, 0, 2, 2)), truth(cv::Rect(0, 0, 2, 2))) < 1e-4,
                 "rotation/scale not recovered");
        QVERIFY2(maxAbsDiff(est.col(2), truth.col(2)) < 1e-4 * std::max(1.f, extent / 100.f),
                 "translation not recovered");
    }

    void similarityMatchesUmeyamaOnNoisyPoints()
    {
        const cv::Mat truth = similarity(-0.4, 0.8, 30, 12);
        const auto src = randomPoints(12, 0.f, 300.f, 11);
        auto dst = mapAll(truth, src);
        std::mt19937 rng(3);
        std::normal_distribution<float> noise(0.f, 2.f);
        for (auto &p : dst)
            p += cv::Point2f(noise(rng), noise(rng));
        const cv::Mat est = estimateSimilarity(src, dst);
        QVERIFY(maxAbsDiff(est, umeyamaSvd(src, dst)) < 1e-6);

        // Least squares: any small change of the four parameters raises the squared error.
        auto sse = [&](const cv::Mat &m) {
            double e = 0;
            for (size_t i = 0; i < src.size(); ++i) {
                const cv::Point2f q = applyAffine(m, src[i]) - dst[i];
                e += q.dot(q);
            }
            return e;
        };
        const double best = sse(est);
        for (int k = 0; k < 4; ++k)
            for (double step : {-1e-3, 1e-3}) {
                cv::Mat m = est.clone();
                if (k == 0) { m.at<double>(0, 0) += step; m.at<double>(1, 1) += step; }
                if (k == 1) { m.at<double>(1, 0) += step; m.at<double>(0, 1) -= step; }
                if (k == 2) m.at<double>(0, 2) += step * 100;
                if (k == 3) m.at<double>(1, 2) += step * 100;
                QVERIFY(sse(m) > best);
            }
    }

    void similarityNeverReflects()
    {
        // Mirrored target: the best similarity is a proper rotation (det > 0), not a flip.
        const auto src = randomPoints(6, 0.f, 100.f, 5);
        std::vector<cv::Point2f> dst;
        for (const auto &p : src)
            dst.emplace_back(200.f - p.x, p.y);
        const cv::Mat est = estimateSimilarity(src, dst);
        QVERIFY(cv::determinant(est(cv::Rect(0, 0, 2, 2))) >= 0.0);
        QCOMPARE(est.at<double>(0, 0), est.at<double>(1, 1));
        QCOMPARE(est.at<double>(0, 1), -est.at<double>(1, 0));
    }

    void similarityDegenerateInputIsFinite()
    {
        const std::vector<cv::Point2f> same(5, cv::Point2f(40.f, 50.f));
        const std::vector<cv::Point2f> dst(arcfaceTemplate().begin(), arcfaceTemplate().end());
        const cv::Mat est = estimateSimilarity(same, dst);
        QVERIFY(cv::checkRange(est));
        // Translation only: the repeated point lands on the template's mean.
        cv::Point2f mean(0, 0);
        for (const auto &p : dst)
            mean += p * 0.2f;
        const cv::Point2f mapped = applyAffine(est, same[0]);
        QVERIFY(cv::norm(mapped - mean) < 1e-4);

        const std::vector<cv::Point2f> zeros(5, cv::Point2f(0.f, 0.f));
        QVERIFY(cv::checkRange(estimateSimilarity(zeros, zeros)));
        QVERIFY(cv::checkRange(estimateSimilarity(dst, zeros))); // collapses to scale 0, no NaN

        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, estimateSimilarity(same, {}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, estimateSimilarity({}, {}));
    }

    void templateMapsToItself()
    {
        const cv::Mat m = alignmentMatrix(arcfaceTemplate());
        QVERIFY(maxAbsDiff(m, similarity(0, 1, 0, 0)) < 1e-5);
    }

    void alignFaceWarpsMarksOntoTemplate_data()
    {
        QTest::addColumn<double>("angle");
        QTest::addColumn<double>("scale");
        QTest::newRow("tilted, similar size") << 0.35 << 1.3;
        QTest::newRow("upright, 9x larger (anti-aliased path)") << 0.0 << 9.0;
        QTest::newRow("tilted, 6x larger (anti-aliased path)") << -0.5 << 6.0;
        QTest::newRow("smaller than template") << 0.2 << 0.6;
    }
    void alignFaceWarpsMarksOntoTemplate()
    {
        // Paint five bright blobs where a face's points would be in a "photo", align, and find
        // the blobs again: their centroids must sit on the template.
        QFETCH(double, angle);
        QFETCH(double, scale);
        const cv::Mat place = similarity(angle, scale, 400, 300); // template -> photo
        const cv::Mat photo(1600, 1800, CV_8UC3, cv::Scalar::all(30));
        std::array<cv::Point2f, 5> five;
        for (int i = 0; i < 5; ++i) {
            five[i] = applyAffine(place, arcfaceTemplate()[i]);
            // Sub-pixel centre (shift = 4 fractional bits): an integer centre would be off by 0.5 px.
            cv::circle(photo, cv::Point(int(std::lround(five[i].x * 16)), int(std::lround(five[i].y * 16))),
                       int(std::lround(2.5 * scale * 16)), cv::Scalar(255, 255, 255), cv::FILLED,
                       cv::LINE_AA, 4);
        }
        const cv::Mat aligned = alignFace(photo, five);
        QCOMPARE(aligned.size(), cv::Size(kAlignedSize, kAlignedSize));
        QCOMPARE(aligned.type(), CV_8UC3);
        cv::Mat grey;
        cv::cvtColor(aligned, grey, cv::COLOR_BGR2GRAY);
        for (int i = 0; i < 5; ++i) {
            const cv::Point2f t = arcfaceTemplate()[i];
            const cv::Rect win(int(std::lround(t.x)) - 5, int(std::lround(t.y)) - 5, 11, 11);
            cv::Mat w;
            cv::subtract(grey(win), cv::Scalar(30), w);
            const cv::Moments mo = cv::moments(w);
            QVERIFY2(mo.m00 > 0, "mark not found near the template point");
            const cv::Point2f c(float(win.x + mo.m10 / mo.m00), float(win.y + mo.m01 / mo.m00));
            QVERIFY2(cv::norm(c - t) < 0.35,
                     qPrintable(QStringLiteral("point %1 off by %2 px").arg(i).arg(cv::norm(c - t))));
        }
    }

    void alignFaceOutsidePhotoIsBlack()
    {
        // Points near the photo's corner: what falls outside the photo is border 0.
        const cv::Mat photo(200, 200, CV_8UC3, cv::Scalar(200, 150, 100));
        std::array<cv::Point2f, 5> five;
        for (int i = 0; i < 5; ++i)
            five[i] = arcfaceTemplate()[i] - cv::Point2f(60.f, 60.f);
        const cv::Mat aligned = alignFace(photo, five);
        QCOMPARE(aligned.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 0));
        QCOMPARE(aligned.at<cv::Vec3b>(111, 111), cv::Vec3b(200, 150, 100));
    }

    void preAlignedIsExactly112Square()
    {
        QVERIFY(isPreAligned(cv::Size(112, 112)));
        QVERIFY(!isPreAligned(cv::Size(112, 113)));
        QVERIFY(!isPreAligned(cv::Size(224, 224)));
        QVERIFY(!isPreAligned(cv::Size(96, 112)));
    }

    void chooseFaceConfidenceFirst()
    {
        const cv::Size image(1000, 800);
        QCOMPARE(chooseFace({}, image), -1);
        // A large, central, low-confidence blob against a small confident face at the side.
        std::vector<DetectedFace> faces = {face(200, 150, 600, 500, 0.75f), face(820, 60, 90, 110, 0.995f)};
        QCOMPARE(chooseFace(faces, image), 1);
        // Two confident faces: the larger one.
        faces = {face(50, 50, 100, 120, 0.99f), face(400, 300, 220, 260, 0.97f)};
        QCOMPARE(chooseFace(faces, image), 1);
        // Two confident faces of equal size: the one nearer the centre.
        faces = {face(0, 0, 150, 150, 0.99f), face(430, 330, 150, 150, 0.99f)};
        QCOMPARE(chooseFace(faces, image), 1);
        // A slightly larger face in the corner loses to a central one.
        faces = {face(0, 0, 170, 170, 0.99f), face(430, 330, 150, 150, 0.98f)};
        QCOMPARE(chooseFace(faces, image), 1);
    }
};

QTEST_APPLESS_MAIN(TestFaceGeometry)
#include "test_face_geometry.moc"

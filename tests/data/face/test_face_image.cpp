// Image files as the face stage meets them: EXIF orientation, grey, alpha, 16-bit, and the broken
// files a real folder holds (corrupt, truncated, empty, text named .jpg). Needs no models.
#include "data/face/FaceErrors.h"
#include "data/face/FaceImage.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace facelab::face;

namespace {

void writeBytes(const std::string &path, const std::vector<unsigned char> &bytes)
{
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(bytes.data()),
                                                 std::streamsize(bytes.size()));
}

std::vector<unsigned char> encode(const cv::Mat &img, const std::string &ext,
                                  const std::vector<int> &params = {})
{
    std::vector<unsigned char> bytes;
    if (!cv::imencode(ext, img, bytes, params))
        qFatal("imencode failed");
    return bytes;
}

// A textured test picture (JPEG-friendly, not flat).
cv::Mat picture(int w, int h)
{
    cv::Mat img(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 3 + y), uchar(y * 5), uchar((x ^ y) * 2));
    return img;
}

// Inserts an APP1 Exif segment holding only an orientation tag right after the SOI marker.
std::vector<unsigned char> withExifOrientation(std::vector<unsigned char> jpeg, uint16_t orientation)
{
    const std::vector<unsigned char> app1 = {
        0xFF, 0xE1, 0x00, 34,                    // APP1, length 34
        'E', 'x', 'i', 'f', 0, 0,                // Exif header
        'M', 'M', 0x00, 0x2A, 0, 0, 0, 8,        // big-endian TIFF, IFD0 at offset 8
        0x00, 0x01,                              // one entry
        0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1,      // Orientation, SHORT, count 1
        uchar(orientation >> 8), uchar(orientation & 0xFF), 0, 0,
        0, 0, 0, 0};                             // no next IFD
    jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
    return jpeg;
}

uint32_t crc32(const unsigned char *d, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c ^= d[i];
        for (int k = 0; k < 8; ++k)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

// Inserts an eXIf chunk (PNG's EXIF, little-endian TIFF) holding an orientation after IHDR.
std::vector<unsigned char> withPngOrientation(std::vector<unsigned char> png, uint16_t orientation)
{
    const std::vector<unsigned char> tiff = {'I', 'I', 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
                                             uchar(orientation), 0, 0, 0, 0, 0, 0, 0};
    std::vector<unsigned char> chunk = {0, 0, 0, uchar(tiff.size()), 'e', 'X', 'I', 'f'};
    chunk.insert(chunk.end(), tiff.begin(), tiff.end());
    const uint32_t crc = crc32(chunk.data() + 4, chunk.size() - 4);
    for (int shift = 24; shift >= 0; shift -= 8)
        chunk.push_back(uchar(crc >> shift));
    png.insert(png.begin() + 33, chunk.begin(), chunk.end()); // signature 8 + IHDR chunk 25
    return png;
}

template <typename F>
QString errorOf(F &&f)
{
    try {
        f();
    } catch (const FaceImageError &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestFaceImage : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string path(const char *name) const { return (m_dir.path() + "/" + name).toStdString(); }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void exifOrientationIsApplied()
    {
        // Stored landscape: left half white, right half black. Orientation 6 means "rotate 90
        // degrees clockwise to display", so the upright picture is portrait with white on top.
        cv::Mat stored(32, 64, CV_8UC3, cv::Scalar::all(0));
        stored(cv::Rect(0, 0, 32, 32)).setTo(cv::Scalar::all(255));
        const std::string file = path("rotated.jpg");
        writeBytes(file, withExifOrientation(encode(stored, ".jpg"), 6));
        const cv::Mat img = loadFaceImage(file);
        QCOMPARE(img.size(), cv::Size(32, 64));
        QVERIFY(cv::mean(img(cv::Rect(0, 0, 32, 28)))[0] > 240);
        QVERIFY(cv::mean(img(cv::Rect(0, 36, 32, 28)))[0] < 15);
    }

    void pngOrientationMatchesOpenCv()
    {
        // OpenCV turns a PNG by its eXIf orientation only when decoding to colour; with alpha we
        // decode unchanged and turn it ourselves. Both must agree with OpenCV's colour decode for
        // every orientation, with and without alpha.
        const cv::Mat pic = picture(48, 30);
        cv::Mat opaqueAlpha;
        cv::cvtColor(pic, opaqueAlpha, cv::COLOR_BGR2BGRA); // alpha 255: compositing changes nothing
        const cv::Mat &opaque = opaqueAlpha;
        for (int o = 1; o <= 8; ++o) {
            for (const cv::Mat *img : {&pic, &opaque}) {
                const std::string file = path(img == &pic ? "oriented.png" : "oriented-alpha.png");
                writeBytes(file, withPngOrientation(encode(*img, ".png"), uint16_t(o)));
                const cv::Mat reference = cv::imread(file, cv::IMREAD_COLOR);
                const cv::Mat loaded = loadFaceImage(file);
                QCOMPARE(loaded.size(), reference.size());
                QVERIFY2(cv::norm(loaded, reference, cv::NORM_INF) == 0.0,
                         qPrintable(QStringLiteral("orientation %1 differs").arg(o)));
            }
        }
        // Orientations 5-8 stand the picture on its side.
        QCOMPARE(loadFaceImage(path("oriented-alpha.png")).size(), cv::Size(30, 48));
    }

    void jpegVariantsLoad()
    {
        const cv::Mat pic = picture(160, 120);
        const std::vector<std::pair<const char *, std::vector<int>>> variants = {
            {"baseline.jpg", {}},
            {"progressive.jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
            {"restart.jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 2}},
        };
        for (const auto &[name, params] : variants) {
            const std::vector<unsigned char> bytes = encode(pic, ".jpg", params);
            QVERIFY2(jpegStructureProblem(bytes.data(), bytes.size()).empty(), name);
            writeBytes(path(name), bytes);
            const cv::Mat img = loadFaceImage(path(name));
            QCOMPARE(img.size(), pic.size());
            QCOMPARE(img.type(), CV_8UC3);
        }
        // Phone "motion photo" style: a video or maker trailer after the end-of-image marker.
        std::vector<unsigned char> trailer = encode(pic, ".jpg");
        for (int i = 0; i < 5000; ++i)
            trailer.push_back(uchar((i * 7919) >> 3)); // includes stray 0xFF bytes
        writeBytes(path("trailer.jpg"), trailer);
        QCOMPARE(loadFaceImage(path("trailer.jpg")).size(), pic.size());
    }

    void greyPngBecomesBgr()
    {
        cv::Mat grey(40, 50, CV_8UC1);
        for (int y = 0; y < grey.rows; ++y)
            grey.row(y).setTo(y * 5);
        QVERIFY(cv::imwrite(path("grey.png"), grey));
        const cv::Mat img = loadFaceImage(path("grey.png"));
        QCOMPARE(img.type(), CV_8UC3);
        QCOMPARE(img.at<cv::Vec3b>(20, 10), cv::Vec3b(100, 100, 100));

        cv::Mat grey16;
        grey.convertTo(grey16, CV_16U, 257.0);
        QVERIFY(cv::imwrite(path("grey16.png"), grey16));
        const cv::Mat img16 = loadFaceImage(path("grey16.png"));
        QCOMPARE(img16.type(), CV_8UC3);
        QCOMPARE(img16.at<cv::Vec3b>(30, 10), cv::Vec3b(150, 150, 150));
    }

    void alphaPngIsCompositedOverBlack()
    {
        cv::Mat bgra(20, 30, CV_8UC4, cv::Scalar(200, 100, 50, 255));
        bgra(cv::Rect(0, 0, 10, 20)).setTo(cv::Scalar(200, 100, 50, 0));
        bgra(cv::Rect(10, 0, 10, 20)).setTo(cv::Scalar(200, 100, 50, 128));
        QVERIFY(cv::imwrite(path("alpha.png"), bgra));
        const cv::Mat img = loadFaceImage(path("alpha.png"));
        QCOMPARE(img.type(), CV_8UC3);
        QCOMPARE(img.at<cv::Vec3b>(5, 5), cv::Vec3b(0, 0, 0));
        QCOMPARE(img.at<cv::Vec3b>(5, 25), cv::Vec3b(200, 100, 50));
        const cv::Vec3b half = img.at<cv::Vec3b>(5, 15);
        QVERIFY(std::abs(half[0] - 100) <= 1 && std::abs(half[1] - 50) <= 1 && std::abs(half[2] - 25) <= 1);
    }

    void toBgr8Layouts()
    {
        QVERIFY_THROWS_EXCEPTION(FaceError, toBgr8(cv::Mat()));
        const cv::Mat bgr(4, 4, CV_8UC3, cv::Scalar(1, 2, 3));
        QVERIFY(toBgr8(bgr).data == bgr.data); // already right: shared, not copied
        const cv::Mat f(4, 4, CV_32FC1, cv::Scalar(0.5));
        QCOMPARE(toBgr8(f).at<cv::Vec3b>(0, 0), cv::Vec3b(128, 128, 128));
        QVERIFY_THROWS_EXCEPTION(FaceError, toBgr8(cv::Mat(4, 4, CV_32SC1, cv::Scalar(1))));
    }

    void brokenFilesGiveClearErrors_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("reason");
        QTest::newRow("missing") << "missing.jpg" << "does not exist";
        QTest::newRow("empty") << "empty.jpg" << "empty";
        QTest::newRow("text named .jpg") << "notes.jpg" << "not a decodable image";
        QTest::newRow("corrupt JPEG header") << "corrupt.jpg" << "corrupt JPEG";
        QTest::newRow("truncated JPEG") << "truncated.jpg" << "truncated JPEG";
        QTest::newRow("truncated PNG") << "truncated.png" << "not a decodable image";
    }
    void brokenFilesGiveClearErrors()
    {
        QFETCH(QString, name);
        QFETCH(QString, reason);
        const std::vector<unsigned char> jpeg = encode(picture(320, 240), ".jpg");
        const std::vector<unsigned char> png = encode(picture(320, 240), ".png");
        writeBytes(path("empty.jpg"), {});
        const std::string text = "name,score\nalice,0.91\n";
        writeBytes(path("notes.jpg"), std::vector<unsigned char>(text.begin(), text.end()));
        std::vector<unsigned char> corrupt = jpeg;
        for (size_t i = 2; i < 600; ++i)
            corrupt[i] = uchar(0x5A ^ (i * 31));
        writeBytes(path("corrupt.jpg"), corrupt);
        writeBytes(path("truncated.jpg"), {jpeg.begin(), jpeg.begin() + jpeg.size() * 6 / 10});
        writeBytes(path("truncated.png"), {png.begin(), png.begin() + png.size() / 2});

        const std::string file = path(name.toUtf8().constData());
        const QString message = errorOf([&] { loadFaceImage(file); });
        QVERIFY2(!message.isEmpty(), "no FaceImageError thrown");
        QVERIFY2(message.contains(QString::fromStdString(file)), qPrintable(message));
        QVERIFY2(message.contains(reason), qPrintable(message));
    }
};

QTEST_APPLESS_MAIN(TestFaceImage)
#include "test_face_image.moc"

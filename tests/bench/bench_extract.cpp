// FaceLab's extraction path against the raw model, in one run (a benchmark, not a test).
//   bench_extract [N] [RSS_SIZES...]
// 1. Builds a project of N (default 1024) real face crops (the faces of the npm sample photos,
//    each copy with its own few pixels of noise so every file is distinct), runs the face stage,
//    then times embedProject() — decode of the cached aligned crop + preprocessing + fr_feature +
//    cache write + pair scoring — against OpenCV dnn's bare forward pass on ready blobs (batch 1
//    and 32, no decode). Detection is excluded from both: the face stage runs once per image,
//    the embedding job once per model version.
// 2. Peak RSS of the real 'facelab embed' process on projects of each RSS size (default 2500 and
//    10000 images), measured with wait4(): flat in the image count means the job streams.
#include "DataPaths.h"
#include "data/FaceIndexer.h"
#include "data/IdentityFolderImport.h"
#include "data/PairGenerator.h"
#include "data/face/FaceAligner.h"
#include "data/face/FaceDetector.h"
#include "data/face/FaceImage.h"
#include "embedding/EmbeddingJob.h"
#include "embedding/ModelImport.h"
#include "nn/Preprocessing.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <cstdio>
#include <random>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace facelab;

namespace {

std::vector<cv::Mat> sampleFaces()
{
    face::FaceDetector det(facelab::modelsDir());
    std::vector<cv::Mat> faces;
    for (int i = 1; i <= 6; ++i) {
        const cv::Mat photo = face::loadFaceImage(facelab::samplesDir() + "/sample" + std::to_string(i) + ".jpg");
        for (const auto &f : det.detect(photo))
            faces.push_back(face::alignFace(photo, f.five));
    }
    return faces;
}

// n distinct 112x112 crops in identity folders of 8: real faces, each with light noise.
void writeCrops(const QString &root, int n, const std::vector<cv::Mat> &faces)
{
    std::mt19937 rng(7);
    for (int i = 0; i < n; ++i) {
        cv::Mat img = faces[size_t(i) % faces.size()].clone();
        cv::Mat noise(img.size(), img.type());
        cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(6));
        img += noise;
        img.at<cv::Vec3b>(0, 0) = cv::Vec3b(uchar(i & 255), uchar((i >> 8) & 255), uchar(rng() & 255));
        const QString dir = QStringLiteral("%1/id_%2").arg(root).arg(i / 8, 5, 10, QLatin1Char('0'));
        QDir().mkpath(dir);
        cv::imwrite(QStringLiteral("%1/%2.png").arg(dir).arg(i).toStdString(), img);
    }
}

double opencvRate(const std::string &model, const std::vector<cv::Mat> &faces, int batch)
{
    cv::dnn::Net net = cv::dnn::readNetFromONNX(model);
    std::vector<cv::Mat> b(faces.begin(), faces.begin() + std::min<size_t>(size_t(batch), faces.size()));
    while (int(b.size()) < batch)
        b.push_back(faces[b.size() % faces.size()]);
    const cv::Mat blob = nn::facesToBlob(b, nn::Preprocessing::frFeature());
    auto once = [&] {
        net.setInput(blob);
        net.forward();
    };
    once();
    QElapsedTimer t;
    t.start();
    int n = 0;
    while (t.elapsed() < 4000) {
        once();
        n += batch;
    }
    return n / (t.nsecsElapsed() / 1e9);
}

long childPeakRssKb(const QStringList &args)
{
    const pid_t pid = fork();
    if (pid == 0) {
        std::vector<QByteArray> keep;
        std::vector<char *> argv;
        keep.push_back(QByteArrayLiteral(FACELAB_BIN));
        for (const QString &a : args)
            keep.push_back(a.toLocal8Bit());
        for (QByteArray &k : keep)
            argv.push_back(k.data());
        argv.push_back(nullptr);
        freopen("/dev/null", "w", stdout);
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    rusage u{};
    wait4(pid, &status, 0, &u);
    return u.ru_maxrss;
}

store::ProjectStore project(const QString &folder, const QString &crops, int n, const std::vector<cv::Mat> &faces)
{
    writeCrops(crops, n, faces);
    const auto st = store::ProjectStore::open(folder, true);
    jobs::PlainJobContext ctx;
    data::importIdentityFolders(st, crops, ctx);
    data::PairGenOptions o;
    o.pairs = n;
    o.identities = 0;
    data::generatePairs(st, o);
    data::indexFaces(st, ctx);
    return st;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int n = argc > 1 ? std::atoi(argv[1]) : 1024;
    QVector<int> rssSizes;
    for (int i = 2; i < argc; ++i)
        rssSizes << std::atoi(argv[i]);
    if (rssSizes.isEmpty())
        rssSizes = {2500, 10000};
    const std::string model = facelab::modelsDir() + "/fr_feature.onnx";
    if (!QFileInfo::exists(QString::fromStdString(model))) {
        std::fprintf(stderr, "bench_extract: %s missing (run packaging/fetch-models.sh)\n", model.c_str());
        return 2;
    }
    const std::vector<cv::Mat> faces = sampleFaces();
    std::printf("%zu real faces from the sample photos\n", faces.size());

    QTemporaryDir dir;
    const auto st = project(dir.filePath("p"), dir.filePath("crops"), n, faces);
    jobs::PlainJobContext ctx;
    const qint64 version = embedding::ensureDefaultModel(st, ctx);
    QElapsedTimer t;
    t.start();
    const embedding::EmbedReport rep = embedding::embedProject(st, version, ctx);
    const double jobRate = rep.embedded / (t.nsecsElapsed() / 1e9);
    const double cv1 = opencvRate(model, faces, 1), cv32 = opencvRate(model, faces, 32);
    std::printf("embedding %d faces with fr_feature, %d cores:\n", rep.embedded, QThread::idealThreadCount());
    std::printf("  FaceLab embedding job (%s; decode crop + embed + cache + %d pair scores)  %.1f faces/s\n",
                qPrintable(rep.backend), rep.pairsScored, jobRate);
    std::printf("  OpenCV dnn forward only, batch 1                                         %.1f faces/s\n", cv1);
    std::printf("  OpenCV dnn forward only, batch 32                                        %.1f faces/s\n", cv32);
    std::printf("  ratio job / OpenCV dnn: %.2fx (batch 1), %.2fx (batch 32)\n", jobRate / cv1, jobRate / cv32);

    for (int size : rssSizes) {
        QTemporaryDir d;
        project(d.filePath("p"), d.filePath("crops"), size, faces);
        QElapsedTimer w;
        w.start();
        const long kb = childPeakRssKb({"embed", d.filePath("p")});
        std::printf("  'facelab embed' on %5d images: peak RSS %.0f MB (%.1f s)\n", size, kb / 1024.0, w.nsecsElapsed() / 1e9);
    }
    return 0;
}

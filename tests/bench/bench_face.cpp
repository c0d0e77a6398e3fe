// Times the face stage per photo on the sample photos (facelab::samplesDir()):
// decode, box detection, landmarks (all faces), alignment (all faces); median of N runs.
// Usage: bench_face [runs=7] [opencv threads, default: OpenCV's choice]
#include "DataPaths.h"
#include "data/face/FaceAligner.h"
#include "data/face/FaceDetector.h"
#include "data/face/FaceErrors.h"
#include "data/face/FaceImage.h"

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

using namespace facelab::face;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double, std::milli>(b - a).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
    if (argc > 2)
        cv::setNumThreads(std::atoi(argv[2]));
    try {
        const FaceDetector detector(facelab::modelsDir());
        const LandmarkDetector landmarks(facelab::modelsDir() + "/" + FaceDetector::kLandmarkModel);
        std::printf("OpenCV %s, %d threads, median of %d runs\n", CV_VERSION, cv::getNumThreads(), runs);
        std::printf("%-12s %11s %5s %9s %8s %14s %8s %9s\n", "photo", "size", "faces", "decode",
                    "boxes", "landmarks", "align", "total");
        double sumTotal = 0;
        int photos = 0;
        for (int i = 1; i <= 6; ++i) {
            const std::string path = facelab::samplesDir() + "/sample" + std::to_string(i) + ".jpg";
            if (!std::ifstream(path)) {
                std::printf("sample%d.jpg missing (run packaging/fetch-models.sh)\n", i);
                continue;
            }
            std::vector<double> tDecode, tBoxes, tLandmarks, tAlign;
            cv::Mat img;
            size_t faces = 0;
            for (int r = 0; r < runs; ++r) {
                const auto t0 = Clock::now();
                img = loadFaceImage(path);
                const auto t1 = Clock::now();
                std::vector<DetectedFace> found = detector.detectBoxes(img);
                const auto t2 = Clock::now();
                for (DetectedFace &f : found) {
                    f.landmarks68 = landmarks.predict(img, f.box);
                    f.five = fivePointsFrom68(f.landmarks68);
                }
                const auto t3 = Clock::now();
                for (const DetectedFace &f : found)
                    alignFace(img, f.five);
                const auto t4 = Clock::now();
                tDecode.push_back(ms(t0, t1));
                tBoxes.push_back(ms(t1, t2));
                tLandmarks.push_back(ms(t2, t3));
                tAlign.push_back(ms(t3, t4));
                faces = found.size();
            }
            const double total = median(tBoxes) + median(tLandmarks) + median(tAlign);
            std::printf("sample%d.jpg  %5dx%-5d %5zu %7.1fms %6.1fms %6.1fms (%3.1f/face) %6.2fms %7.1fms\n", i,
                        img.cols, img.rows, faces, median(tDecode), median(tBoxes), median(tLandmarks),
                        faces ? median(tLandmarks) / double(faces) : 0.0, median(tAlign), total);
            sumTotal += total;
            ++photos;
        }
        if (photos)
            std::printf("mean detect+landmarks+align per photo (decode excluded): %.1f ms\n", sumTotal / photos);
    } catch (const FaceError &e) {
        std::fprintf(stderr, "bench_face: %s\n", e.what());
        return 1;
    }
    return 0;
}

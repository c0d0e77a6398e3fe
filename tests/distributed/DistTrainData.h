#pragma once
// Test support for data-parallel training: real face crops (../shared/data/faces112, the first
// `people` folders in name order, `views` images each) shrunk to the small test embedder's 16x16
// input, every same pair and as many different pairs, the last fifth for validation, and the
// faces left over as unlabelled anchors (distillation).
#include "train/TrainingTypes.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace facelab::disttest {

inline train::TrainingSet realFacePairs(const std::string &root, int people, int views, int anchorsPerPerson)
{
    namespace fs = std::filesystem;
    std::vector<fs::path> dirs;
    for (const auto &e : fs::directory_iterator(root))
        if (e.is_directory())
            dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    if (int(dirs.size()) < people)
        throw std::runtime_error(root + " holds fewer than " + std::to_string(people) + " people");
    train::TrainingSet set;
    std::vector<int> anchorFaces;
    for (int p = 0; p < people; ++p) {
        std::vector<fs::path> files;
        for (const auto &e : fs::directory_iterator(dirs[size_t(p)]))
            files.push_back(e.path());
        std::sort(files.begin(), files.end());
        if (int(files.size()) < views + anchorsPerPerson)
            throw std::runtime_error(dirs[size_t(p)].string() + " holds too few images");
        for (int v = 0; v < views + anchorsPerPerson; ++v) {
            const cv::Mat img = cv::imread(files[size_t(v)].string(), cv::IMREAD_COLOR);
            if (img.empty())
                throw std::runtime_error("cannot read " + files[size_t(v)].string());
            cv::Mat small;
            cv::resize(img, small, {16, 16}, 0, 0, cv::INTER_AREA);
            if (v >= views)
                set.anchors.push_back(int(set.faces.size()));
            set.faces.push_back(small);
        }
    }
    const int stride = views + anchorsPerPerson;
    std::vector<train::FacePair> all;
    for (int p = 0; p < people; ++p)
        for (int a = 0; a < views; ++a)
            for (int b = a + 1; b < views; ++b) {
                all.push_back({p * stride + a, p * stride + b, true});
                const int q = (p + 1 + (a + b) % (people - 1)) % people;
                all.push_back({p * stride + a, q * stride + b, false});
            }
    const size_t val = all.size() / 5;
    set.train.assign(all.begin(), all.end() - long(val));
    set.validation.assign(all.end() - long(val), all.end());
    return set;
}

} // namespace facelab::disttest

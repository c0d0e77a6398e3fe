#pragma once
// Test support for core/train: a small ONNX face-embedding graph (Conv-BN-PRelu-Conv-Flatten-Gemm
// on 3x16x16 inputs, written with the same protobuf builder as tests/nn) and synthetic "people":
// each a random base image, each view of a person the base plus noise and a shift.
#include "../nn/OnnxTestGraph.h"
#include "train/TrainingTypes.h"

#include <opencv2/imgproc.hpp>

namespace facelab::traintest {

inline std::string smallEmbedderOnnx(std::uint64_t seed = 7)
{
    torch::manual_seed(int64_t(seed));
    nntest::GraphBuilder g(13);
    g.input("x", {-1, 3, 16, 16}).output("emb", {-1, 16});
    g.initializer("w1", torch::randn({8, 3, 3, 3}) * 0.3).initializer("b1", torch::zeros({8}));
    g.initializer("bn_s", torch::ones({8})).initializer("bn_b", torch::zeros({8}));
    g.initializer("bn_m", torch::randn({8}) * 0.1).initializer("bn_v", torch::rand({8}) + 0.5);
    g.initializer("slope", torch::full({8, 1, 1}, 0.25));
    g.initializer("w2", torch::randn({8, 8, 3, 3}) * 0.2).initializer("b2", torch::zeros({8}));
    g.initializer("w3", torch::randn({16, 128}) * 0.1).initializer("b3", torch::zeros({16}));
    g.node("Conv", {"x", "w1", "b1"}, {"c1"}).ints("kernel_shape", {3, 3}).ints("pads", {1, 1, 1, 1}).ints("strides", {2, 2});
    g.node("BatchNormalization", {"c1", "bn_s", "bn_b", "bn_m", "bn_v"}, {"n1"});
    g.node("PRelu", {"n1", "slope"}, {"p1"});
    g.node("Conv", {"p1", "w2", "b2"}, {"c2"}).ints("kernel_shape", {3, 3}).ints("pads", {1, 1, 1, 1}).ints("strides", {2, 2});
    g.node("Flatten", {"c2"}, {"f"}).i("axis", 1);
    g.node("Gemm", {"f", "w3", "b3"}, {"emb"}).i("transB", 1);
    return g.bytes();
}

inline nn::Preprocessing smallSpec()
{
    nn::Preprocessing p;
    p.mean = {127.5f, 127.5f, 127.5f};
    p.stdDev = {64.f, 64.f, 64.f};
    p.width = p.height = 16;
    return p;
}

// people x views faces; pairs: every same pair and as many different pairs, alternating, with
// roughly the last fifth as validation.
inline train::TrainingSet syntheticPeople(int people, int views, std::uint64_t seed = 3)
{
    cv::RNG rng(seed);
    train::TrainingSet set;
    for (int p = 0; p < people; ++p) {
        cv::Mat base(16, 16, CV_8UC3);
        rng.fill(base, cv::RNG::UNIFORM, 0, 256);
        cv::GaussianBlur(base, base, {3, 3}, 0.8);
        for (int v = 0; v < views; ++v) {
            cv::Mat noise(16, 16, CV_8UC3), face;
            rng.fill(noise, cv::RNG::NORMAL, 0, 40);
            cv::add(base, noise, face);
            set.faces.push_back(face);
        }
    }
    std::vector<train::FacePair> all;
    for (int p = 0; p < people; ++p)
        for (int a = 0; a < views; ++a)
            for (int b = a + 1; b < views; ++b) {
                all.push_back({p * views + a, p * views + b, true});
                const int q = (p + 1 + (a + b) % (people - 1)) % people;
                all.push_back({p * views + a, q * views + b, false});
            }
    const size_t val = all.size() / 5;
    set.train.assign(all.begin(), all.end() - long(val));
    set.validation.assign(all.end() - long(val), all.end());
    return set;
}

} // namespace facelab::traintest

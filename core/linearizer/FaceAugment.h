#pragma once
// The Linearizer's training augmentations, drawn so that a sample's draw depends only on the seed,
// the epoch and the sample's place in the epoch's global order (not on which process handles it,
// nor on how far the run got before a resume). OpenCV only, no torch.
#include "linearizer/LinearizerTraining.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <random>

namespace facelab::linearizer {

// splitmix64 of the three: a seed for one purpose at one place of the run (position ~0: the
// epoch's order; else one training sample's augmentation).
std::uint64_t seedAt(std::uint64_t seed, int epoch, std::uint64_t position);

// One image as the trainer feeds it: which augmentation it got. Only flips have a reusable target.
struct AugmentedFace
{
    cv::Mat face;
    bool flipped = false;
    bool randomised = false;   // shifted or colour-jittered: its target is computed now
};

AugmentedFace augmentFace(cv::Mat face, const AugmentOptions &options, std::mt19937_64 &rng);

} // namespace facelab::linearizer

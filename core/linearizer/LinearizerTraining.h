#pragma once
// What training a Linearizer surrogate takes and reports. Torch-free and Qt-free: the job at the
// edge (core/linearize) fills these from a project, LinearizerTrainer reads them.
#include "linearizer/LinearizerTypes.h"
#include "train/RankProgress.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace facelab::linearizer {

// Augmentations of training images. The teacher's target for an augmented image is computed on the
// fly (it is not the cached target of the plain image); flipped targets are computed once and kept.
struct AugmentOptions
{
    bool flip = true;          // mirrored with probability 1/2
    int maxShift = 0;          // pixels, uniform in [-maxShift, maxShift] in x and y (border replicated)
    double colourJitter = 0;   // brightness and contrast scaled by 1 + U(-j, j)
};

struct LinearizerTrainOptions
{
    int epochs = 20;
    int batch = 32;
    double learningRate = 1e-4;   // Adam, betas (0.9, 0.999) as the authors
    double mseWeight = 1.0;       // on ||f(x) - t||^2 (per image, summed over dimensions)
    double cosineWeight = 1.0;    // on 1 - cos(f(x), t)
    AugmentOptions augment;
    int patience = 0;             // stop after this many epochs without a better held-out loss; 0 = never
    std::uint64_t seed = 1;
    // Written atomically after every epoch (weights, optimiser, epoch, best so far) when non-empty;
    // a run that starts with resumeFrom naming such a file continues after its epoch.
    std::string checkpointPath;
    std::string resumeFrom;
    // Teacher targets computed during training are kept (not recomputed when their image comes
    // round again) up to this much memory; cached targets of the data are not counted.
    std::size_t targetMemoryBytes = std::size_t(2) << 30;
};

// The images, streamed: load(i) returns the aligned 8-bit BGR face i (empty when unreadable; the
// trainer then stops with an error naming name(i)). Nothing but the current batch is in memory.
struct LinearizerData
{
    std::size_t count = 0;
    std::function<cv::Mat(std::size_t)> load;
    std::function<std::string(std::size_t)> name;
    std::vector<std::size_t> train, heldOut;   // indices into 0..count-1, disjoint
    // The teacher's cached L2-normalised embedding of each plain image (count rows, or empty rows /
    // an empty vector where none is cached: computed then).
    std::vector<std::vector<float>> targets;
};

struct LinearizerStep
{
    int epoch = 0;
    std::int64_t step = 0, steps = 0;
    double loss = 0;                          // the global batch's mean loss
    std::vector<train::RankProgress> ranks;   // every process of a data-parallel job (one entry alone)
};

struct LinearizerEpoch
{
    int epoch = 0;               // 0 = before training (held-out figures only)
    double trainLoss = 0;        // NaN for epoch 0
    double heldOutLoss = 0;
    double heldOutMse = 0;       // mean squared error per dimension to the (unit) teacher embedding
    double cosineMean = 0;       // cos(f(x), teacher(x)) over held-out images
    double cosineMin = 0;
    double seconds = 0;          // since training started
    bool best = false;           // the lowest held-out loss of the trained epochs so far
};

struct LinearizerTrainResult
{
    std::vector<LinearizerEpoch> epochs;   // epoch 0 first (or the resumed epoch)
    int bestEpoch = 0;
    int epochsRun = 0;                     // complete epochs, resumed ones included
    int resumedFrom = 0;                   // the epoch a resumed run continued after (0 = fresh)
    bool cancelled = false;
    bool stoppedEarly = false;
    // The held-out loss exploded (not finite, or 100x the untrained surrogate's): g_y^-1
    // amplifies what A sends outside the range it was trained on. Training stopped there; that
    // epoch is never kept.
    int divergedAt = 0;
    std::string device;
    int world = 1;                         // processes that trained it together
    std::int64_t parameters = 0;
    std::int64_t teacherForwards = 0;      // images the teacher embedded during training (all ranks)
    double seconds = 0;
    double imagesPerSecond = 0;            // training images through forward + backward + step (all ranks)
};

struct LinearizerCallbacks
{
    std::function<bool()> cancelled;
    std::function<void(const LinearizerStep &)> onStep;
    std::function<void(const LinearizerEpoch &)> onEpoch;
};

} // namespace facelab::linearizer

#pragma once
// What contrastive fine-tuning takes and reports. Torch-free and Qt-free: the job at the edge
// (core/finetune) fills these from the project store, the trainer (ContrastiveTrainer) reads them.
#include "nn/Preprocessing.h"
#include "train/RankProgress.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace facelab::train {

// The training loss. Pairwise: the seed's contrastive loss on each labelled pair alone. Groups:
// "same" verdicts join faces into groups (transitively), groups joined by a "different" verdict are
// negatives of each other, and a multi-similarity loss (Wang et al. 2019) runs over every known
// relation between the faces of a batch, not only its labelled pairs (VerdictGroups.h).
enum class LossKind { Pairwise, Groups };
const char *lossKindName(LossKind k);                 // "pairwise" / "groups"
bool lossKindFromName(const std::string &name, LossKind &out);

// What stays fixed, by block (FaceNetImpl::parameterGroups(): the stem, each residual or depthwise
// block, the embedding head, input to output; an ONNX graph has one block per initializer).
//   Fraction  the first freezeFraction of the blocks (0 = train everything)
//   Stem      the first block only (the low-level filters)
//   Early     the first half of the blocks before the head
//   Backbone  everything but the head (the last block): a linear probe on fixed features
enum class FreezePreset { Fraction, Stem, Early, Backbone };
const char *freezePresetName(FreezePreset p);         // "fraction" / "stem" / "early" / "backbone"
bool freezePresetFromName(const std::string &name, FreezePreset &out);
// How many of `blocks` blocks stay fixed (never all: at least the last one trains).
std::size_t frozenBlockCount(FreezePreset preset, double fraction, std::size_t blocks);

struct ContrastiveOptions
{
    int epochs = 10;
    int batchPairs = 32;          // pairs per optimiser step (2x as many faces per forward pass)
    double learningRate = 1e-4;   // Adam
    double margin = 1.0;          // on the distance between unit vectors (0..2)
    bool flipAugment = false;     // each face of a training pair mirrored with probability 1/2
    bool trainBatchNorm = false;  // false: BN uses its stored statistics (right for a few hundred pairs)
    FreezePreset freeze = FreezePreset::Fraction;
    double freezeFraction = 0.0;  // with FreezePreset::Fraction: the first fraction of the blocks stays fixed
    int patience = 0;             // stop after this many epochs without a better validation AUC; 0 = never
    std::uint64_t seed = 1;       // shuffling, augmentation: same seed and data, same result on the CPU
    LossKind loss = LossKind::Groups;
    // Keeping what the model knew. distillWeight: each step also sees distillBatch unlabelled faces
    // (TrainingSet::anchors) and pays distillWeight * (1 - cos) to the parent's embedding of each.
    // l2spWeight: weight decay toward the starting weights (L2-SP, Li et al. 2018), on the sum of
    // squared changes of the trainable parameters. Warm-up then cosine decay of the learning rate.
    double distillWeight = 1.0;
    int distillBatch = 16;
    double l2spWeight = 0.0;
    double warmupFraction = 0.1;  // of all steps, linear from lr/10; 0 = none
    bool cosineDecay = true;      // to lr/100 at the last step; false = constant
    // The child's threshold: the highest cosine whose false accept rate on the validation negatives
    // is at most targetFar (the best-accuracy threshold is reported beside it).
    double targetFar = 0.1;
    // Checkpoint (model, optimiser, sampler position, random state, the epochs so far), written
    // atomically after every checkpointEvery steps (0: only at epoch ends) and at each epoch's end,
    // by rank 0 alone; empty = none. resume: continue from it when it exists (same set and options;
    // any number of processes).
    std::string checkpointPath;
    int checkpointEvery = 0;
    bool resume = false;
};

// One labelled pair: indices into TrainingSet::faces.
struct FacePair
{
    int a = 0;
    int b = 0;
    bool same = false;
};

struct TrainingSet
{
    std::vector<cv::Mat> faces;   // aligned 8-bit BGR faces, each used by one or more pairs
    std::vector<FacePair> train;
    std::vector<FacePair> validation;
    std::vector<int> anchors;     // unlabelled faces (indices into faces) held near the parent's embedding
};

struct StepStats
{
    int epoch = 0;                // 1-based
    std::int64_t step = 0;        // 1-based over the whole run
    std::int64_t steps = 0;       // total planned
    double loss = 0;              // this batch's mean loss
    std::vector<RankProgress> ranks;   // every process of a data-parallel job (one entry alone)
};

struct EpochStats
{
    int epoch = 0;                // 0 = the starting weights (validation only)
    double trainLoss = 0;         // mean over the epoch's pairs (NaN for epoch 0)
    double valLoss = 0;
    double valAccuracy = 0;       // at the best-accuracy threshold on the validation pairs
    double valThreshold = 0;      // that threshold (cosine)
    double valAuc = 0;            // what the best epoch is chosen by
    double valFarThreshold = 0;   // highest threshold with FAR <= targetFar on the validation negatives
    double valFar = 0;            // the FAR it gives there
    double valTar = 0;            // and the TAR
    double valAccuracyAtFar = 0;  // accuracy on the validation pairs at valFarThreshold
    double anchorCosine = 1;      // mean cosine to the parent's embedding on the anchors (1 = no drift; NaN: none)
    double seconds = 0;           // since training started
    bool best = false;            // the best so far (kept)
};

struct TrainResult
{
    std::vector<EpochStats> epochs;   // epoch 0 first
    int bestEpoch = 0;                // 0 when no epoch ran to the end
    int epochsRun = 0;                // complete epochs
    bool cancelled = false;
    bool stoppedEarly = false;
    std::string device;               // "cpu (2 threads)" / "cuda:0"
    std::int64_t trainableScalars = 0;
    std::int64_t frozenScalars = 0;
    int blocks = 0;                   // parameter blocks of the model
    int frozenBlocks = 0;             // the first frozenBlocks of them stayed fixed
    std::string lastFrozenBlock;      // its name ("layer2.1"), empty when none
    double seconds = 0;
    double pairsPerSecond = 0;        // training pairs through forward+backward+step
    int groups = 0;                   // verdict groups (Groups loss), negative group links
    int negativeLinks = 0;
    std::int64_t resumedFromStep = 0; // the checkpoint's step (0 = a fresh start)
    int world = 1;                    // processes that trained (data parallel)
};

struct TrainCallbacks
{
    std::function<bool()> cancelled;                   // polled between steps
    std::function<void(const StepStats &)> onStep;
    std::function<void(const EpochStats &)> onEpoch;
};

} // namespace facelab::train

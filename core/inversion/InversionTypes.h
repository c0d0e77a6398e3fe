#pragma once
// What inverting a face model takes and reports (seed 002, DeepInversion): a batch of images is
// optimised, not the model, until the model's embedding reaches a target, under a statistics prior
// (the model's BatchNorm statistics, or statistics measured on real faces where BatchNorm was
// folded away) and image priors (total variation, L2). Torch-free and Qt-free: the job at the edge
// (core/invert) fills these from a project, ModelInverter reads them.
#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace facelab::inversion {

// Per-channel statistics of one layer: BatchNorm's running ones, or measured on real faces.
struct LayerStatistics
{
    std::string name;            // "node 'Conv_3' (Conv)", "layer1.0.bn1", ...
    std::vector<float> mean, var;
};

enum class PriorKind {
    Auto,       // BatchNorm when the model has it, else measured (when statistics are given), else none
    BatchNorm,  // each BatchNorm layer's input against its running mean / variance
    Measured,   // each convolution's output against statistics measured on real faces
    None,       // image priors only
};
const char *priorKindName(PriorKind kind);   // "batchnorm", "measured", "none", "auto"
// The kind a name stands for (priorKindName's inverse); false for an unknown name.
bool priorKindFromName(const std::string &name, PriorKind &kind);

// What the embedding is pulled towards.
struct InversionTarget
{
    // Class centres, `classes` rows of `dim` floats (row-major; normalised inside): the identities
    // of the project, or a checkpoint's training head. Ranks are counted against them.
    std::vector<float> centres;
    int classes = 0, dim = 0;
    int targetClass = -1;        // row of the target identity; -1 = none (then no rank)
    // When non-empty: the target is this embedding (cosine loss); else ArcFace margin loss towards
    // centres[targetClass].
    std::vector<float> embedding;
    std::string description;     // "identity 'Ann'", "image a.jpg", for messages
};

struct InversionOptions
{
    // Defaults measured on fr_feature and the development faces (tests/bench/bench_inversion and the
    // closing note of the inversion work): the reference's lr 0.2 and TV 1e-4 leave coloured noise
    // after the few hundred steps two CPU cores afford; lr 0.05, TV 0.05 and the mean face as the
    // start give a recognisable face at cosine > 0.6, rank 1, in about 200 steps.
    int steps = 200;
    int batch = 8;
    double learningRate = 0.05;  // Adam, betas (0.5, 0.9) as DeepInversion, cosine decay to 0
    double beta1 = 0.5, beta2 = 0.9;
    double arcScale = 64, arcMargin = 0.5;  // ArcFace s, m
    double priorWeight = 0.01;   // on the sum over layers of ||mu_b - mu|| + ||var_b - var||
    double firstLayerWeight = 10;// the first layer's share of that sum, as DeepInversion
    double tvWeight = 0.05;      // on the L2 norms of neighbour differences (DeepInversion's var_l2; it uses 1e-4)
    double l2Weight = 1e-5;      // on each image's L2 norm
    int maxShift = -1;           // random roll (wrapping) each step, pixels; -1 = an eighth of the size
    bool flip = true;            // mirrored with probability 1/2 each step
    PriorKind prior = PriorKind::Auto;
    // Layers the statistics prior covers, spread evenly from the first to the last (the first is
    // always one): each costs a reduction forward and backward over a whole activation, about as
    // much as the network itself at 50 layers. 0 = every layer.
    int priorLayers = 12;
    // Start: Gaussian noise, or this 8-bit BGR face (the project's mean face) plus a little noise.
    cv::Mat startFace;
    double startNoise = 0.05;    // standard deviation of the noise added to startFace (model units)
    std::uint64_t seed = 1;
    int previewEvery = 25;       // steps between previews (0 = none)
};

struct InversionStep
{
    int step = 0;                // 1-based
    double total = 0, target = 0, prior = 0, tv = 0, l2 = 0;
    double targetCosine = 0;     // batch mean, on the jittered images the step saw
    double learningRate = 0;
};

struct InversionResult
{
    std::vector<cv::Mat> images;          // 8-bit BGR at the model's input size
    std::vector<double> targetCosine;     // each image's (unjittered) cosine to the target vector
    std::vector<int> targetRank;          // rank of targetClass among the centres (1 = nearest); empty without one
    std::vector<InversionStep> history;   // every step
    PriorKind prior = PriorKind::None;    // what was used (never Auto)
    std::vector<std::string> priorLayers; // the layers the prior covered, input to output
    int stepsRun = 0;
    bool cancelled = false;
    std::string device;
    double seconds = 0;
    double stepsPerSecond = 0;
};

struct InversionCallbacks
{
    std::function<bool()> cancelled;
    std::function<void(const InversionStep &)> onStep;
    // Every previewEvery steps and after the last: the current images (8-bit BGR).
    std::function<void(int step, const std::vector<cv::Mat> &images)> onPreview;
};

} // namespace facelab::inversion

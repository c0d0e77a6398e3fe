#pragma once
// Trains a Linearizer surrogate f(x) = g_y^-1(A g_x(x)) against a frozen teacher of any family
// (seed 000): MSE plus a cosine term to the teacher's L2-normalised embedding, Adam, held-out
// figures after every epoch, the best epoch (lowest held-out loss) kept. Torch-free header.
#include "linearizer/LinearizerTraining.h"
#include "nn/FaceModel.h"

#include <memory>
#include <stdexcept>

namespace facelab::train {
class Collective;
}

namespace facelab::linearizer {

class LinearizerTrainingError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

class LinearizerTrainer
{
public:
    // config's embedding width and input size are taken from the teacher. Throws
    // LinearizerTrainingError for options out of range.
    LinearizerTrainer(nn::FaceModel teacher, LinearizerConfig config, LinearizerTrainOptions options);

    // Data-parallel training (core/distributed): every process of the group calls train() with the
    // same data and options, and ends with the same weights as one process would. Each takes its
    // shard of every global batch (options.batch stays the global batch) and of the held-out
    // images; the gradients and the loss are summed in one all-reduce; rank 0's starting weights
    // are broadcast; a stop asked on any rank stops all at the same step; rank 0 alone writes the
    // checkpoint. nullptr (the default): alone.
    void setCollective(std::shared_ptr<train::Collective> collective) { m_collective = std::move(collective); }

    // Runs the epochs; afterwards surrogate() holds the best epoch's weights (also after a cancel).
    // Throws LinearizerTrainingError for an unusable set (no training or held-out images, an
    // unreadable image named) or a diverged loss.
    LinearizerTrainResult train(const LinearizerData &data, const LinearizerCallbacks &callbacks = {});

    // The surrogate, with the teacher's preprocessing (family "linearizer").
    nn::FaceModel surrogate() const { return m_surrogate; }
    const LinearizerConfig &config() const { return m_config; }

private:
    nn::FaceModel m_teacher;
    LinearizerConfig m_config;
    LinearizerTrainOptions m_options;
    nn::FaceModel m_surrogate;
    std::shared_ptr<train::Collective> m_collective;
};

} // namespace facelab::linearizer

#pragma once
// Contrastive fine-tuning of a face network of any family (nn::FaceModel) on labelled face pairs (REFERENCE.md, seed 003):
// L2-normalised embeddings, d = ||e1 - e2||, loss y d^2 + (1 - y) max(0, m - d)^2, Adam, a
// validation pass after every epoch, and the best epoch's weights kept. Torch-free header so the
// Qt job at the edge compiles without LibTorch.
#include "TrainingTypes.h"
#include "nn/FaceModel.h"

#include <memory>
#include <stdexcept>

namespace facelab::train {

// Bad input or a diverged run; the message is meant for the user.
class TrainingError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

class ContrastiveTrainer
{
public:
    // The network is trained in place (moved to CUDA when LibTorch has it, else the CPU with all
    // cores), fed with the model's own preprocessing. Throws TrainingError for options out of range.
    ContrastiveTrainer(nn::FaceModel model, ContrastiveOptions options);

    // Runs the epochs. Afterwards the module holds the best epoch's weights (the starting weights
    // when no epoch completed), also after a cancel. Throws TrainingError for an unusable set (no
    // pairs, one class only, bad indices or images) or a diverged loss (NaN), leaving the module
    // at its starting weights.
    TrainResult train(const TrainingSet &set, const TrainCallbacks &callbacks = {});

    // Validation figures of the module as it is now (no training).
    EpochStats validate(const TrainingSet &set);

    const ContrastiveOptions &options() const { return m_options; }

private:
    nn::FaceModel m_model;
    nn::Preprocessing m_spec;
    ContrastiveOptions m_options;
};

} // namespace facelab::train

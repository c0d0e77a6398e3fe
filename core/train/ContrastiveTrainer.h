#pragma once
// Contrastive fine-tuning of an OnnxGraphModule on labelled face pairs (REFERENCE.md, seed 003):
// L2-normalised embeddings, d = ||e1 - e2||, loss y d^2 + (1 - y) max(0, m - d)^2, Adam, a
// validation pass after every epoch, and the best epoch's weights kept. Torch-free header (the
// module is only forward-declared) so the Qt job at the edge compiles without LibTorch.
#include "TrainingTypes.h"

#include <memory>
#include <stdexcept>

namespace facelab::nn {
class OnnxGraphModuleImpl;
}

namespace facelab::train {

// Bad input or a diverged run; the message is meant for the user.
class TrainingError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// An .onnx file as a trainable module, for callers without LibTorch includes. Throws nn::ModelError
// (unsupported operators listed) or UnsupportedOpsError.
std::shared_ptr<nn::OnnxGraphModuleImpl> loadTrainableOnnx(const std::string &path);

class ContrastiveTrainer
{
public:
    // The module is trained in place (moved to CUDA when LibTorch has it, else the CPU with all
    // cores). Throws TrainingError for options out of range.
    ContrastiveTrainer(std::shared_ptr<nn::OnnxGraphModuleImpl> module, nn::Preprocessing spec,
                       ContrastiveOptions options);

    // Runs the epochs. Afterwards the module holds the best epoch's weights (the starting weights
    // when no epoch completed), also after a cancel. Throws TrainingError for an unusable set (no
    // pairs, one class only, bad indices or images) or a diverged loss (NaN), leaving the module
    // at its starting weights.
    TrainResult train(const TrainingSet &set, const TrainCallbacks &callbacks = {});

    // Validation figures of the module as it is now (no training).
    EpochStats validate(const TrainingSet &set);

    const ContrastiveOptions &options() const { return m_options; }

private:
    std::shared_ptr<nn::OnnxGraphModuleImpl> m_module;
    nn::Preprocessing m_spec;
    ContrastiveOptions m_options;
};

} // namespace facelab::train

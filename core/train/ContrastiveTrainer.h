#pragma once
// Fine-tuning of a face network of any family (nn::FaceModel) on labelled face pairs (REFERENCE.md, seed 003):
// L2-normalised embeddings, the seed's pairwise loss y d^2 + (1 - y) max(0, m - d)^2 or the
// multi-similarity loss over verdict groups (VerdictGroups.h), distillation to the parent on
// unlabelled faces, optional L2-SP, Adam with warm-up and cosine decay, a validation pass after
// every epoch, and the weights of the epoch with the best validation AUC kept. train() drives the
// parts: PairSampler (what each step takes, shardable), ContrastiveStep (forward and loss, the
// gradient hook between backward() and step()), TrainCheckpoint (atomic checkpoints, resume), and a
// Collective for data-parallel runs. Torch-free header so the Qt job at the edge compiles without LibTorch.
#include "TrainingTypes.h"
#include "nn/FaceModel.h"

#include <memory>
#include <stdexcept>

namespace at {
class Tensor;
}

namespace facelab::train {

class Collective;

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

    // Validation figures of the module as it is now (no training); anchorCosine only after train()
    // took the parent's anchor embeddings. With a collective every rank calls it (each embeds its
    // share of the validation faces).
    EpochStats validate(const TrainingSet &set);

    // Unit embeddings of aligned 8-bit BGR faces under the module as it is now (eval mode, no
    // augmentation): the parent's before train(), the kept epoch's after (for a reference domain).
    std::vector<std::vector<float>> embedFaces(const std::vector<cv::Mat> &faces);

    const ContrastiveOptions &options() const { return m_options; }

    // Data-parallel training with the processes of collective (core/distributed): every process
    // runs train() on the same set and options, takes its shard of each global batch (batchPairs
    // stays the global batch) and ends with the same weights; only rank 0 writes checkpoints.
    void setCollective(std::shared_ptr<Collective> collective) { m_collective = std::move(collective); }

private:
    // Unit embeddings of set's faces (CPU), each rank embedding its share and all gathering them.
    at::Tensor embedShared(nn::FaceNetImpl &m, const TrainingSet &set, const std::vector<int> &faces) const;

    nn::FaceModel m_model;
    nn::Preprocessing m_spec;
    ContrastiveOptions m_options;
    std::shared_ptr<at::Tensor> m_anchorTargets;   // the parent's unit embeddings of TrainingSet::anchors
    std::shared_ptr<Collective> m_collective;
};

} // namespace facelab::train

#pragma once
// One optimiser step of contrastive fine-tuning, in parts: the faces of a global batch, this
// process's forward pass over its shard and the loss of the whole batch, the gradient hook between
// backward() and step(), and the BatchNorm statistics kept equal across processes. Torch header,
// internal to core/train.
#include "Collective.h"
#include "GradientSync.h"
#include "PairSampler.h"
#include "TrainingTypes.h"
#include "VerdictGroups.h"
#include "nn/FaceNet.h"

namespace facelab::train {

// Faces idx as one input tensor; rows with flip[i] mirrored left-right.
torch::Tensor faceBatch(const TrainingSet &set, const std::vector<int> &idx, const std::vector<bool> &flip,
                        const nn::Preprocessing &spec);

// Unit embeddings of faces idx, in chunks, no gradient, as the module is now (eval mode).
torch::Tensor embedUnit(nn::FaceNetImpl &m, const TrainingSet &set, const std::vector<int> &idx,
                        const nn::Preprocessing &spec);

struct StepContext
{
    nn::FaceNetImpl &model;
    const TrainingSet &set;
    const nn::Preprocessing &spec;
    const ContrastiveOptions &options;
    const VerdictGroups &groups;
    const torch::Tensor *anchorTargets;              // the parent's unit embeddings of set.anchors, or null
    const std::vector<torch::Tensor> &trainable;
    const std::vector<torch::Tensor> &startTrainable; // L2-SP's anchor point
    Collective *collective;                          // null: one process
    long width = 0;                                  // embedding width (what shards exchange)
};

// The loss of the whole global batch, as one process computes it, with a graph through this
// process's shard only. Each process runs its shard (firsts, seconds and anchors split by
// shardRange) through the network; with more than one, the embeddings are all-gathered (detached)
// and put back in the single-process row order with the own rows live, so every process computes
// the same loss and the sum of their gradients is the gradient of the whole batch, for any loss
// (the multi-similarity loss couples every face of a batch). L2-SP's graph rides on rank 0 only.
torch::Tensor batchLoss(const StepContext &c, const PairBatch &batch);

// BatchNorm running means and variances averaged over the processes (batch statistics differ by shard).
void averageBatchNormStatistics(Collective *collective, nn::FaceNetImpl &m);

} // namespace facelab::train

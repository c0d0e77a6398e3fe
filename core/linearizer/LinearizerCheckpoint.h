#pragma once
// The Linearizer's resume checkpoint, written atomically at every epoch's end (by rank 0 of a
// data-parallel run): the weights, Adam's state, the best epoch's weights, its number and its
// held-out loss. Torch, no Qt.
#include "linearizer/LinearizerModel.h"

#include <torch/torch.h>

#include <string>

namespace facelab::linearizer {

struct LinearizerCheckpoint
{
    int epoch = 0, bestEpoch = 0;
    double bestLoss = 0;
};

// Throws std::runtime_error naming the path when it cannot be written (train::saveArchiveAtomically).
void saveLinearizerCheckpoint(const std::string &path, LinearizerModel &model, torch::optim::Adam &optimizer,
                              LinearizerModel &best, const LinearizerCheckpoint &where);

// Loads into model, optimizer and best (a model of the same configuration). Throws c10::Error
// when the file is not a checkpoint of this configuration.
LinearizerCheckpoint loadLinearizerCheckpoint(const std::string &path, const torch::Device &device, LinearizerModel &model,
                                              torch::optim::Adam &optimizer, LinearizerModel &best);

} // namespace facelab::linearizer

#pragma once
// The "torchscript" family: modules written by torch.jit.save (a zip holding code/ and
// constants.pkl), run by LibTorch's own interpreter (torch::jit::load). The module's forward must
// take an N x 3 x 112 x 112 preprocessed batch and return one N x D tensor; anything else (a tuple,
// a dict, another rank) is refused at inspect time naming what it returned. A TorchScript file
// carries no preprocessing: the report leaves it unset and open() uses OpenOptions::preprocessing,
// else the identity spec (RGB, mean 0, std 1, 112x112) with a note. Torch-free header.
#include "nn/ModelFamily.h"

namespace facelab::nn {

const ModelFamily &torchScriptFamily();

} // namespace facelab::nn

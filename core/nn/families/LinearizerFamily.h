#pragma once
// The "linearizer" family: a trained Linearizer surrogate (core/linearizer) saved by FaceLab as
// {"linearizer": state_dict, "config": "latent=... blocks=..."}. It opens like any model, so a
// surrogate embeds, evaluates and orders the queue; its preprocessing is its teacher's (kept in
// the version record). Torch-free header.
#include "nn/ModelFamily.h"

namespace facelab::nn {

const ModelFamily &linearizerFamily();

} // namespace facelab::nn

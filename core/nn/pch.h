#pragma once
// Precompiled header for core/nn: LibTorch's headers cost 20-30 s per translation unit.
#include <torch/torch.h>

#pragma once
// Process-wide LibTorch settings. Torch-free header.

namespace facelab::nn {

// Sets LibTorch's intra-op threads to the machine's core count (at::get_num_threads() starts at 1
// on these machines) and its inter-op pool to one thread, and keeps large freed blocks in glibc's
// heap (see Engine.cpp: without it every forward pass page-faults its activations in), once per
// process. Every entry point of the engine calls it; calling it again does nothing.
void initEngine();

// Whether LibTorch sees a CUDA device (always false with a CPU-only LibTorch).
bool cudaAvailable();

} // namespace facelab::nn

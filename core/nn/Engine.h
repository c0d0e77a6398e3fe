#pragma once
// Process-wide LibTorch settings. Torch-free header.

namespace facelab::nn {

// Sets LibTorch's intra-op threads to the machine's core count (at::get_num_threads() starts at 1
// on these machines) and its inter-op pool to one thread, and keeps large freed blocks in glibc's
// heap (see Engine.cpp: without it every forward pass page-faults its activations in), once per
// process. Every entry point of the engine calls it; calling it again does nothing.
void initEngine();

// This process is one of `processes` training together on this machine (a data-parallel job's
// local workers): LibTorch's intra-op threads become cores / processes (at least 1), so they do
// not fight over the cores; 1 gives this process all of them again. A worker started by
// core/parallel's LocalWorkers gets its share at initEngine() from FACELAB_LOCAL_PROCESSES.
void shareCores(int processes);

// Whether LibTorch sees a CUDA device (always false with a CPU-only LibTorch).
bool cudaAvailable();

} // namespace facelab::nn

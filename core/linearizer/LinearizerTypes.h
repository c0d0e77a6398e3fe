#pragma once
// Sizes of the Linearizer surrogate f(x) = g_y^-1(A g_x(x)). Torch-free so Qt code (settings,
// dialogs, the job that trains it) can hold and edit a configuration without torch's headers.
#include <cstdint>
#include <string>
#include <vector>

namespace facelab::linearizer {

struct LinearizerConfig
{
    // Width L of g_x's latent (the space A reads from).
    int latent = 512;
    // Width D of the embedding space, i.e. the teacher's embeddingDim(); g_y acts on it. A is
    // D x L, so the paper's square L x L operator is the case latent == embeddingDim.
    int embeddingDim = 512;
    // Invertible blocks (ActNorm -> two couplings -> 1x1 mixing) in g_x and in g_y each.
    int blocks = 4;
    // Hidden width of the s / t MLPs inside each coupling, and their number of Linear layers.
    int hidden = 1024;
    int couplingLayers = 3;
    // Rank r of A = U V^T; 0 = a full D x L matrix.
    int rank = 0;
    // Input the CNN encoder expects: channels x height x width (preprocessed faces).
    int inputChannels = 3;
    int inputHeight = 112;
    int inputWidth = 112;
    // Output channels of the encoder's convolutions: the first is a 7x7 stride-2 conv, the rest
    // 3x3 stride-2 convs; then global average pooling and a Linear to `latent`.
    std::vector<int> encoderChannels{64, 128, 256, 512};
    // Coupling log-scales are clamped to +-scaleClamp (exp(5) ~ 148) so one step cannot blow up.
    double scaleClamp = 5.0;
    // Seeds every initial weight, so one configuration always gives the same untrained model.
    std::uint64_t seed = 0;
};

// "latent=512 embedding=512 blocks=4 hidden=1024 layers=3 rank=0 input=3x112x112
// encoder=64,128,256,512 clamp=5 seed=0": how a saved surrogate names its sizes (one line, read
// by configFromText; a checkpoint inspector shows it as is).
std::string configText(const LinearizerConfig &config);
// Throws std::invalid_argument naming the key that is missing or malformed.
LinearizerConfig configFromText(const std::string &text);

} // namespace facelab::linearizer

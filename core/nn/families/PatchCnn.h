#pragma once
// CryptoFace PatchCNN (CVPR 2025; REFERENCE.md "CryptoFace PatchCNN"): N = (input/32)^2 small
// HerPN backbones, one per 32x32 patch, a Linear(N*256, 256) head and BatchNorm1d(256, affine=False).
// State names are CryptoFace's own state_dict names (nets.K.layers.J.herpn1.bn0.running_mean, ...),
// so a checkpoint loads by name and save() writes a file CryptoFace's load_state_dict reads.
//
// Input: the FaceLab preprocessed 112x112 batch (RGB, (x-127.5)/127.5). CryptoFace normalises THEN
// resizes 112 -> 64/96/128 (bilinear, antialiased) on the normalised tensor, so forward() does that
// resize itself; an input already at the network size is taken as is. Torch header.
#include "nn/FaceNet.h"

#include <string>
#include <vector>

namespace facelab::nn::pcnn {

// BatchNorm state with CryptoFace's names (weight/bias only when affine), applied functionally so
// the FaceNet BatchNormMode rule decides between stored and batch statistics.
class BatchNormStateImpl : public torch::nn::Module
{
public:
    BatchNormStateImpl(int64_t channels, bool affine, double eps = 1e-5, double momentum = 0.1);
    torch::Tensor apply(const torch::Tensor &x, bool batchStatistics);
    bool affine() const { return m_affine; }

    torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
    double eps, momentum;

private:
    bool m_affine;
};
TORCH_MODULE(BatchNormState);

// The owner of the BatchNorm rules and taps: each layer calls back into the network.
class PatchCnnImpl;

// gamma * [BN0(1)/sqrt(2 pi) + BN1(x)/2 + BN2((x^2 - 1)/sqrt 2)/sqrt(4 pi)] + beta.
class HerPNImpl : public torch::nn::Module
{
public:
    explicit HerPNImpl(int64_t planes);
    torch::Tensor forward(const torch::Tensor &x, const PatchCnnImpl &net, int &tapIndex, const std::string &name);
    // The same in eval mode as one quadratic per channel: w2 x^2 + w1 x + w0 (computed in double;
    // each [C]). What an encrypted evaluator runs.
    void polynomial(torch::Tensor &w2, torch::Tensor &w1, torch::Tensor &w0) const;

    BatchNormState bn0{nullptr}, bn1{nullptr}, bn2{nullptr};
    torch::Tensor weight, bias; // [C,1,1]
};
TORCH_MODULE(HerPN);

class HerPNConvImpl : public torch::nn::Module
{
public:
    HerPNConvImpl(int64_t in, int64_t out, int64_t stride);
    torch::Tensor forward(const torch::Tensor &x, const PatchCnnImpl &net, int &tapIndex, const std::string &name);

    HerPN herpn1{nullptr}, herpn2{nullptr};
    torch::Tensor conv1, conv2;            // weights (bias=False)
    torch::Tensor shortcutConv;            // undefined without a projection shortcut
    BatchNormState shortcutBn{nullptr};
    int64_t stride;
};
TORCH_MODULE(HerPNConv);

class PatchBackboneImpl : public torch::nn::Module
{
public:
    PatchBackboneImpl();
    // 32x32 patches B x 3 x 32 x 32 -> B x 256.
    torch::Tensor forward(const torch::Tensor &x, const PatchCnnImpl &net, int &tapIndex, const std::string &name);

    torch::Tensor conv;                    // [16,3,3,3]
    std::vector<HerPNConv> layers;
    HerPN poolHerpn{nullptr};
    BatchNormState bn{nullptr};
};
TORCH_MODULE(PatchBackbone);

class PatchCnnImpl : public FaceNetImpl
{
public:
    // inputSize: 64, 96 or 128 (N = 4, 9, 16). Throws ModelError for another size.
    explicit PatchCnnImpl(int inputSize);

    std::string family() const override { return "pcnn"; }
    // B x 3 x 112 x 112 (resized inside) or B x 3 x S x S -> B x 256 (head BatchNorm applied).
    torch::Tensor forward(const torch::Tensor &input) override;
    int inputWidth() const override { return 112; }
    int inputHeight() const override { return 112; }
    int embeddingDim() const override { return 256; }
    std::vector<ParameterGroup> parameterGroups() override;
    int batchNormLayerCount() const override;
    void setChannelsLast(bool on) override;
    // torch.save {"backbone": state_dict} (CryptoFace's layout; its evaluation loads ckpt["backbone"]).
    void save(const std::string &path) const override;
    std::string fileSuffix() const override { return ".ckpt"; }

    int networkInputSize() const { return m_size; }
    int patchGrid() const { return m_grid; }     // sqrt(N)
    int patchCount() const { return m_grid * m_grid; }

    // The resize CryptoFace applies after normalising (bilinear, antialiased, align_corners=False).
    torch::Tensor resizeInput(const torch::Tensor &input) const;
    // B x N x 256 patch features (the backbones' BatchNorm1d outputs), patches row-major.
    torch::Tensor patchFeatures(const torch::Tensor &input);

    // Fused inference (PatchCnnFuse.h): when set and in eval mode, forward sums per-patch
    // W'_i f_i + b'/N instead of Linear + BatchNorm. The unfused tensors stay (training, save()).
    void setFusedHead(torch::Tensor weights /* N x 256 x 256 */, torch::Tensor bias /* 256, already /N */);
    void clearFusedHead();
    bool fused() const { return m_fusedWeights.defined(); }
    const torch::Tensor &fusedWeights() const { return m_fusedWeights; }
    const torch::Tensor &fusedBias() const { return m_fusedBias; }

    // Tensors of the file kept only to be written back by save() (the jigsaw head).
    std::vector<std::pair<std::string, torch::Tensor>> extraState;

    std::vector<PatchBackbone> nets;
    torch::Tensor linearWeight, linearBias;
    BatchNormState headBn{nullptr};

    // For the layers: the FaceNet BatchNorm rule and the tap.
    bool batchStats() const { return useBatchStatistics(); }
    void tap(int layer, const std::string &name, const torch::Tensor &input, const BatchNormStateImpl &bn) const
    {
        tapBatchNorm(layer, name, input, bn.running_mean, bn.running_var);
    }
    bool tapping() const { return bool(batchNormTap()); }

private:
    int m_size;
    int m_grid;
    torch::Tensor m_fusedWeights, m_fusedBias;
};
TORCH_MODULE(PatchCnn);

// Taps per patch backbone: bn1 and bn2 of each HerPN (bn0 sees a constant), the projection
// shortcut BNs and the final BatchNorm1d.
constexpr int kTapsPerBackbone = 5 * 4 + 2 + 2 + 1;

} // namespace facelab::nn::pcnn

#pragma once
// The statistics prior of model inversion: while installed on a network, every forward adds, for
// each tapped layer with reference statistics, ||mu_batch - mu|| + ||var_batch - var|| (per-channel
// statistics over batch and space; the first layer weighted more, as DeepInversion). Torch header.
#include "inversion/InversionTypes.h"
#include "nn/FaceNet.h"

#include <torch/torch.h>

#include <memory>
#include <utility>
#include <vector>

namespace facelab::inversion {

// Per-channel mean and population variance of an N x C x ... tensor (over every dim but 1).
std::pair<torch::Tensor, torch::Tensor> channelStatistics(const torch::Tensor &x);

// One layer's term: ||mean(x) - mean||_2 + ||var(x) - var||_2.
torch::Tensor layerStatisticsLoss(const torch::Tensor &x, const torch::Tensor &mean, const torch::Tensor &var);

class StatisticsPrior
{
public:
    // BatchNorm: taps BatchNorm inputs, references are the running statistics (layers with a 4-D
    // input and defined statistics). Measured: taps convolution outputs, references are
    // `measured` (matched by layer number; sizes checked). Installs the tap; the destructor removes it.
    // maxLayers > 0 keeps that many layers spread evenly over the network's (first one included).
    StatisticsPrior(std::shared_ptr<nn::FaceNetImpl> net, PriorKind kind, const std::vector<LayerStatistics> &measured,
                    double firstLayerWeight, int maxLayers = 0);
    ~StatisticsPrior();
    StatisticsPrior(const StatisticsPrior &) = delete;
    StatisticsPrior &operator=(const StatisticsPrior &) = delete;

    // The weighted sum of the last forward's layer terms (a 0 scalar before any), and clears it.
    torch::Tensor take();
    // Names of the layers seen so far with a reference, input to output.
    const std::vector<std::string> &layers() const { return m_layers; }

private:
    void onTap(const nn::BatchNormTapEvent &e);

    std::shared_ptr<nn::FaceNetImpl> m_net;
    PriorKind m_kind;
    std::vector<torch::Tensor> m_mean, m_var;   // measured references by layer number
    std::vector<std::string> m_names;
    double m_firstWeight;
    torch::Tensor m_sum;
    int m_firstLayer = -1;
    std::vector<std::string> m_layers;
    std::vector<bool> m_seen;
    std::vector<bool> m_use;   // by layer number; empty = all
};

} // namespace facelab::inversion

#pragma once
// Inverts a face model of any family into images of a target (seed 002, DeepInversion): Adam on
// the pixels with a random roll and flip each step, a statistics prior and image priors, the
// model frozen in eval mode. Torch-free header.
#include "inversion/InversionTypes.h"
#include "nn/FaceModel.h"

#include <cstddef>
#include <stdexcept>

namespace facelab::inversion {

class InversionError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Runs the optimisation. `measured` are the statistics of each convolution's output on real
// faces (measureConvolutionStatistics), used when the prior is Measured (or Auto without
// BatchNorm). The model's parameters are left untouched (their requires_grad is restored). A
// cancel returns the images of the last completed step with result.cancelled set. Throws
// InversionError for options out of range, a target that does not fit the model, a prior the
// model cannot give (BatchNorm without BatchNorm layers, Measured without statistics).
InversionResult invertModel(const nn::FaceModel &model, const InversionTarget &target, const InversionOptions &options,
                            const std::vector<LayerStatistics> &measured = {}, const InversionCallbacks &callbacks = {});

// Per-channel mean and (population) variance of every convolution's output over `count` faces
// (8-bit BGR, loaded in batches; unreadable ones, an empty Mat, are skipped). Empty when the model
// offers no convolution taps (convolutionLayerCount() == 0) or no face could be read.
std::vector<LayerStatistics> measureConvolutionStatistics(const nn::FaceModel &model, std::size_t count,
                                                          const std::function<cv::Mat(std::size_t)> &load,
                                                          int batch = 32,
                                                          const std::function<bool()> &cancelled = {});

// The BatchNorm layers the prior would use (those seen with a 4-D input and running statistics),
// input to output; empty for a model with none.
std::vector<std::string> batchNormPriorLayers(const nn::FaceModel &model);

} // namespace facelab::inversion

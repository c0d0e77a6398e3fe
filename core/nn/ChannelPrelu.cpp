#include "nn/ChannelPrelu.h"

#include "nn/PreluKernels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

namespace facelab::nn {

namespace {

using torch::Tensor;

// How a dense float tensor's channels lie in memory: Rows = channels-last (N x spatial x C),
// Planes = NCHW (N x C x spatial). A tensor that is both (1x1 spatial, one channel) reads the same.
enum class Layout { None, Rows, Planes };

Layout layoutOf(const Tensor &x)
{
    if (x.dim() == 4 && x.is_contiguous(at::MemoryFormat::ChannelsLast))
        return Layout::Rows;
    return x.is_contiguous() ? Layout::Planes : Layout::None;
}

bool fastPath(const Tensor &x, const Tensor &slope)
{
    return x.defined() && slope.defined() && x.device().is_cpu() && slope.device().is_cpu() &&
           x.layout() == torch::kStrided && x.scalar_type() == torch::kFloat && slope.scalar_type() == torch::kFloat &&
           x.dim() >= 2 && x.numel() > 0 && slope.numel() == x.size(1) && layoutOf(x) != Layout::None;
}

// Enough elements per task that a thread's share outweighs waking it.
constexpr int64_t kGrainElements = 32768;

Tensor forwardKernel(const Tensor &x, const Tensor &slope)
{
    const Tensor w = slope.contiguous();
    Tensor y = at::empty_like(x); // same strides as x: the kernels walk both in memory order
    const float *xp = x.data_ptr<float>(), *wp = w.data_ptr<float>();
    float *yp = y.data_ptr<float>();
    const int64_t c = x.size(1), total = x.numel();
    if (layoutOf(x) == Layout::Rows) {
        at::parallel_for(0, total / c, std::max<int64_t>(1, kGrainElements / c), [&](int64_t b, int64_t e) {
            kernels::preluForwardRows(xp + b * c, wp, yp + b * c, e - b, c);
        });
    } else {
        const int64_t s = total / (x.size(0) * c);
        at::parallel_for(0, x.size(0) * c, std::max<int64_t>(1, kGrainElements / s), [&](int64_t b, int64_t e) {
            kernels::preluForwardPlanes(xp, wp, yp, b, e, c, s);
        });
    }
    return y;
}

// Input and slope gradients; gx is undefined when not wanted.
std::pair<Tensor, Tensor> backwardKernel(const Tensor &x, const Tensor &slope, Tensor g, bool wantX)
{
    if (g.strides() != x.strides() || g.scalar_type() != torch::kFloat) // e.g. an expanded gradient
        g = at::empty_like(x).copy_(g);
    const Tensor w = slope.contiguous();
    const int64_t c = x.size(1), total = x.numel();
    const bool rows = layoutOf(x) == Layout::Rows;
    const int64_t units = rows ? total / c : x.size(0) * c; // pixels or planes
    // Fixed chunks, each with its own slope sums, added in chunk order: deterministic for a
    // given thread count.
    const int64_t chunks = total < 4 * kGrainElements ? 1 : std::min<int64_t>(at::get_num_threads(), units);
    std::vector<double> sums(size_t(chunks * c), 0.0);
    std::vector<float> scratch(rows ? size_t(chunks * c) : 0);
    Tensor gx = wantX ? at::empty_like(x) : Tensor();
    const float *xp = x.data_ptr<float>(), *gp = g.data_ptr<float>(), *wp = w.data_ptr<float>();
    float *gxp = wantX ? gx.data_ptr<float>() : nullptr;
    at::parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k) {
            const int64_t first = units * k / chunks, last = units * (k + 1) / chunks;
            double *sum = sums.data() + k * c;
            if (rows)
                kernels::preluBackwardRows(xp + first * c, gp + first * c, wp, gxp ? gxp + first * c : nullptr, sum,
                                           scratch.data() + k * c, last - first, c);
            else
                kernels::preluBackwardPlanes(xp, gp, wp, gxp, sum, first, last, c, total / (x.size(0) * c));
        }
    });
    Tensor gw = torch::empty({c}, torch::kFloat);
    float *gwp = gw.data_ptr<float>();
    for (int64_t j = 0; j < c; ++j) {
        double v = 0;
        for (int64_t k = 0; k < chunks; ++k)
            v += sums[size_t(k * c + j)];
        gwp[j] = float(v);
    }
    return {gx, gw.reshape(slope.sizes())};
}

class ChannelPreluFunction : public torch::autograd::Function<ChannelPreluFunction>
{
public:
    static Tensor forward(torch::autograd::AutogradContext *ctx, const Tensor &x, const Tensor &slope)
    {
        ctx->save_for_backward({x, slope});
        return forwardKernel(x, slope);
    }

    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::tensor_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const Tensor &x = saved[0], &slope = saved[1];
        const Tensor &g = grads[0];
        if (torch::GradMode::is_enabled()) {
            // create_graph: the same gradients from differentiable operators.
            std::vector<int64_t> shape(size_t(x.dim()), 1), dims;
            shape[1] = x.size(1);
            for (int64_t d = 0; d < x.dim(); ++d)
                if (d != 1)
                    dims.push_back(d);
            const Tensor positive = x > 0;
            const Tensor gx = torch::where(positive, g, g * slope.reshape(shape));
            const Tensor gw = torch::where(positive, torch::zeros_like(x), x * g).sum(dims).reshape(slope.sizes());
            return {gx, gw};
        }
        auto [gx, gw] = backwardKernel(x, slope, g, ctx->needs_input_grad(0));
        return {gx, ctx->needs_input_grad(1) ? gw : Tensor()};
    }
};

} // namespace

Tensor channelPrelu(const Tensor &x, const Tensor &slope)
{
    if (!fastPath(x, slope))
        return torch::prelu(x, slope.reshape({-1}));
    if (!torch::GradMode::is_enabled() || (!x.requires_grad() && !slope.requires_grad()))
        return forwardKernel(x, slope);
    return ChannelPreluFunction::apply(x, slope);
}

} // namespace facelab::nn

#include "nn/FlopCount.h"

#include <ATen/record_function.h>

#include <cstring>

namespace facelab::nn {

namespace {

// Record-function callbacks are plain function pointers: their state is per thread, and the
// operators of one forward pass are dispatched from the calling thread.
thread_local double t_flops = 0;
thread_local int t_convDepth = 0; // inside a convolution: its own matrix products are not extra work

int64_t sizeOf(const c10::IValue &v, int64_t dim)
{
    const auto &t = v.toTensor();
    return t.size(dim < 0 ? dim + t.dim() : dim);
}

double convolutionFlops(c10::ArrayRef<const c10::IValue> in)
{
    // aten::convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups)
    if (in.size() < 9 || !in[0].isTensor() || !in[1].isTensor())
        return 0;
    const auto &x = in[0].toTensor(), &w = in[1].toTensor();
    const auto stride = in[3].toIntVector(), pad = in[4].toIntVector(), dil = in[5].toIntVector();
    const bool transposed = in[6].toBool();
    const int64_t perOutput = w.numel() / w.size(0); // Cin/groups * kernel (Cout/groups * kernel transposed)
    if (transposed) // every input element scatters into Cout/groups * kernel outputs
        return 2.0 * double(x.numel()) * double(perOutput);
    double outputs = double(x.size(0)) * double(w.size(0));
    for (int64_t d = 2; d < x.dim(); ++d) {
        const size_t k = size_t(d - 2);
        auto at = [k](const std::vector<int64_t> &v) { return v.size() == 1 ? v[0] : v.at(k); };
        const int64_t span = at(dil) * (w.size(d) - 1) + 1;
        outputs *= double((x.size(d) + 2 * at(pad) - span) / at(stride) + 1);
    }
    return 2.0 * outputs * double(perOutput);
}

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction &fn)
{
    const char *name = fn.name();
    const auto in = fn.inputs();
    if (!std::strcmp(name, "aten::convolution")) {
        if (t_convDepth++ == 0)
            t_flops += convolutionFlops(in);
    } else if (t_convDepth == 0) {
        // mm(a[M,K], b[K,N]); addmm(c, a, b); bmm(a[B,M,K], b[B,K,N]); baddbmm(c, a, b)
        const bool mm = !std::strcmp(name, "aten::mm"), bmm = !std::strcmp(name, "aten::bmm");
        const bool addmm = !std::strcmp(name, "aten::addmm"), baddbmm = !std::strcmp(name, "aten::baddbmm");
        if (mm || bmm || addmm || baddbmm) {
            const size_t a = (mm || bmm) ? 0 : 1;
            if (in.size() > a + 1 && in[a].isTensor() && in[a + 1].isTensor()) {
                const auto &A = in[a].toTensor();
                t_flops += 2.0 * double(A.numel()) * double(sizeOf(in[a + 1], -1));
            }
        }
    }
    return nullptr;
}

void onEnd(const at::RecordFunction &fn, at::ObserverContext *)
{
    if (!std::strcmp(fn.name(), "aten::convolution"))
        --t_convDepth;
}

} // namespace

double forwardFlops(FaceNetImpl &net, const torch::Tensor &input)
{
    torch::NoGradGuard noGrad;
    t_flops = 0;
    t_convDepth = 0;
    const auto handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(onStart, onEnd).needsInputs(true).scopes({at::RecordScope::FUNCTION}));
    try {
        net.forward(input);
    } catch (...) {
        at::removeCallback(handle);
        throw;
    }
    at::removeCallback(handle);
    return t_flops;
}

} // namespace facelab::nn

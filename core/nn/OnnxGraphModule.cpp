#include "nn/OnnxGraphModule.h"

#include "nn/Engine.h"
#include "nn/ModelError.h"
#include "nn/OnnxExport.h"
#include "nn/OnnxTensor.h"

#include <set>
#include <unordered_map>

namespace facelab::nn {

namespace {

// torch state names may not contain '.', and ONNX names often do ("conv1.weight").
std::string stateNameFor(const std::string &onnxName, const std::string &prefix, std::set<std::string> &taken)
{
    std::string base = prefix;
    for (char c : onnxName)
        base += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
    if (base.empty())
        base = "unnamed";
    std::string name = base;
    for (int i = 2; taken.count(name); ++i)
        name = base + "_" + std::to_string(i);
    taken.insert(name);
    return name;
}

std::string describe(const torch::Tensor &t)
{
    return shapeToString(t.sizes().vec());
}

std::string errorText(const std::exception &e)
{
    if (const auto *ce = dynamic_cast<const c10::Error *>(&e))
        return ce->what_without_backtrace();
    return e.what();
}

} // namespace

OnnxGraphModuleImpl::OnnxGraphModuleImpl(const std::string &path) : OnnxGraphModuleImpl(OnnxModelFile::load(path)) {}

OnnxGraphModuleImpl::OnnxGraphModuleImpl(OnnxModelFile file) : m_file(std::move(file))
{
    initEngine();
    const auto &path = m_file.path();
    if (auto missing = m_file.unsupportedOps(); !missing.empty())
        throw UnsupportedOpsError(path, std::move(missing));

    const auto &g = m_file.graph();
    std::unordered_map<std::string, int> slots;
    auto slotOf = [&](const std::string &name) {
        auto [it, inserted] = slots.emplace(name, m_slotCount);
        if (inserted)
            ++m_slotCount;
        return it->second;
    };

    // How each initializer is used decides whether it is trained (see OnnxInputRole).
    struct Use
    {
        bool weight = false, data = false;
    };
    std::map<std::string, Use> uses;
    for (const auto &node : g.node())
        for (int i = 0; i < node.input_size(); ++i) {
            auto &u = uses[node.input(i)];
            const auto role = onnxInputRole(node.op_type(), i);
            u.weight |= role == OnnxInputRole::Weight;
            u.data |= role == OnnxInputRole::Data;
        }

    std::set<std::string> taken;
    std::set<std::string> constantNames;
    for (const auto &proto : g.initializer()) {
        torch::Tensor value;
        try {
            value = tensorFromProto(proto);
        } catch (const std::exception &e) {
            throw ModelError(path, "initializer '" + proto.name() + "': " + errorText(e));
        }
        const auto u = uses[proto.name()];
        // A float initializer is trained when an operator uses it as a weight (Conv, Gemm, PRelu,
        // BN scale/bias) or as a multi-element operand (MatMul, Add of a bias...). Scalars in
        // arithmetic (epsilons, scales), BN statistics and shape-like inputs stay fixed buffers.
        const bool trainable = value.is_floating_point() && (u.weight || (u.data && value.numel() > 1));
        const std::string name = stateNameFor(proto.name(), "", taken);
        torch::Tensor registered = trainable ? register_parameter(name, value, true) : register_buffer(name, value);
        m_initNames.push_back(proto.name());
        m_initValues[proto.name()] = registered;
        m_stateNames[proto.name()] = name;
        m_constants.emplace_back(slotOf(proto.name()), registered);
        constantNames.insert(proto.name());
    }
    // Constant nodes are evaluated once and kept as buffers, so they follow the module's device.
    for (const auto &node : g.node())
        if (node.op_type() == "Constant" && node.output_size() == 1) {
            torch::Tensor value;
            try {
                value = onnxConstantValue(node);
            } catch (const std::exception &e) {
                throw ModelError(path, "Constant node '" + node.name() + "': " + errorText(e));
            }
            const std::string name = stateNameFor(node.output(0), "const_", taken);
            m_constants.emplace_back(slotOf(node.output(0)), register_buffer(name, value));
            constantNames.insert(node.output(0));
        }

    for (const auto &in : m_file.inputs())
        m_inputSlots.push_back(slotOf(in.name));

    OnnxCompileContext ctx;
    ctx.opset = m_file.opset();
    ctx.declaredBatch = m_file.declaredBatch();
    ctx.isConstant = [&constantNames](const std::string &name) { return constantNames.count(name) > 0; };
    for (int i = 0; i < g.node_size(); ++i) {
        const auto &node = g.node(i);
        if (node.op_type() == "Constant" && constantNames.count(node.output(0)))
            continue;
        Step step;
        step.label = "node " + (node.name().empty() ? "#" + std::to_string(i) : "'" + node.name() + "'") + " (" +
                     node.op_type() + ")";
        try {
            step.kernel = compileOnnxNode(node, ctx);
        } catch (const std::exception &e) {
            throw ModelError(path, step.label + ": " + errorText(e));
        }
        if (node.op_type() == "BatchNormalization") {
            m_bnSteps.push_back(m_steps.size());
            for (int k = 3; k < 5 && k < node.input_size(); ++k)   // X, scale, B, mean, var
                if (m_initValues.count(node.input(k)))
                    m_bnStatistics.push_back(m_initValues.at(node.input(k)));
        }
        if (node.op_type() == "Conv")
            m_convSteps.push_back(m_steps.size());
        for (const auto &name : node.input())
            step.in.push_back(name.empty() ? -1 : slots.at(name)); // OnnxModelFile checked definitions
        for (const auto &name : node.output())
            step.out.push_back(name.empty() ? -1 : slotOf(name));
        m_steps.push_back(std::move(step));
    }
    for (const auto &out : m_file.outputs())
        m_outputSlots.push_back(slots.at(out.name));

    // Free each intermediate after its last reader: keeps peak memory at a few activations.
    std::vector<int> lastUse(size_t(m_slotCount), -1);
    for (size_t s = 0; s < m_steps.size(); ++s) {
        for (int slot : m_steps[s].in)
            if (slot >= 0)
                lastUse[size_t(slot)] = int(s);
        for (int slot : m_steps[s].out) // unread outputs (a Dropout mask) die right away
            if (slot >= 0 && lastUse[size_t(slot)] < int(s))
                lastUse[size_t(slot)] = int(s);
    }
    std::vector<bool> keep(size_t(m_slotCount), false);
    for (int slot : m_outputSlots)
        keep[size_t(slot)] = true;
    for (const auto &c : m_constants)
        keep[size_t(c.first)] = true;
    for (int slot = 0; slot < m_slotCount; ++slot)
        if (!keep[size_t(slot)] && lastUse[size_t(slot)] >= 0)
            m_steps[size_t(lastUse[size_t(slot)])].release.push_back(slot);

    eval();
}

torch::Tensor OnnxGraphModuleImpl::initializerValue(const std::string &onnxName) const
{
    const auto it = m_initValues.find(onnxName);
    if (it == m_initValues.end())
        throw ModelError(m_file.path(), "no initializer named '" + onnxName + "'");
    return it->second;
}

std::string OnnxGraphModuleImpl::stateName(const std::string &onnxName) const
{
    const auto it = m_stateNames.find(onnxName);
    if (it == m_stateNames.end())
        throw ModelError(m_file.path(), "no initializer named '" + onnxName + "'");
    return it->second;
}

bool OnnxGraphModuleImpl::isParameter(const std::string &onnxName) const
{
    return named_parameters(false).contains(stateName(onnxName));
}

namespace {
int spatialDim(const OnnxModelFile &f, size_t k)
{
    const auto &in = f.inputs();
    if (in.empty() || in.front().shape.size() != 4 || in.front().shape[k] <= 0)
        return 112;
    return int(in.front().shape[k]);
}
} // namespace

int OnnxGraphModuleImpl::inputWidth() const { return spatialDim(m_file, 3); }
int OnnxGraphModuleImpl::inputHeight() const { return spatialDim(m_file, 2); }

int OnnxGraphModuleImpl::embeddingDim() const
{
    const auto &out = m_file.outputs();
    if (out.empty() || out.front().shape.empty() || out.front().shape.back() <= 0)
        return 0;
    return int(out.front().shape.back());
}

void OnnxGraphModuleImpl::save(const std::string &path) const { exportOnnx(*this, path); }

void OnnxGraphModuleImpl::setChannelsLast(bool on)
{
    torch::NoGradGuard noGrad;
    const auto format = on ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
    // set_data keeps the tensor objects: optimizers and the slot table still point at them.
    for (auto &t : parameters())
        if (t.dim() == 4)
            t.set_data(t.contiguous(format));
    for (auto &t : buffers())
        if (t.dim() == 4)
            t.set_data(t.contiguous(format));
    FaceNetImpl::setChannelsLast(on);
}

void OnnxGraphModuleImpl::checkInputs(std::vector<torch::Tensor> &inputs, int64_t &batch) const
{
    const auto &declared = m_file.inputs();
    const auto &path = m_file.path();
    if (inputs.size() != declared.size())
        throw ModelError(path, "the graph takes " + std::to_string(declared.size()) + " input(s), got " +
                                   std::to_string(inputs.size()));
    batch = -1;
    for (size_t i = 0; i < inputs.size(); ++i) {
        auto &x = inputs[i];
        const auto &d = declared[i];
        if (!x.defined())
            throw ModelError(path, "input '" + d.name + "' is missing");
        if (!d.shape.empty()) {
            std::string want = "[N";
            for (size_t k = 1; k < d.shape.size(); ++k)
                want += "," + (d.shape[k] < 0 ? std::string("?") : std::to_string(d.shape[k]));
            want += "]";
            bool ok = x.dim() == int64_t(d.shape.size());
            for (size_t k = 1; ok && k < d.shape.size(); ++k)
                ok = d.shape[k] < 0 || d.shape[k] == x.size(int64_t(k));
            if (!ok)
                throw ModelError(path, "input '" + d.name + "' expects shape " + want + " (N = batch), got " +
                                           describe(x) + "; this model does not take inputs of that size");
        }
        if (x.dim() > 0) {
            if (batch >= 0 && x.size(0) != batch)
                throw ModelError(path, "inputs disagree on the batch size");
            batch = x.size(0);
        }
        if (d.elemType != 0) {
            const auto want = scalarTypeFromOnnx(d.elemType);
            if (x.scalar_type() != want) {
                if (x.is_floating_point() != torch::isFloatingType(want))
                    throw ModelError(path, std::string("input '") + d.name + "' must be " + c10::toString(want) +
                                               ", got " + c10::toString(x.scalar_type()));
                x = x.to(want);
            }
        }
    }
}

void OnnxGraphModuleImpl::checkOutputs(const std::vector<torch::Tensor> &outputs, int64_t batch) const
{
    const int64_t declaredBatch = m_file.declaredBatch();
    if (declaredBatch <= 0 || batch < 0 || batch == declaredBatch)
        return;
    const auto &declared = m_file.outputs();
    for (size_t i = 0; i < outputs.size(); ++i) {
        const auto &d = declared[i];
        if (d.shape.empty() || d.shape[0] != declaredBatch)
            continue;
        if (outputs[i].dim() == 0 || outputs[i].size(0) != batch)
            throw ModelError(m_file.path(),
                             "output '" + d.name + "' has shape " + describe(outputs[i]) + " for a batch of " +
                                 std::to_string(batch) + " (declared " + shapeToString(d.shape) +
                                 "): the graph does not keep the faces of a batch apart; run it with batch " +
                                 std::to_string(declaredBatch));
    }
}

std::vector<torch::Tensor> OnnxGraphModuleImpl::forwardAll(const std::vector<torch::Tensor> &inputsIn)
{
    std::vector<torch::Tensor> inputs = inputsIn;
    int64_t batch = -1;
    checkInputs(inputs, batch);

    std::vector<torch::Tensor> values(static_cast<size_t>(m_slotCount));
    for (const auto &[slot, t] : m_constants)
        values[size_t(slot)] = t;
    const c10::optional<torch::Device> device =
        m_constants.empty() ? c10::nullopt : c10::optional<torch::Device>(m_constants.front().second.device());
    for (size_t i = 0; i < inputs.size(); ++i) {
        torch::Tensor x = inputs[i];
        if (device && x.device() != *device)
            x = x.to(*device);
        if (channelsLast() && x.dim() == 4)
            x = x.contiguous(torch::MemoryFormat::ChannelsLast);
        values[size_t(m_inputSlots[i])] = x;
    }

    const OnnxRunState state{batch, is_training(), useBatchStatistics()};
    std::vector<torch::Tensor> args;
    size_t nextBn = 0, nextConv = 0;
    for (size_t s = 0; s < m_steps.size(); ++s) {
        const Step &step = m_steps[s];
        args.clear();
        for (int slot : step.in)
            args.push_back(slot >= 0 ? values[size_t(slot)] : torch::Tensor());
        if (nextBn < m_bnSteps.size() && m_bnSteps[nextBn] == s) {
            // BatchNormalization inputs: X, scale, B, mean, var.
            if (batchNormTap() && args.size() == 5)
                tapBatchNorm(int(nextBn), step.label, args[0], args[3], args[4]);
            ++nextBn;
        }
        std::vector<torch::Tensor> outs;
        try {
            outs = step.kernel(args, state);
        } catch (const std::exception &e) {
            throw ModelError(m_file.path(), step.label + ": " + errorText(e));
        }
        for (size_t k = 0; k < step.out.size(); ++k)
            if (step.out[k] >= 0)
                values[size_t(step.out[k])] = k < outs.size() ? outs[k] : torch::Tensor();
        if (nextConv < m_convSteps.size() && m_convSteps[nextConv] == s) {
            if (convolutionTap() && !outs.empty())
                tapConvolution(int(nextConv), step.label, outs[0]);
            ++nextConv;
        }
        for (int slot : step.release)
            values[size_t(slot)] = torch::Tensor();
    }

    std::vector<torch::Tensor> outputs;
    for (size_t i = 0; i < m_outputSlots.size(); ++i) {
        const auto &t = values[size_t(m_outputSlots[i])];
        if (!t.defined())
            throw ModelError(m_file.path(), "output '" + m_file.outputs()[i].name + "' was not computed");
        outputs.push_back(t);
    }
    checkOutputs(outputs, batch);
    return outputs;
}

torch::Tensor OnnxGraphModuleImpl::forward(const torch::Tensor &input) { return forwardAll({input}).front(); }

} // namespace facelab::nn

namespace facelab::nn {

std::vector<torch::Tensor> OnnxGraphModuleImpl::batchNormStatistics() { return m_bnStatistics; }

} // namespace facelab::nn

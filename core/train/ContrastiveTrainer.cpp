#include "ContrastiveTrainer.h"

#include "ContrastiveLoss.h"
#include "PairSeparation.h"
#include "VerdictGroups.h"
#include "nn/Engine.h"
#include "nn/FaceNet.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

namespace facelab::train {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Every parameter and buffer, copied (the best epoch so far, or the starting weights).
std::vector<torch::Tensor> snapshot(nn::FaceNetImpl &m)
{
    std::vector<torch::Tensor> out;
    for (const auto &p : m.parameters())
        out.push_back(p.detach().clone());
    for (const auto &b : m.buffers())
        out.push_back(b.detach().clone());
    return out;
}

void restore(nn::FaceNetImpl &m, const std::vector<torch::Tensor> &saved)
{
    torch::NoGradGuard noGrad;
    size_t i = 0;
    for (auto &p : m.parameters())
        p.copy_(saved[i++]);
    for (auto &b : m.buffers())
        b.copy_(saved[i++]);
}

void checkSet(const TrainingSet &set)
{
    const int n = int(set.faces.size());
    auto checkPairs = [&](const std::vector<FacePair> &pairs, const char *what) {
        size_t same = 0;
        for (const auto &p : pairs) {
            if (p.a < 0 || p.a >= n || p.b < 0 || p.b >= n)
                throw TrainingError(std::string(what) + " pair refers to face " + std::to_string(std::max(p.a, p.b)) +
                                    " of " + std::to_string(n));
            same += p.same ? 1 : 0;
        }
        if (pairs.empty())
            throw TrainingError(std::string("no ") + what + " pairs");
        if (same == 0 || same == pairs.size())
            throw TrainingError(std::string("the ") + what + " pairs are all " + (same ? "\"same\"" : "\"different\"") +
                                ": contrastive training needs both same-person and different-person pairs");
    };
    checkPairs(set.train, "training");
    checkPairs(set.validation, "validation");
    for (int i = 0; i < n; ++i)
        if (set.faces[size_t(i)].empty() || set.faces[size_t(i)].type() != CV_8UC3)
            throw TrainingError("face " + std::to_string(i) + " is not an 8-bit colour image");
}

// Faces idx as one input tensor; rows with flip[i] mirrored left-right.
torch::Tensor faceBatch(const TrainingSet &set, const std::vector<int> &idx, const std::vector<bool> &flip,
                        const nn::Preprocessing &spec)
{
    std::vector<cv::Mat> faces;
    faces.reserve(idx.size());
    for (int i : idx)
        faces.push_back(set.faces[size_t(i)]);
    torch::Tensor x = nn::facesToTensor(faces, spec);
    for (size_t i = 0; i < flip.size(); ++i)
        if (flip[i])
            x[long(i)] = x[long(i)].flip({2});
    return x;
}

// Unit embeddings of faces idx, in chunks, no gradient, as the module is now (eval mode).
torch::Tensor embedUnit(nn::FaceNetImpl &m, const TrainingSet &set, const std::vector<int> &idx,
                        const nn::Preprocessing &spec)
{
    torch::NoGradGuard noGrad;
    m.eval();
    std::vector<torch::Tensor> chunks;
    const size_t chunk = 64;
    for (size_t s = 0; s < idx.size(); s += chunk) {
        const std::vector<int> part(idx.begin() + long(s), idx.begin() + long(std::min(idx.size(), s + chunk)));
        chunks.push_back(m.forward(faceBatch(set, part, {}, spec)).reshape({long(part.size()), -1}));
    }
    return torch::nn::functional::normalize(torch::cat(chunks), torch::nn::functional::NormalizeFuncOptions().dim(1));
}

// Learning rate at step (0-based) of steps: linear warm-up from lr/10, then cosine decay to lr/100.
double scheduledRate(const ContrastiveOptions &o, int64_t step, int64_t steps)
{
    const double warm = std::floor(o.warmupFraction * double(steps));
    if (step < warm)
        return o.learningRate * (0.1 + 0.9 * double(step) / warm);
    if (!o.cosineDecay || steps - warm <= 1)
        return o.learningRate;
    const double t = (double(step) - warm) / (double(steps) - warm - 1);
    return o.learningRate * (0.01 + 0.99 * 0.5 * (1 + std::cos(M_PI * t)));
}

std::string deviceText(const torch::Device &d)
{
    if (d.is_cuda())
        return "cuda:" + std::to_string(d.has_index() ? d.index() : 0);
    return "cpu (" + std::to_string(at::get_num_threads()) + " threads)";
}

} // namespace

ContrastiveTrainer::ContrastiveTrainer(nn::FaceModel model, ContrastiveOptions options)
    : m_model(std::move(model)), m_spec(m_model.preprocessing()), m_options(options)
{
    if (!m_model)
        throw TrainingError("no model to train");
    const auto &o = m_options;
    if (o.epochs < 1 || o.epochs > 10000)
        throw TrainingError("epochs must be between 1 and 10000 (got " + std::to_string(o.epochs) + ")");
    if (o.batchPairs < 1 || o.batchPairs > 4096)
        throw TrainingError("batch size must be between 1 and 4096 pairs (got " + std::to_string(o.batchPairs) + ")");
    if (!(o.learningRate > 0 && o.learningRate < 1))
        throw TrainingError("learning rate must be in (0, 1) (got " + std::to_string(o.learningRate) + ")");
    if (!(o.margin > 0 && o.margin <= 2))
        throw TrainingError("margin must be in (0, 2]: distances between unit vectors lie in [0, 2] (got " +
                            std::to_string(o.margin) + ")");
    if (!(o.freezeFraction >= 0 && o.freezeFraction < 1))
        throw TrainingError("the frozen fraction must be in [0, 1)");
    if (!(o.distillWeight >= 0 && o.distillWeight <= 1000) || o.distillBatch < 0 || o.distillBatch > 4096)
        throw TrainingError("the distillation weight must be in [0, 1000] and its batch in [0, 4096]");
    if (!(o.l2spWeight >= 0 && o.l2spWeight <= 1e6))
        throw TrainingError("the L2-SP weight must be in [0, 1e6]");
    if (!(o.warmupFraction >= 0 && o.warmupFraction < 1))
        throw TrainingError("the warm-up fraction must be in [0, 1)");
    if (!(o.targetFar > 0 && o.targetFar < 1))
        throw TrainingError("the target FAR must be in (0, 1) (got " + std::to_string(o.targetFar) + ")");
    nn::initEngine();
}

EpochStats ContrastiveTrainer::validate(const TrainingSet &set)
{
    torch::NoGradGuard noGrad;
    nn::FaceNetImpl &m = *m_model.net();
    // Each face once, even when it appears in several pairs.
    std::vector<int> faces;
    {
        std::set<int> seen;
        for (const auto &p : set.validation) {
            if (seen.insert(p.a).second)
                faces.push_back(p.a);
            if (seen.insert(p.b).second)
                faces.push_back(p.b);
        }
    }
    std::vector<int> row(set.faces.size(), -1);
    for (size_t i = 0; i < faces.size(); ++i)
        row[size_t(faces[i])] = int(i);
    const torch::Tensor emb = embedUnit(m, set, faces, m_spec).to(torch::kCPU);
    std::vector<int64_t> ia, ib;
    std::vector<float> y;
    for (const auto &p : set.validation) {
        ia.push_back(row[size_t(p.a)]);
        ib.push_back(row[size_t(p.b)]);
        y.push_back(p.same ? 1.f : 0.f);
    }
    const torch::Tensor e1 = emb.index_select(0, torch::tensor(ia));
    const torch::Tensor e2 = emb.index_select(0, torch::tensor(ib));
    EpochStats st;
    st.valLoss = contrastiveLoss(e1, e2, torch::tensor(y), m_options.margin).item<double>();
    const torch::Tensor cos = pairCosine(e1, e2).to(torch::kDouble).contiguous();
    std::vector<double> scores(cos.data_ptr<double>(), cos.data_ptr<double>() + cos.numel());
    std::vector<bool> same;
    for (float v : y)
        same.push_back(v > 0.5f);
    const Separation sep = separation(scores, same);
    st.valAccuracy = sep.accuracy;
    st.valThreshold = sep.threshold;
    st.valAuc = sep.auc;
    const FarThreshold far = thresholdAtFar(scores, same, m_options.targetFar);
    st.valFarThreshold = far.threshold;
    st.valFar = far.far;
    st.valTar = far.tar;
    size_t ok = 0;
    for (size_t i = 0; i < scores.size(); ++i)
        ok += (scores[i] >= far.threshold) == same[i];
    st.valAccuracyAtFar = scores.empty() ? 0 : double(ok) / double(scores.size());
    st.anchorCosine = std::nan("");
    if (m_anchorTargets && !set.anchors.empty()) {
        const torch::Tensor now = embedUnit(m, set, set.anchors, m_spec);
        st.anchorCosine = (now * m_anchorTargets->to(now.device())).sum(1).mean().item<double>();
    }
    return st;
}

std::vector<std::vector<float>> ContrastiveTrainer::embedFaces(const std::vector<cv::Mat> &faces)
{
    std::vector<std::vector<float>> out;
    if (faces.empty())
        return out;
    TrainingSet set;
    set.faces = faces;
    std::vector<int> idx(faces.size());
    std::iota(idx.begin(), idx.end(), 0);
    const torch::Tensor e = embedUnit(*m_model.net(), set, idx, m_spec).to(torch::kCPU).to(torch::kFloat).contiguous();
    const long d = e.size(1);
    for (long i = 0; i < e.size(0); ++i)
        out.emplace_back(e[i].data_ptr<float>(), e[i].data_ptr<float>() + d);
    return out;
}

TrainResult ContrastiveTrainer::train(const TrainingSet &set, const TrainCallbacks &cb)
{
    checkSet(set);
    for (int a : set.anchors)
        if (a < 0 || a >= int(set.faces.size()))
            throw TrainingError("anchor face " + std::to_string(a) + " of " + std::to_string(set.faces.size()));
    const auto t0 = Clock::now();
    nn::FaceNetImpl &m = *m_model.net();
    const torch::Device device = nn::preferredDevice();
    m.to(device);
    if (device.is_cpu())
        m.setChannelsLast(true);   // oneDNN convolutions, forward and backward, run faster channels-last
    m.setBatchNormMode(m_options.trainBatchNorm ? nn::BatchNormMode::Batch : nn::BatchNormMode::Frozen);
    torch::manual_seed(m_options.seed);
    std::mt19937_64 rng(m_options.seed);
    const auto &o = m_options;

    TrainResult res;
    res.device = deviceText(device);

    // Freeze the first blocks, input to output (the early layers), by preset or fraction.
    std::vector<torch::Tensor> trainable;
    {
        const std::vector<nn::ParameterGroup> groups = m.parameterGroups();
        const std::size_t frozen = frozenBlockCount(o.freeze, o.freezeFraction, groups.size());
        res.blocks = int(groups.size());
        res.frozenBlocks = int(frozen);
        if (frozen > 0)
            res.lastFrozenBlock = groups[frozen - 1].name;
        for (std::size_t g = 0; g < groups.size(); ++g)
            for (const torch::Tensor &p : groups[g].parameters) {
                p.set_requires_grad(g >= frozen);
                if (g >= frozen) {
                    trainable.push_back(p);
                    res.trainableScalars += p.numel();
                } else {
                    res.frozenScalars += p.numel();
                }
            }
    }
    const std::vector<torch::Tensor> start = snapshot(m);
    std::vector<torch::Tensor> best = start;
    std::vector<torch::Tensor> startTrainable;   // L2-SP's anchor point
    if (o.l2spWeight > 0)
        for (const auto &p : trainable)
            startTrainable.push_back(p.detach().clone());

    // The parent's embeddings of the unlabelled faces, the distillation targets.
    const bool distill = o.distillWeight > 0 && o.distillBatch > 0 && !set.anchors.empty();
    m_anchorTargets.reset();
    if (!set.anchors.empty())
        m_anchorTargets = std::make_shared<torch::Tensor>(embedUnit(m, set, set.anchors, m_spec));
    const VerdictGroups groups(int(set.faces.size()), set.train);
    res.groups = groups.groupCount();
    res.negativeLinks = groups.negativeLinks();

    EpochStats base = validate(set);
    base.epoch = 0;
    base.trainLoss = std::nan("");
    base.seconds = secondsSince(t0);
    res.epochs.push_back(base);
    if (cb.onEpoch)
        cb.onEpoch(base);

    torch::optim::Adam optimizer(trainable, torch::optim::AdamOptions(o.learningRate));
    const int64_t perEpoch = int64_t((set.train.size() + size_t(o.batchPairs) - 1) / size_t(o.batchPairs));
    const int64_t steps = perEpoch * o.epochs;
    int64_t step = 0;
    double bestAuc = -1, bestLoss = 0, trainSeconds = 0;
    double bestSoFar = base.valAuc;   // what patience counts against
    int sinceBetter = 0;
    int64_t pairsTrained = 0;
    std::vector<size_t> order(set.train.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::vector<size_t> anchorOrder(set.anchors.size());
    std::iota(anchorOrder.begin(), anchorOrder.end(), size_t(0));
    size_t anchorNext = anchorOrder.size();   // reshuffled when used up
    std::bernoulli_distribution coin(0.5);

    try {
        for (int epoch = 1; epoch <= o.epochs; ++epoch) {
            for (size_t i = order.size(); i > 1; --i)   // Fisher-Yates with our own engine: same on every libstdc++
                std::swap(order[i - 1], order[size_t(rng() % i)]);
            m.train();
            double lossSum = 0;
            const auto epochStart = Clock::now();
            for (size_t s = 0; s < order.size(); s += size_t(o.batchPairs)) {
                if (cb.cancelled && cb.cancelled()) {
                    res.cancelled = true;
                    break;
                }
                const size_t e = std::min(order.size(), s + size_t(o.batchPairs));
                const long b = long(e - s);
                std::vector<int> idx(size_t(2 * b));
                std::vector<bool> flip(size_t(2 * b), false);
                std::vector<float> y(static_cast<size_t>(b));
                for (long k = 0; k < b; ++k) {
                    const FacePair &p = set.train[order[s + size_t(k)]];
                    idx[size_t(k)] = p.a;
                    idx[size_t(b + k)] = p.b;
                    y[size_t(k)] = p.same ? 1.f : 0.f;
                    if (o.flipAugment) {
                        flip[size_t(k)] = coin(rng);
                        flip[size_t(b + k)] = coin(rng);
                    }
                }
                // Unlabelled faces ride in the same forward pass (unflipped: their targets are not).
                std::vector<int64_t> anchorRows;
                if (distill) {
                    for (int k = 0; k < o.distillBatch && k < int(anchorOrder.size()); ++k) {
                        if (anchorNext >= anchorOrder.size()) {
                            for (size_t i = anchorOrder.size(); i > 1; --i)
                                std::swap(anchorOrder[i - 1], anchorOrder[size_t(rng() % i)]);
                            anchorNext = 0;
                        }
                        const size_t r = anchorOrder[anchorNext++];
                        anchorRows.push_back(int64_t(r));
                        idx.push_back(set.anchors[r]);
                        flip.push_back(false);
                    }
                }
                for (auto &g : optimizer.param_groups())
                    static_cast<torch::optim::AdamOptions &>(g.options()).lr(scheduledRate(o, step, steps));
                const torch::Tensor emb = m.forward(faceBatch(set, idx, flip, m_spec)).reshape({long(idx.size()), -1});
                torch::Tensor loss;
                if (o.loss == LossKind::Pairwise) {
                    loss = contrastiveLoss(emb.slice(0, 0, b), emb.slice(0, b, 2 * b), torch::tensor(y).to(emb.device()),
                                           o.margin);
                } else {
                    const long n = 2 * b;
                    torch::Tensor pos = torch::zeros({n, n}, torch::kBool), neg = torch::zeros({n, n}, torch::kBool);
                    auto pa = pos.accessor<bool, 2>();
                    auto na = neg.accessor<bool, 2>();
                    for (long i = 0; i < n; ++i)
                        for (long j = 0; j < n; ++j) {
                            if (i == j)
                                continue;
                            const int r = groups.relation(idx[size_t(i)], idx[size_t(j)]);
                            pa[i][j] = r > 0;
                            na[i][j] = r < 0;
                        }
                    loss = multiSimilarityLoss(emb.slice(0, 0, n), pos, neg);
                }
                if (!anchorRows.empty()) {
                    const torch::Tensor now = emb.slice(0, 2 * b, long(idx.size()));
                    const torch::Tensor target = m_anchorTargets->index_select(0, torch::tensor(anchorRows).to(emb.device()));
                    const torch::Tensor cos = (torch::nn::functional::normalize(now, torch::nn::functional::NormalizeFuncOptions().dim(1)) *
                                               target).sum(1);
                    loss = loss + o.distillWeight * (1 - cos).mean();
                }
                if (o.l2spWeight > 0) {
                    torch::Tensor drift = torch::zeros({}, emb.options());
                    for (size_t i = 0; i < trainable.size(); ++i)
                        drift = drift + (trainable[i] - startTrainable[i]).pow(2).sum();
                    loss = loss + 0.5 * o.l2spWeight * drift;
                }
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                const double l = loss.item<double>();
                if (!std::isfinite(l))
                    throw TrainingError("training diverged: the loss became " + std::to_string(l) + " at epoch " +
                                        std::to_string(epoch) + "; try a lower learning rate");
                lossSum += l * double(b);
                pairsTrained += b;
                ++step;
                if (cb.onStep)
                    cb.onStep(StepStats{epoch, step, steps, l});
            }
            trainSeconds += secondsSince(epochStart);
            if (res.cancelled)
                break;

            EpochStats st = validate(set);
            st.epoch = epoch;
            st.trainLoss = lossSum / double(set.train.size());
            // Best by validation AUC (threshold-free: accuracy at one threshold rewards a mere
            // threshold shift); equal AUC goes to the lower validation loss.
            st.best = st.valAuc > bestAuc || (st.valAuc == bestAuc && st.valLoss < bestLoss);
            if (st.best) {
                bestAuc = st.valAuc;
                bestLoss = st.valLoss;
                res.bestEpoch = epoch;
                best = snapshot(m);
            }
            st.seconds = secondsSince(t0);
            res.epochs.push_back(st);
            res.epochsRun = epoch;
            if (cb.onEpoch)
                cb.onEpoch(st);
            if (st.valAuc > bestSoFar) {
                bestSoFar = st.valAuc;
                sinceBetter = 0;
            } else if (o.patience > 0 && ++sinceBetter >= o.patience && epoch < o.epochs) {
                res.stoppedEarly = true;
                break;
            }
        }
    } catch (...) {
        restore(m, start);
        m.eval();
        for (auto &p : m.parameters())
            p.set_requires_grad(true);
        throw;
    }

    restore(m, best);
    m.eval();
    for (auto &p : m.parameters())
        p.set_requires_grad(true);
    res.seconds = secondsSince(t0);
    res.pairsPerSecond = trainSeconds > 0 ? double(pairsTrained) / trainSeconds : 0;
    return res;
}

const char *lossKindName(LossKind k)
{
    return k == LossKind::Pairwise ? "pairwise" : "groups";
}

bool lossKindFromName(const std::string &name, LossKind &out)
{
    if (name == "pairwise")
        out = LossKind::Pairwise;
    else if (name == "groups")
        out = LossKind::Groups;
    else
        return false;
    return true;
}

} // namespace facelab::train

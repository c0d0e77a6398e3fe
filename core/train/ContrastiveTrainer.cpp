#include "ContrastiveTrainer.h"

#include "ContrastiveLoss.h"
#include "ContrastiveStep.h"
#include "PairSeparation.h"
#include "RankProgress.h"
#include "TrainCheckpoint.h"
#include "VerdictGroups.h"
#include "nn/Engine.h"
#include "nn/FaceNet.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>
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

torch::Tensor ContrastiveTrainer::embedShared(nn::FaceNetImpl &m, const TrainingSet &set, const std::vector<int> &faces) const
{
    Collective *coll = m_collective.get();
    const std::size_t world = coll ? std::size_t(coll->world()) : 1;
    // Shares of whole 64-face chunks (embedUnit's), so every face is embedded in the same batch as
    // one process would: the same numbers, not merely close ones.
    const std::size_t chunks = (faces.size() + 63) / 64, per = (chunks + world - 1) / world * 64;
    if (world == 1 || chunks < world)
        return embedUnit(m, set, faces, m_spec).to(torch::kCPU);
    const std::size_t begin = std::min(faces.size(), std::size_t(coll->rank()) * per);
    const std::size_t end = std::min(faces.size(), begin + per);
    const std::vector<int> mine(faces.begin() + long(begin), faces.begin() + long(end));
    torch::Tensor local = embedUnit(m, set, mine.empty() ? std::vector<int>{faces.front()} : mine, m_spec).to(torch::kCPU);
    const long rows = long(end - begin);
    // Equal shapes for the all-gather: padded to a full share, trimmed again after.
    local = torch::cat({local.slice(0, 0, rows), torch::zeros({long(per) - rows, local.size(1)}, local.options())});
    const std::vector<torch::Tensor> all = coll->allGather(local);
    std::vector<torch::Tensor> parts;
    for (std::size_t r = 0; r < all.size(); ++r) {
        const long b = long(std::min(faces.size(), r * per)), e = long(std::min(faces.size(), r * per + per));
        if (e > b)
            parts.push_back(all[r].slice(0, 0, e - b));
    }
    return torch::cat(parts);
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
    const torch::Tensor emb = embedShared(m, set, faces);
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

namespace {

// What a checkpoint holds beside the tensors: where the run is and what it found so far.
struct RunState
{
    int epoch = 0;               // the epoch in progress (midEpoch) or the last one completed
    bool midEpoch = false;
    double lossSum = 0;          // of the epoch in progress
    std::int64_t step = 0;
    std::int64_t pairsTrained = 0;
    double trainSeconds = 0;
    double bestAuc = -1, bestLoss = 0, bestSoFar = 0;
    int sinceBetter = 0;
    bool finished = false;       // stopped early: nothing left to run
};

constexpr int kStatFields = 13;

torch::Tensor statsTable(const std::vector<EpochStats> &epochs)
{
    torch::Tensor t = torch::zeros({long(epochs.size()), kStatFields}, torch::kDouble);
    auto a = t.accessor<double, 2>();
    for (size_t i = 0; i < epochs.size(); ++i) {
        const EpochStats &e = epochs[i];
        const double row[kStatFields] = {double(e.epoch), e.trainLoss, e.valLoss, e.valAccuracy, e.valThreshold,
                                         e.valAuc, e.valFarThreshold, e.valFar, e.valTar, e.valAccuracyAtFar,
                                         e.anchorCosine, e.seconds, e.best ? 1.0 : 0.0};
        for (int k = 0; k < kStatFields; ++k)
            a[long(i)][k] = row[k];
    }
    return t;
}

std::vector<EpochStats> statsFromTable(const torch::Tensor &t)
{
    std::vector<EpochStats> out;
    auto a = t.accessor<double, 2>();
    for (long i = 0; i < t.size(0); ++i) {
        EpochStats e;
        e.epoch = int(a[i][0]);
        e.trainLoss = a[i][1];
        e.valLoss = a[i][2];
        e.valAccuracy = a[i][3];
        e.valThreshold = a[i][4];
        e.valAuc = a[i][5];
        e.valFarThreshold = a[i][6];
        e.valFar = a[i][7];
        e.valTar = a[i][8];
        e.valAccuracyAtFar = a[i][9];
        e.anchorCosine = a[i][10];
        e.seconds = a[i][11];
        e.best = a[i][12] > 0.5;
        out.push_back(e);
    }
    return out;
}

void writeTensors(torch::serialize::OutputArchive &out, const std::string &prefix, const std::vector<torch::Tensor> &v)
{
    out.write(prefix + ".count", c10::IValue(int64_t(v.size())));
    for (size_t i = 0; i < v.size(); ++i)
        out.write(prefix + "." + std::to_string(i), v[i].to(torch::kCPU), true);
}

std::vector<torch::Tensor> readTensors(torch::serialize::InputArchive &in, const std::string &prefix, size_t expected)
{
    c10::IValue count;
    in.read(prefix + ".count", count);
    if (size_t(count.toInt()) != expected)
        throw TrainingError("the checkpoint holds " + std::to_string(count.toInt()) + " tensors of " + prefix +
                            ", the model has " + std::to_string(expected));
    std::vector<torch::Tensor> v(expected);
    for (size_t i = 0; i < expected; ++i)
        in.read(prefix + "." + std::to_string(i), v[i], true);
    return v;
}

} // namespace

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
    const auto &o = m_options;
    Collective *coll = m_collective.get();
    const int rank = coll ? coll->rank() : 0;

    TrainResult res;
    res.device = deviceText(device);
    res.world = coll ? coll->world() : 1;

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

    torch::optim::Adam optimizer(trainable, torch::optim::AdamOptions(o.learningRate));
    PairSampler sampler(o.seed, set.train.size(), size_t(o.batchPairs), set.anchors.size(), distill ? o.distillBatch : 0,
                        o.flipAugment);
    const int64_t steps = sampler.stepsPerEpoch() * o.epochs;
    RunState st;

    auto saveCheckpoint = [&] {
        if (o.checkpointPath.empty() || rank != 0)
            return;
        torch::serialize::OutputArchive out;
        out.write("format", c10::IValue(std::string("facelab-contrastive-checkpoint-1")));
        out.write("seed", c10::IValue(int64_t(o.seed)));
        out.write("epoch", c10::IValue(int64_t(st.epoch)));
        out.write("midEpoch", c10::IValue(st.midEpoch));
        out.write("finished", c10::IValue(st.finished));
        out.write("step", c10::IValue(st.step));
        out.write("pairsTrained", c10::IValue(st.pairsTrained));
        out.write("sinceBetter", c10::IValue(int64_t(st.sinceBetter)));
        out.write("bestEpoch", c10::IValue(int64_t(res.bestEpoch)));
        out.write("figures", torch::tensor({st.lossSum, st.trainSeconds, st.bestAuc, st.bestLoss, st.bestSoFar},
                                           torch::kDouble));
        out.write("epochs", statsTable(res.epochs));
        out.write("sampler", c10::IValue(sampler.saveState()));
        out.write("rng", cpuGeneratorState());
        writeTensors(out, "model", snapshot(m));
        writeTensors(out, "best", best);
        torch::serialize::OutputArchive opt;
        optimizer.save(opt);
        out.write("optimizer", opt);
        saveArchiveAtomically(out, o.checkpointPath);
    };
    auto loadCheckpoint = [&] {
        torch::serialize::InputArchive in;
        try {
            in.load_from(o.checkpointPath);
            c10::IValue v;
            in.read("format", v);
            if (v.toStringRef() != "facelab-contrastive-checkpoint-1")
                throw TrainingError("not a fine-tuning checkpoint");
            in.read("seed", v);
            if (uint64_t(v.toInt()) != o.seed)
                throw TrainingError("it was written with seed " + std::to_string(v.toInt()) + ", not " +
                                    std::to_string(o.seed));
            in.read("epoch", v);
            st.epoch = int(v.toInt());
            in.read("midEpoch", v);
            st.midEpoch = v.toBool();
            in.read("finished", v);
            st.finished = v.toBool();
            in.read("step", v);
            st.step = v.toInt();
            in.read("pairsTrained", v);
            st.pairsTrained = v.toInt();
            in.read("sinceBetter", v);
            st.sinceBetter = int(v.toInt());
            in.read("bestEpoch", v);
            res.bestEpoch = int(v.toInt());
            torch::Tensor figures, epochs, rngState;
            in.read("figures", figures);
            auto f = figures.accessor<double, 1>();
            st.lossSum = f[0];
            st.trainSeconds = f[1];
            st.bestAuc = f[2];
            st.bestLoss = f[3];
            st.bestSoFar = f[4];
            in.read("epochs", epochs);
            res.epochs = statsFromTable(epochs);
            in.read("sampler", v);
            sampler.loadState(v.toStringRef());
            in.read("rng", rngState);
            const std::vector<torch::Tensor> now = readTensors(in, "model", start.size());
            best = readTensors(in, "best", start.size());
            for (size_t i = 0; i < best.size(); ++i) {
                if (!best[i].sizes().equals(start[i].sizes()) || !now[i].sizes().equals(start[i].sizes()))
                    throw TrainingError("its tensor " + std::to_string(i) + " does not fit this model");
                best[i] = best[i].to(start[i].device());
            }
            restore(m, now);
            torch::serialize::InputArchive opt;
            in.read("optimizer", opt);
            optimizer.load(opt);
            setCpuGeneratorState(rngState);
        } catch (const TrainingError &e) {
            throw TrainingError("cannot resume from " + o.checkpointPath + ": " + e.what());
        } catch (const std::exception &e) {
            throw TrainingError("cannot resume from " + o.checkpointPath + ": " + e.what());
        }
        res.resumedFromStep = st.step;
        res.epochsRun = st.midEpoch ? st.epoch - 1 : st.epoch;
    };

    const StepContext ctx{m, set, m_spec, o, groups, m_anchorTargets.get(), trainable, startTrainable, coll,
                          coll ? embedUnit(m, set, {set.train.front().a}, m_spec).size(1) : 0};
    RankProgress me;   // this rank's figures, exchanged after every step
    me.rank = rank;
    bool stopAsked = false;
    const bool resuming = o.resume && !o.checkpointPath.empty() && std::filesystem::exists(o.checkpointPath);
    try {
        if (resuming) {
            loadCheckpoint();
            if (cb.onEpoch)
                for (const EpochStats &e : res.epochs)
                    cb.onEpoch(e);
        } else {
            EpochStats base = validate(set);
            base.epoch = 0;
            base.trainLoss = std::nan("");
            base.seconds = secondsSince(t0);
            res.epochs.push_back(base);
            st.bestSoFar = base.valAuc;   // what patience counts against
            if (cb.onEpoch)
                cb.onEpoch(base);
        }

        for (int epoch = st.midEpoch ? st.epoch : st.epoch + 1; epoch <= o.epochs && !st.finished; ++epoch) {
            if (!st.midEpoch) {
                sampler.beginEpoch();
                st.lossSum = 0;
            }
            st.epoch = epoch;
            st.midEpoch = true;
            m.train();
            const auto epochStart = Clock::now();
            while (!sampler.epochDone()) {
                // Alone a cancel stops at once; together at the step after the one where any rank
                // asked (the vote travels with the figures every rank exchanges after a step).
                if (stopAsked || (!(coll && coll->world() > 1) && cb.cancelled && cb.cancelled())) {
                    res.cancelled = true;
                    break;
                }
                const auto stepStart = Clock::now();
                double stepWait = 0;
                const PairBatch batch = sampler.next();
                for (auto &g : optimizer.param_groups())
                    static_cast<torch::optim::AdamOptions &>(g.options()).lr(scheduledRate(o, st.step, steps));
                // The step: forward and loss, backward, the gradient hook, the optimiser step.
                const torch::Tensor loss = batchLoss(ctx, batch);
                optimizer.zero_grad();
                if (loss.requires_grad())
                    loss.backward();
                const auto syncStart = Clock::now();
                syncGradients(coll, trainable);
                stepWait += secondsSince(syncStart);
                optimizer.step();
                if (o.trainBatchNorm)
                    averageBatchNormStatistics(coll, m);
                const double l = loss.item<double>();
                if (!std::isfinite(l))
                    throw TrainingError("training diverged: the loss became " + std::to_string(l) + " at epoch " +
                                        std::to_string(epoch) + "; try a lower learning rate");
                const auto b = int64_t(batch.pairs.size());
                st.lossSum += l * double(b);
                st.pairsTrained += b;
                ++st.step;
                me.step = st.step;
                me.samples += int64_t(shardRange(batch.pairs.size(), rank, res.world).end -
                                     shardRange(batch.pairs.size(), rank, res.world).begin);
                me.waitSeconds += stepWait;
                me.computeSeconds += secondsSince(stepStart) - stepWait;
                me.stop = cb.cancelled && cb.cancelled();
                const auto exchangeStart = Clock::now();
                const std::vector<RankProgress> ranks = exchangeProgress(coll, me);
                me.waitSeconds += secondsSince(exchangeStart);
                stopAsked = anyStop(ranks);
                if (cb.onStep)
                    cb.onStep(StepStats{epoch, st.step, steps, l, ranks});
                if (o.checkpointEvery > 0 && st.step % o.checkpointEvery == 0) {
                    st.trainSeconds += secondsSince(epochStart);
                    saveCheckpoint();
                    st.trainSeconds -= secondsSince(epochStart);
                }
            }
            st.trainSeconds += secondsSince(epochStart);
            if (res.cancelled)
                break;

            EpochStats es = validate(set);
            es.epoch = epoch;
            es.trainLoss = st.lossSum / double(set.train.size());
            // Best by validation AUC (threshold-free: accuracy at one threshold rewards a mere
            // threshold shift); equal AUC goes to the lower validation loss.
            es.best = es.valAuc > st.bestAuc || (es.valAuc == st.bestAuc && es.valLoss < st.bestLoss);
            if (es.best) {
                st.bestAuc = es.valAuc;
                st.bestLoss = es.valLoss;
                res.bestEpoch = epoch;
                best = snapshot(m);
            }
            es.seconds = secondsSince(t0);
            res.epochs.push_back(es);
            res.epochsRun = epoch;
            st.midEpoch = false;
            if (cb.onEpoch)
                cb.onEpoch(es);
            if (es.valAuc > st.bestSoFar) {
                st.bestSoFar = es.valAuc;
                st.sinceBetter = 0;
            } else if (o.patience > 0 && ++st.sinceBetter >= o.patience && epoch < o.epochs) {
                res.stoppedEarly = true;
                st.finished = true;
            }
            saveCheckpoint();
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
    res.pairsPerSecond = st.trainSeconds > 0 ? double(st.pairsTrained) / st.trainSeconds : 0;
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

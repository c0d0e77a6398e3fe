#include "linearizer/LinearizerTrainer.h"

#include "linearizer/FaceAugment.h"
#include "linearizer/LinearizerCheckpoint.h"
#include "linearizer/LinearizerNet.h"
#include "linearizer/TeacherTargets.h"
#include "nn/Engine.h"
#include "nn/FaceNet.h"
#include "nn/ModuleState.h"
#include "train/Collective.h"
#include "train/GradientSync.h"
#include "train/PairSampler.h"
#include "train/RankProgress.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <random>

namespace facelab::linearizer {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string deviceText(const torch::Device &d)
{
    if (d.is_cuda())
        return "cuda:" + std::to_string(d.has_index() ? d.index() : 0);
    return "cpu (" + std::to_string(at::get_num_threads()) + " threads)";
}

// Copies of every parameter and buffer (the best epoch), and putting them back.
std::vector<torch::Tensor> stateCopy(const torch::nn::Module &m)
{
    std::vector<torch::Tensor> out;
    for (const auto &[name, t] : nn::moduleState(m))
        out.push_back(t.detach().clone());
    return out;
}

void restoreState(torch::nn::Module &m, const std::vector<torch::Tensor> &state)
{
    torch::NoGradGuard noGrad;
    const auto now = nn::moduleState(m);
    for (size_t i = 0; i < now.size() && i < state.size(); ++i)
        now[i].second.copy_(state[i]);
}

// One call of train(): the parts of a run, shared by its phases. With a collective, each rank does
// its share and the parts that need the whole (held-out sums, gradients) add the ranks up.
struct Run
{
    const LinearizerData &data;
    const LinearizerTrainOptions &options;
    LinearizerModel model;
    nn::Preprocessing spec;
    torch::Device device;
    train::Collective *coll;
    int rank, world;
    TeacherTargets targets;
    std::vector<torch::Tensor> params;

    cv::Mat load(std::size_t i) const
    {
        cv::Mat f = data.load(i);
        if (f.empty() || f.type() != CV_8UC3)
            throw LinearizerTrainingError("cannot read the aligned face " + (data.name ? data.name(i) : std::to_string(i)));
        return f;
    }

    std::vector<AugmentedFace> plain(const std::vector<std::size_t> &idx) const
    {
        std::vector<AugmentedFace> faces;
        for (std::size_t i : idx)
            faces.push_back(AugmentedFace{load(i)});
        return faces;
    }

    torch::Tensor input(const std::vector<AugmentedFace> &faces) const
    {
        std::vector<cv::Mat> mats;
        for (const auto &f : faces)
            mats.push_back(f.face);
        return nn::facesToTensor(mats, spec).to(device);
    }

    // Per image: weighted squared distance plus weighted (1 - cosine). Batch losses are sums of
    // these over a rank's share divided by the global batch size, so the ranks' parts add up to
    // the mean one process computes.
    torch::Tensor perImageLoss(const torch::Tensor &f, const torch::Tensor &t, torch::Tensor *cosOut = nullptr) const
    {
        const torch::Tensor sq = (f - t).pow(2).sum(1);
        const torch::Tensor cos = torch::nn::functional::cosine_similarity(
            f, t, torch::nn::functional::CosineSimilarityFuncOptions().dim(1).eps(1e-8));
        if (cosOut)
            *cosOut = cos;
        return options.mseWeight * sq + options.cosineWeight * (1 - cos);
    }

    // ActNorm starts from data: g_x's from the first training batch's images, g_y's from the
    // teacher's embeddings of it (g_y only ever runs backwards in f, so its own forward has to be
    // shown the embedding distribution once). Every rank runs it on the same global batch.
    void initialiseActNorm()
    {
        torch::NoGradGuard noGrad;
        model->train();
        const std::vector<std::size_t> idx(
            data.train.begin(), data.train.begin() + long(std::min(data.train.size(), std::size_t(std::max(options.batch, 64)))));
        if (idx.size() < 2)
            return;
        const std::vector<AugmentedFace> faces = plain(idx);
        model->gx(input(faces));
        model->gy(targets.forBatch(idx, faces));
    }

    // Rank 0's weights everywhere (as DDP does), whatever each process drew or loaded, once the
    // architectures are known to agree (a host with another FaceLab or request would otherwise
    // corrupt the broadcast).
    void broadcastFromRankZero(std::int64_t parameters)
    {
        if (!coll)
            return;
        const auto state = nn::moduleState(*model);
        const auto shapes = coll->allGather(torch::tensor({double(parameters), double(state.size())}, torch::kDouble));
        for (std::size_t r = 1; r < shapes.size(); ++r)
            if (!torch::equal(shapes[r], shapes[0]))
                throw LinearizerTrainingError("rank " + std::to_string(r) + " built a different surrogate (" +
                                              std::to_string(int64_t(shapes[r][0].item<double>())) + " parameters) from rank 0's (" +
                                              std::to_string(int64_t(shapes[0][0].item<double>())) +
                                              "): every process needs the same FaceLab and request");
        std::vector<torch::Tensor> tensors;
        for (const auto &[name, t] : state)
            tensors.push_back(t);
        coll->broadcast(tensors);
    }

    // The held-out figures of the surrogate as it is: this rank's share, summed over the ranks.
    void heldOut(LinearizerEpoch &e)
    {
        torch::NoGradGuard noGrad;
        model->eval();
        double lossSum = 0, sqSum = 0, cosSum = 0, cosMin = 1;
        const train::ShardRange part = train::shardRange(data.heldOut.size(), rank, world);
        const std::size_t bs = std::size_t(options.batch);
        for (std::size_t s = part.begin; s < part.end; s += bs) {
            const std::vector<std::size_t> idx(data.heldOut.begin() + long(s),
                                               data.heldOut.begin() + long(std::min(part.end, s + bs)));
            const std::vector<AugmentedFace> faces = plain(idx);
            const torch::Tensor t = targets.forBatch(idx, faces);
            const torch::Tensor f = model->forward(input(faces));
            torch::Tensor cos;
            lossSum += perImageLoss(f, t, &cos).sum().item<double>();
            sqSum += (f - t).pow(2).sum().item<double>();
            cosSum += cos.sum().item<double>();
            cosMin = std::min(cosMin, cos.min().item<double>());
        }
        if (coll) {
            const auto all = coll->allGather(torch::tensor({lossSum, sqSum, cosSum, cosMin}, torch::kDouble));
            lossSum = sqSum = cosSum = 0;
            cosMin = 1;
            for (const auto &r : all) {
                const auto v = r.accessor<double, 1>();
                lossSum += v[0];
                sqSum += v[1];
                cosSum += v[2];
                cosMin = std::min(cosMin, v[3]);
            }
        }
        const double n = double(data.heldOut.size());
        e.heldOutLoss = lossSum / n;
        e.heldOutMse = sqSum / (n * double(targetsDim()));
        e.cosineMean = cosSum / n;
        e.cosineMin = cosMin;
    }

    int64_t targetsDim() const { return model->config().embeddingDim; }

    // One optimiser step on order[s, s + n) of the epoch: this rank's share forward and backward,
    // the gradients and the loss summed over the ranks, the step. Returns the global batch's mean
    // loss and what this rank's share took (samples, seconds waiting in the collective).
    struct StepResult
    {
        double loss = 0;
        std::int64_t samples = 0;
        double waitSeconds = 0;
    };
    StepResult step(const std::vector<std::size_t> &order, std::size_t s, std::size_t n, int epoch, torch::optim::Adam &optimizer)
    {
        StepResult r;
        const train::ShardRange part = train::shardRange(n, rank, world);
        torch::Tensor loss = torch::zeros({1}, torch::kDouble);
        optimizer.zero_grad();
        if (part.end > part.begin) {
            std::vector<std::size_t> idx;
            std::vector<AugmentedFace> faces;
            for (std::size_t k = part.begin; k < part.end; ++k) {
                std::mt19937_64 sampleRng(seedAt(options.seed, epoch, s + k));
                idx.push_back(order[s + k]);
                faces.push_back(augmentFace(load(idx.back()), options.augment, sampleRng));
            }
            const torch::Tensor t = targets.forBatch(idx, faces);
            const torch::Tensor local = perImageLoss(model->forward(input(faces)), t).sum() / double(n);
            local.backward();
            loss = local.detach().to(torch::kCPU, torch::kDouble).reshape({1});
            r.samples = int64_t(part.end - part.begin);
        }
        std::vector<torch::Tensor> riders{loss};
        const auto syncStart = Clock::now();
        train::syncGradients(coll, params, &riders);
        r.waitSeconds = coll ? secondsSince(syncStart) : 0;
        r.loss = riders[0].item<double>();
        if (std::isfinite(r.loss))
            optimizer.step();
        return r;
    }
};

} // namespace

LinearizerTrainer::LinearizerTrainer(nn::FaceModel teacher, LinearizerConfig config, LinearizerTrainOptions options)
    : m_teacher(std::move(teacher)), m_options(std::move(options))
{
    if (!m_teacher)
        throw LinearizerTrainingError("no teacher model");
    const auto &o = m_options;
    if (o.epochs < 1 || o.epochs > 100000)
        throw LinearizerTrainingError("epochs must be between 1 and 100000 (got " + std::to_string(o.epochs) + ")");
    if (o.batch < 2 || o.batch > 4096)
        throw LinearizerTrainingError("batch size must be between 2 and 4096 (got " + std::to_string(o.batch) + ")");
    if (!(o.learningRate > 0 && o.learningRate < 1))
        throw LinearizerTrainingError("learning rate must be in (0, 1)");
    if (!(o.mseWeight >= 0 && o.cosineWeight >= 0 && o.mseWeight + o.cosineWeight > 0))
        throw LinearizerTrainingError("loss weights must be >= 0 and not both 0");
    if (o.augment.maxShift < 0 || o.augment.maxShift > 32 || !(o.augment.colourJitter >= 0 && o.augment.colourJitter < 1))
        throw LinearizerTrainingError("augmentation out of range (shift 0..32 px, colour jitter 0..1)");
    nn::initEngine();
    m_config = fitToTeacher(config, *m_teacher.net());
    try {
        m_surrogate = surrogateModel(LinearizerModel(m_config), m_teacher.preprocessing());
    } catch (const std::invalid_argument &e) {
        throw LinearizerTrainingError(e.what());
    }
}

LinearizerTrainResult LinearizerTrainer::train(const LinearizerData &data, const LinearizerCallbacks &cb)
{
    if (data.train.empty() || data.heldOut.empty())
        throw LinearizerTrainingError("training needs images to train on and held-out images to measure on (got " +
                                      std::to_string(data.train.size()) + " and " + std::to_string(data.heldOut.size()) + ")");
    if (!data.load)
        throw LinearizerTrainingError("no image loader");
    for (std::size_t i : data.train)
        if (i >= data.count)
            throw LinearizerTrainingError("training index out of range");
    for (std::size_t i : data.heldOut)
        if (i >= data.count)
            throw LinearizerTrainingError("held-out index out of range");

    const auto t0 = Clock::now();
    const torch::Device device = nn::preferredDevice();
    train::Collective *coll = m_collective && m_collective->world() > 1 ? m_collective.get() : nullptr;
    nn::FaceNetImpl &teacher = *m_teacher.net();
    teacher.eval();
    teacher.to(device);
    LinearizerModel model = surrogateOf(m_surrogate);
    model->to(device);
    Run run{data,
            m_options,
            model,
            m_teacher.preprocessing(),
            device,
            coll,
            coll ? coll->rank() : 0,
            coll ? coll->world() : 1,
            TeacherTargets(teacher, m_teacher.preprocessing(), device, data.targets, m_config.embeddingDim,
                           m_options.targetMemoryBytes),
            model->parameters()};
    LinearizerTrainResult res;
    res.device = deviceText(device);
    res.world = run.world;
    for (const auto &p : run.params)
        res.parameters += p.numel();

    torch::optim::Adam optimizer(run.params, torch::optim::AdamOptions(m_options.learningRate).betas({0.9, 0.999}));
    std::vector<torch::Tensor> best;
    double bestLoss = INFINITY;
    if (!m_options.resumeFrom.empty()) {
        LinearizerModel bestModel(m_config);
        try {
            const LinearizerCheckpoint c = loadLinearizerCheckpoint(m_options.resumeFrom, device, model, optimizer, bestModel);
            res.resumedFrom = c.epoch;
            res.bestEpoch = c.bestEpoch;
            res.epochsRun = c.epoch;
            bestLoss = c.bestLoss;
        } catch (const c10::Error &e) {
            throw LinearizerTrainingError("cannot resume from " + m_options.resumeFrom +
                                          ": not a checkpoint of this Linearizer configuration (" +
                                          std::string(e.what_without_backtrace()).substr(0, 200) + ")");
        }
        best = stateCopy(*bestModel);
    } else {
        run.initialiseActNorm();
    }
    run.broadcastFromRankZero(res.parameters);

    LinearizerEpoch base;
    base.epoch = res.resumedFrom;
    base.trainLoss = std::nan("");
    run.heldOut(base);
    base.seconds = secondsSince(t0);
    // The untrained surrogate is reported, never kept: the best is chosen among trained epochs.
    if (best.empty())
        best = stateCopy(*model);
    res.epochs.push_back(base);
    if (cb.onEpoch)
        cb.onEpoch(base);

    const int firstEpoch = res.resumedFrom + 1;
    const std::size_t batch = std::size_t(m_options.batch);
    const int64_t perEpoch = int64_t((data.train.size() + batch - 1) / batch);
    const int64_t steps = perEpoch * (m_options.epochs - firstEpoch + 1);
    int64_t step = 0, imagesTrained = 0;
    double trainSeconds = 0;
    int sinceBetter = 0;
    train::RankProgress me;   // this rank's figures, exchanged after every step
    me.rank = run.rank;
    bool stopAsked = false;

    for (int epoch = firstEpoch; epoch <= m_options.epochs; ++epoch) {
        // The epoch's order from the seed and the epoch alone: a resumed run draws what an unbroken one did.
        std::vector<std::size_t> order = data.train;
        std::mt19937_64 orderRng(seedAt(m_options.seed, epoch, ~0ull));
        for (std::size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[std::size_t(orderRng() % i)]);
        model->train();
        double lossSum = 0;
        std::size_t seen = 0;
        const auto epochStart = Clock::now();
        for (std::size_t s = 0; s < order.size(); s += batch) {
            // Alone a cancel stops at once; together at the step after the one where any rank
            // asked (the vote travels with the figures every rank exchanges after a step).
            if (stopAsked || (!coll && cb.cancelled && cb.cancelled())) {
                res.cancelled = true;
                break;
            }
            const std::size_t n = std::min(order.size(), s + batch) - s;
            if (n < 2)
                continue;   // a last batch of one: nothing a per-batch mean could learn from
            const auto stepStart = Clock::now();
            const Run::StepResult r = run.step(order, s, n, epoch, optimizer);
            if (!std::isfinite(r.loss)) {
                restoreState(*model, best);
                throw LinearizerTrainingError("the loss diverged (NaN or infinite) at epoch " + std::to_string(epoch) +
                                              "; try a lower learning rate");
            }
            lossSum += r.loss * double(n);
            seen += n;
            imagesTrained += int64_t(n);
            ++step;
            me.step = step;
            me.samples += r.samples;
            me.waitSeconds += r.waitSeconds;
            me.computeSeconds += secondsSince(stepStart) - r.waitSeconds;
            me.stop = cb.cancelled && cb.cancelled();
            const auto exchangeStart = Clock::now();
            const std::vector<train::RankProgress> ranks = train::exchangeProgress(coll, me);
            me.waitSeconds += secondsSince(exchangeStart);
            stopAsked = train::anyStop(ranks);
            if (cb.onStep)
                cb.onStep(LinearizerStep{epoch, step, steps, r.loss, ranks});
        }
        trainSeconds += secondsSince(epochStart);
        if (res.cancelled)
            break;
        LinearizerEpoch e;
        e.epoch = epoch;
        e.trainLoss = seen ? lossSum / double(seen) : std::nan("");
        run.heldOut(e);
        e.seconds = secondsSince(t0);
        if (!std::isfinite(e.heldOutLoss) || e.heldOutLoss > 100.0 * std::max(base.heldOutLoss, 1e-6)) {
            res.epochs.push_back(e);
            res.divergedAt = epoch;
            if (cb.onEpoch)
                cb.onEpoch(e);
            break;
        }
        if (e.heldOutLoss < bestLoss) {
            bestLoss = e.heldOutLoss;
            best = stateCopy(*model);
            res.bestEpoch = epoch;
            e.best = true;
            sinceBetter = 0;
        } else {
            ++sinceBetter;
        }
        res.epochs.push_back(e);
        res.epochsRun = epoch;
        if (!m_options.checkpointPath.empty() && run.rank == 0) {
            LinearizerModel bestModel(m_config);
            restoreState(*bestModel, best);
            try {
                saveLinearizerCheckpoint(m_options.checkpointPath, model, optimizer, bestModel,
                                         LinearizerCheckpoint{epoch, res.bestEpoch, bestLoss});
            } catch (const std::runtime_error &err) {
                throw LinearizerTrainingError(err.what());
            }
        }
        if (cb.onEpoch)
            cb.onEpoch(e);
        if (m_options.patience > 0 && sinceBetter >= m_options.patience && epoch < m_options.epochs) {
            res.stoppedEarly = true;
            break;
        }
    }
    res.teacherForwards = run.targets.teacherForwards();
    if (coll) {   // the teacher's work of every rank
        std::vector<torch::Tensor> forwards{torch::tensor({double(res.teacherForwards)}, torch::kDouble)};
        coll->allReduceSum(forwards);
        res.teacherForwards = int64_t(forwards[0].item<double>());
    }
    restoreState(*model, best);
    model->eval();
    res.seconds = secondsSince(t0);
    res.imagesPerSecond = trainSeconds > 0 ? double(imagesTrained) / trainSeconds : 0;
    return res;
}

} // namespace facelab::linearizer

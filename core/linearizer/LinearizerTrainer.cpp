#include "linearizer/LinearizerTrainer.h"

#include "linearizer/LinearizerNet.h"
#include "nn/Engine.h"
#include "nn/FaceNet.h"
#include "nn/ModuleState.h"
#include "train/Collective.h"
#include "train/PairSampler.h"
#include "train/RankProgress.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <unordered_map>

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

// A seed for one purpose at one place of the run (splitmix64 of the three): an epoch's order
// (position ~0) or one training sample's augmentation. Draws then depend on where a sample sits in
// the global order, not on which process handles it or how far the run got before a resume.
std::uint64_t seedAt(std::uint64_t seed, int epoch, std::uint64_t position)
{
    std::uint64_t z = seed ^ (std::uint64_t(epoch) * 0x9E3779B97F4A7C15ull) ^ (position * 0xBF58476D1CE4E5B9ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The teacher's targets already known: the cached ones of plain images (the data's, not copied)
// and those computed during training, kept until a memory budget is spent (a pack the size of
// MS1MV2, 5.8M faces, would need 24 GB for every plain and flipped target at 512 floats; past the
// budget a target is computed again when its image comes round).
class TargetMemo
{
public:
    TargetMemo(const std::vector<std::vector<float>> &cached, int64_t dim, std::size_t budgetBytes)
        : m_cached(cached), m_dim(dim), m_room(budgetBytes / (std::size_t(dim) * sizeof(float) + 64))
    {
    }
    const float *find(std::size_t i, bool flipped) const
    {
        if (!flipped && i < m_cached.size() && int64_t(m_cached[i].size()) == m_dim)
            return m_cached[i].data();
        const auto it = m_kept.find(key(i, flipped));
        return it == m_kept.end() ? nullptr : it->second.data();
    }
    void keep(std::size_t i, bool flipped, std::vector<float> v)
    {
        if (m_kept.size() < m_room)
            m_kept.emplace(key(i, flipped), std::move(v));
    }

private:
    static std::uint64_t key(std::size_t i, bool flipped) { return std::uint64_t(i) * 2 + (flipped ? 1 : 0); }
    const std::vector<std::vector<float>> &m_cached;
    int64_t m_dim;
    std::size_t m_room;
    std::unordered_map<std::uint64_t, std::vector<float>> m_kept;
};

// One image as the trainer feeds it: which augmentation it got. Only flips have a reusable target.
struct Augmented
{
    cv::Mat face;
    bool flipped = false;
    bool randomised = false;   // shifted or colour-jittered: its target is computed now
};

Augmented augment(cv::Mat face, const AugmentOptions &a, std::mt19937_64 &rng)
{
    Augmented out;
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    if (a.flip && (rng() & 1)) {
        cv::Mat f;
        cv::flip(face, f, 1);
        face = f;
        out.flipped = true;
    }
    if (a.maxShift > 0) {
        std::uniform_int_distribution<int> shift(-a.maxShift, a.maxShift);
        const int dx = shift(rng), dy = shift(rng);
        if (dx || dy) {
            const cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, dy);
            cv::Mat s;
            cv::warpAffine(face, s, m, face.size(), cv::INTER_NEAREST, cv::BORDER_REPLICATE);
            face = s;
            out.randomised = true;
        }
    }
    if (a.colourJitter > 0) {
        const double contrast = 1.0 + a.colourJitter * u(rng);
        const double brightness = 255.0 * a.colourJitter * u(rng) * 0.5;
        cv::Mat j;
        face.convertTo(j, -1, contrast, brightness + 127.5 * (1.0 - contrast));
        face = j;
        out.randomised = true;
    }
    out.face = face;
    return out;
}

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
    for (size_t i : data.train)
        if (i >= data.count)
            throw LinearizerTrainingError("training index out of range");
    for (size_t i : data.heldOut)
        if (i >= data.count)
            throw LinearizerTrainingError("held-out index out of range");

    const auto t0 = Clock::now();
    const torch::Device device = nn::preferredDevice();
    train::Collective *coll = m_collective && m_collective->world() > 1 ? m_collective.get() : nullptr;
    const int rank = coll ? coll->rank() : 0, world = coll ? coll->world() : 1;
    LinearizerModel model = surrogateOf(m_surrogate);
    nn::FaceNetImpl &teacher = *m_teacher.net();
    teacher.eval();
    teacher.to(device);
    model->to(device);
    const nn::Preprocessing spec = m_teacher.preprocessing();
    LinearizerTrainResult res;
    res.device = deviceText(device);
    res.world = world;
    for (const auto &p : model->parameters())
        res.parameters += p.numel();
    const std::vector<torch::Tensor> params = model->parameters();

    // Teacher targets: cached plain ones, and others once computed (within the budget).
    const int64_t dim = m_config.embeddingDim;
    TargetMemo memo(data.targets, dim, m_options.targetMemoryBytes);

    auto loadFace = [&](size_t i) {
        cv::Mat f = data.load(i);
        if (f.empty() || f.type() != CV_8UC3)
            throw LinearizerTrainingError("cannot read the aligned face " + (data.name ? data.name(i) : std::to_string(i)));
        return f;
    };
    auto teacherEmbed = [&](const std::vector<cv::Mat> &faces) {
        torch::NoGradGuard noGrad;
        const torch::Tensor e = teacher.forward(nn::facesToTensor(faces, spec).to(device)).reshape({long(faces.size()), -1});
        res.teacherForwards += int64_t(faces.size());
        return torch::nn::functional::normalize(e, torch::nn::functional::NormalizeFuncOptions().dim(1));
    };
    auto toVector = [](const torch::Tensor &row) {
        const torch::Tensor c = row.to(torch::kCPU).contiguous();
        return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    };
    // Targets for a batch: from the memo, the rest computed with one teacher pass.
    auto targetsFor = [&](const std::vector<size_t> &idx, const std::vector<Augmented> &imgs) {
        torch::Tensor t = torch::empty({long(idx.size()), dim});
        std::vector<size_t> todo;
        std::vector<cv::Mat> todoFaces;
        for (size_t k = 0; k < idx.size(); ++k) {
            const float *known = imgs[k].randomised ? nullptr : memo.find(idx[k], imgs[k].flipped);
            if (known)
                t[long(k)] = torch::from_blob(const_cast<float *>(known), {dim}).clone();
            else {
                todo.push_back(k);
                todoFaces.push_back(imgs[k].face);
            }
        }
        if (!todo.empty()) {
            const torch::Tensor e = teacherEmbed(todoFaces).to(torch::kCPU);
            for (size_t j = 0; j < todo.size(); ++j) {
                const size_t k = todo[j];
                t[long(k)] = e[long(j)];
                if (!imgs[k].randomised)
                    memo.keep(idx[k], imgs[k].flipped, toVector(e[long(j)]));
            }
        }
        return t.to(device);
    };
    // Per image: weighted squared distance plus weighted (1 - cosine). Batch losses are sums of
    // these over a rank's shard divided by the global batch size, so the ranks' parts add up to
    // the mean one process computes.
    auto perImageLoss = [&](const torch::Tensor &f, const torch::Tensor &t, torch::Tensor *cosOut = nullptr) {
        const torch::Tensor sq = (f - t).pow(2).sum(1);
        const torch::Tensor cos = torch::nn::functional::cosine_similarity(
            f, t, torch::nn::functional::CosineSimilarityFuncOptions().dim(1).eps(1e-8));
        if (cosOut)
            *cosOut = cos;
        return m_options.mseWeight * sq + m_options.cosineWeight * (1 - cos);
    };
    auto loadBatch = [&](const std::vector<size_t> &idx, std::vector<Augmented> &imgs, std::vector<cv::Mat> &faces) {
        for (size_t i : idx) {
            imgs.push_back(Augmented{loadFace(i)});
            faces.push_back(imgs.back().face);
        }
    };
    // This rank's part of the held-out images, summed over the ranks.
    auto evaluateHeldOut = [&](LinearizerEpoch &e) {
        torch::NoGradGuard noGrad;
        model->eval();
        double lossSum = 0, sqSum = 0, cosSum = 0, cosMin = 1;
        const train::ShardRange part = train::shardRange(data.heldOut.size(), rank, world);
        const size_t bs = size_t(m_options.batch);
        for (size_t s = part.begin; s < part.end; s += bs) {
            std::vector<size_t> idx(data.heldOut.begin() + long(s), data.heldOut.begin() + long(std::min(part.end, s + bs)));
            std::vector<Augmented> imgs;
            std::vector<cv::Mat> faces;
            loadBatch(idx, imgs, faces);
            const torch::Tensor t = targetsFor(idx, imgs);
            const torch::Tensor f = model->forward(nn::facesToTensor(faces, spec).to(device));
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
        e.heldOutMse = sqSum / (n * double(dim));
        e.cosineMean = cosSum / n;
        e.cosineMin = cosMin;
    };

    torch::optim::Adam optimizer(params, torch::optim::AdamOptions(m_options.learningRate).betas({0.9, 0.999}));
    std::vector<torch::Tensor> best;
    double bestLoss = INFINITY;
    int firstEpoch = 1;

    if (!m_options.resumeFrom.empty()) {
        torch::serialize::InputArchive in;
        try {
            in.load_from(m_options.resumeFrom, device);
            torch::serialize::InputArchive m, o, b;
            in.read("model", m);
            model->load(m);
            in.read("optimizer", o);
            optimizer.load(o);
            torch::Tensor epoch, bestEpoch, bestL;
            in.read("epoch", epoch);
            in.read("best_epoch", bestEpoch);
            in.read("best_loss", bestL);
            in.read("best", b);
            LinearizerModel bestModel(m_config);
            bestModel->load(b);
            best = stateCopy(*bestModel);
            res.resumedFrom = int(epoch.item<int64_t>());
            res.bestEpoch = int(bestEpoch.item<int64_t>());
            bestLoss = bestL.item<double>();
            firstEpoch = res.resumedFrom + 1;
            res.epochsRun = res.resumedFrom;
        } catch (const c10::Error &e) {
            throw LinearizerTrainingError("cannot resume from " + m_options.resumeFrom +
                                          ": not a checkpoint of this Linearizer configuration (" +
                                          std::string(e.what_without_backtrace()).substr(0, 200) + ")");
        }
    } else {
        // ActNorm starts from data: g_x's from the first training batch's images, g_y's from the
        // teacher's embeddings of it (g_y only ever runs backwards in f, so its own forward has to
        // be shown the embedding distribution once). Every rank runs it on the same global batch.
        torch::NoGradGuard noGrad;
        model->train();
        std::vector<size_t> idx(data.train.begin(),
                                data.train.begin() + long(std::min(data.train.size(), size_t(std::max(m_options.batch, 64)))));
        std::vector<Augmented> imgs;
        std::vector<cv::Mat> faces;
        loadBatch(idx, imgs, faces);
        if (idx.size() >= 2) {
            model->gx(nn::facesToTensor(faces, spec).to(device));
            model->gy(targetsFor(idx, imgs));
        }
    }
    if (coll) {   // rank 0's weights everywhere (as DDP does), whatever each process drew
        // First the same architecture everywhere (a host with another FaceLab or request would
        // otherwise corrupt the broadcast): parameter count and tensors, compared with rank 0's.
        const torch::Tensor shape = torch::tensor({double(res.parameters), double(nn::moduleState(*model).size())}, torch::kDouble);
        const auto shapes = coll->allGather(shape);
        for (size_t r = 1; r < shapes.size(); ++r)
            if (!torch::equal(shapes[r], shapes[0]))
                throw LinearizerTrainingError("rank " + std::to_string(r) + " built a different surrogate (" +
                                              std::to_string(int64_t(shapes[r][0].item<double>())) + " parameters) from rank 0's (" +
                                              std::to_string(int64_t(shapes[0][0].item<double>())) +
                                              "): every process needs the same FaceLab and request");
        std::vector<torch::Tensor> state;
        for (const auto &[name, t] : nn::moduleState(*model))
            state.push_back(t);
        coll->broadcast(state);
    }

    LinearizerEpoch base;
    base.epoch = res.resumedFrom;
    base.trainLoss = std::nan("");
    evaluateHeldOut(base);
    base.seconds = secondsSince(t0);
    // The untrained surrogate is reported, never kept: the best is chosen among trained epochs.
    if (best.empty())
        best = stateCopy(*model);
    res.epochs.push_back(base);
    if (cb.onEpoch)
        cb.onEpoch(base);

    const size_t batch = size_t(m_options.batch);
    const int64_t perEpoch = int64_t((data.train.size() + batch - 1) / batch);
    const int64_t steps = perEpoch * (m_options.epochs - firstEpoch + 1);
    int64_t step = 0, imagesTrained = 0;
    double trainSeconds = 0;
    int sinceBetter = 0;
    train::RankProgress me;   // this rank's figures, exchanged after every step
    me.rank = rank;
    bool stopAsked = false;

    for (int epoch = firstEpoch; epoch <= m_options.epochs; ++epoch) {
        // The epoch's order from the seed and the epoch alone: a resumed run draws what an unbroken one did.
        std::vector<size_t> order = data.train;
        std::mt19937_64 orderRng(seedAt(m_options.seed, epoch, ~0ull));
        for (size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[size_t(orderRng() % i)]);
        model->train();
        double lossSum = 0;
        size_t seen = 0;
        const auto epochStart = Clock::now();
        for (size_t s = 0; s < order.size(); s += batch) {
            // Alone a cancel stops at once; together at the step after the one where any rank
            // asked (the vote travels with the figures every rank exchanges after a step).
            if (stopAsked || (!coll && cb.cancelled && cb.cancelled())) {
                res.cancelled = true;
                break;
            }
            const size_t n = std::min(order.size(), s + batch) - s;
            if (n < 2)
                continue;   // a last batch of one: nothing a per-batch mean could learn from
            const auto stepStart = Clock::now();
            const train::ShardRange part = train::shardRange(n, rank, world);
            torch::Tensor localLoss = torch::zeros({}, torch::kDouble);
            optimizer.zero_grad();
            if (part.end > part.begin) {
                std::vector<size_t> idx;
                std::vector<Augmented> imgs;
                std::vector<cv::Mat> faces;
                for (size_t k = part.begin; k < part.end; ++k) {
                    std::mt19937_64 sampleRng(seedAt(m_options.seed, epoch, s + k));
                    idx.push_back(order[s + k]);
                    imgs.push_back(augment(loadFace(idx.back()), m_options.augment, sampleRng));
                    faces.push_back(imgs.back().face);
                }
                const torch::Tensor t = targetsFor(idx, imgs);
                const torch::Tensor f = model->forward(nn::facesToTensor(faces, spec).to(device));
                const torch::Tensor loss = perImageLoss(f, t).sum() / double(n);
                loss.backward();
                localLoss = loss.detach().to(torch::kCPU, torch::kDouble);
            }
            // One all-reduce for the gradients and the loss (ranks without images add zeros).
            double stepWait = 0;
            if (coll) {
                std::vector<torch::Tensor> sums;
                for (torch::Tensor p : params) {
                    if (!p.grad().defined())
                        p.mutable_grad() = torch::zeros_like(p);
                    sums.push_back(p.grad());
                }
                sums.push_back(localLoss.to(sums.front().device(), sums.front().scalar_type()).reshape({1}));   // rides in the last bucket
                const auto syncStart = Clock::now();
                coll->allReduceSum(sums);
                localLoss = sums.back().reshape({}).to(torch::kCPU, torch::kDouble);
                stepWait = secondsSince(syncStart);
            }
            const double l = localLoss.item<double>();
            if (!std::isfinite(l)) {
                restoreState(*model, best);
                throw LinearizerTrainingError("the loss diverged (NaN or infinite) at epoch " + std::to_string(epoch) +
                                              "; try a lower learning rate");
            }
            optimizer.step();
            lossSum += l * double(n);
            seen += n;
            imagesTrained += int64_t(n);
            ++step;
            me.step = step;
            me.samples += int64_t(part.end - part.begin);
            me.waitSeconds += stepWait;
            me.computeSeconds += secondsSince(stepStart) - stepWait;
            me.stop = cb.cancelled && cb.cancelled();
            const auto exchangeStart = Clock::now();
            const std::vector<train::RankProgress> ranks = train::exchangeProgress(coll, me);
            me.waitSeconds += secondsSince(exchangeStart);
            stopAsked = train::anyStop(ranks);
            if (cb.onStep)
                cb.onStep(LinearizerStep{epoch, step, steps, l, ranks});
        }
        trainSeconds += secondsSince(epochStart);
        if (res.cancelled)
            break;
        LinearizerEpoch e;
        e.epoch = epoch;
        e.trainLoss = seen ? lossSum / double(seen) : std::nan("");
        evaluateHeldOut(e);
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
        if (!m_options.checkpointPath.empty() && rank == 0) {
            torch::serialize::OutputArchive out, m, o, b;
            model->save(m);
            optimizer.save(o);
            LinearizerModel bestModel(m_config);
            restoreState(*bestModel, best);
            bestModel->save(b);
            out.write("model", m);
            out.write("optimizer", o);
            out.write("best", b);
            out.write("epoch", torch::tensor(int64_t(epoch)));
            out.write("best_epoch", torch::tensor(int64_t(res.bestEpoch)));
            out.write("best_loss", torch::tensor(bestLoss, torch::kDouble));
            const std::string tmp = m_options.checkpointPath + ".part";
            out.save_to(tmp);
            if (std::rename(tmp.c_str(), m_options.checkpointPath.c_str()) != 0)
                throw LinearizerTrainingError("cannot write the checkpoint " + m_options.checkpointPath);
        }
        if (cb.onEpoch)
            cb.onEpoch(e);
        if (m_options.patience > 0 && sinceBetter >= m_options.patience && epoch < m_options.epochs) {
            res.stoppedEarly = true;
            break;
        }
    }
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

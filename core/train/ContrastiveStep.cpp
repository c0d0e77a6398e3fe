#include "ContrastiveStep.h"

#include "ContrastiveLoss.h"

namespace facelab::train {

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

namespace {

// Rows of rank q's local batch: its firsts, its seconds, its anchors.
struct Shard
{
    ShardRange pairs, anchors;
    long size() const { return long(2 * (pairs.end - pairs.begin) + anchors.end - anchors.begin); }
};

} // namespace

torch::Tensor batchLoss(const StepContext &c, const PairBatch &batch)
{
    const ContrastiveOptions &o = c.options;
    const long b = long(batch.pairs.size());
    const long na = long(batch.anchors.size());
    // The whole batch in the single-process row order: every pair's first face, every second, the anchors.
    std::vector<int> idx(size_t(2 * b + na));
    std::vector<bool> flip(idx.size(), false);
    std::vector<float> y(static_cast<size_t>(b));
    for (long k = 0; k < b; ++k) {
        const FacePair &p = c.set.train[batch.pairs[size_t(k)]];
        idx[size_t(k)] = p.a;
        idx[size_t(b + k)] = p.b;
        y[size_t(k)] = p.same ? 1.f : 0.f;
        flip[size_t(k)] = batch.flipA[size_t(k)];
        flip[size_t(b + k)] = batch.flipB[size_t(k)];
    }
    for (long k = 0; k < na; ++k)
        idx[size_t(2 * b + k)] = c.set.anchors[size_t(batch.anchors[size_t(k)])];

    const int world = c.collective ? c.collective->world() : 1;
    const int rank = c.collective ? c.collective->rank() : 0;
    std::vector<Shard> shards;
    for (int q = 0; q < world; ++q)
        shards.push_back({shardRange(size_t(b), q, world), shardRange(size_t(na), q, world)});
    const Shard &own = shards[size_t(rank)];
    std::vector<int> localIdx;
    std::vector<bool> localFlip;
    auto take = [&](size_t offset, ShardRange r) {
        for (size_t i = r.begin; i < r.end; ++i) {
            localIdx.push_back(idx[offset + i]);
            localFlip.push_back(flip[offset + i]);
        }
    };
    take(0, own.pairs);
    take(size_t(b), own.pairs);
    take(size_t(2 * b), own.anchors);

    torch::Tensor emb;
    if (world == 1) {
        emb = c.model.forward(faceBatch(c.set, localIdx, localFlip, c.spec)).reshape({long(localIdx.size()), -1});
    } else {
        torch::Tensor local;
        if (!localIdx.empty())
            local = c.model.forward(faceBatch(c.set, localIdx, localFlip, c.spec)).reshape({long(localIdx.size()), -1});
        long rows = 0;
        for (const Shard &s : shards)
            rows = std::max(rows, s.size());
        const long d = c.width;
        torch::Tensor padded = torch::zeros({rows, d}, torch::kFloat);
        if (local.defined())
            padded.slice(0, 0, local.size(0)).copy_(local.detach().to(torch::kCPU).to(torch::kFloat));
        const std::vector<torch::Tensor> all = c.collective->allGather(padded);
        std::vector<torch::Tensor> pieces;
        auto piece = [&](int q, long from, long n) {
            if (n == 0)
                return;
            pieces.push_back(q == rank ? local.slice(0, from, from + n)
                                       : all[size_t(q)].slice(0, from, from + n).to(local.defined() ? local.options() : padded.options()));
        };
        for (int q = 0; q < world; ++q)
            piece(q, 0, long(shards[size_t(q)].pairs.end - shards[size_t(q)].pairs.begin));
        for (int q = 0; q < world; ++q) {
            const long n = long(shards[size_t(q)].pairs.end - shards[size_t(q)].pairs.begin);
            piece(q, n, n);
        }
        for (int q = 0; q < world; ++q) {
            const long n = long(shards[size_t(q)].pairs.end - shards[size_t(q)].pairs.begin);
            piece(q, 2 * n, long(shards[size_t(q)].anchors.end - shards[size_t(q)].anchors.begin));
        }
        emb = torch::cat(pieces);
    }

    torch::Tensor loss;
    if (o.loss == LossKind::Pairwise) {
        loss = contrastiveLoss(emb.slice(0, 0, b), emb.slice(0, b, 2 * b), torch::tensor(y).to(emb.device()), o.margin);
    } else {
        const long n = 2 * b;
        torch::Tensor pos = torch::zeros({n, n}, torch::kBool), neg = torch::zeros({n, n}, torch::kBool);
        auto pa = pos.accessor<bool, 2>();
        auto ng = neg.accessor<bool, 2>();
        for (long i = 0; i < n; ++i)
            for (long j = 0; j < n; ++j) {
                if (i == j)
                    continue;
                const int r = c.groups.relation(idx[size_t(i)], idx[size_t(j)]);
                pa[i][j] = r > 0;
                ng[i][j] = r < 0;
            }
        loss = multiSimilarityLoss(emb.slice(0, 0, n), pos, neg);
    }
    if (na > 0) {
        const torch::Tensor now = emb.slice(0, 2 * b, 2 * b + na);
        const torch::Tensor target = c.anchorTargets->index_select(0, torch::tensor(batch.anchors).to(emb.device()));
        const torch::Tensor cos =
            (torch::nn::functional::normalize(now, torch::nn::functional::NormalizeFuncOptions().dim(1)) * target).sum(1);
        loss = loss + o.distillWeight * (1 - cos).mean();
    }
    if (o.l2spWeight > 0) {
        torch::Tensor drift = torch::zeros({}, emb.options());
        for (size_t i = 0; i < c.trainable.size(); ++i)
            drift = drift + (c.trainable[i] - c.startTrainable[i]).pow(2).sum();
        loss = loss + 0.5 * o.l2spWeight * (rank == 0 ? drift : drift.detach());
    }
    return loss;
}

void averageBatchNormStatistics(Collective *collective, nn::FaceNetImpl &m)
{
    if (!collective || collective->world() == 1)
        return;
    std::vector<torch::Tensor> stats = m.batchNormStatistics();
    if (stats.empty())
        return;
    torch::NoGradGuard noGrad;
    collective->allReduceSum(stats);
    for (auto &s : stats)
        s.div_(double(collective->world()));
}

} // namespace facelab::train

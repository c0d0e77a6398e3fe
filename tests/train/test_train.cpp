// core/train: the contrastive loss, the validation separation, and training itself on a small
// real ONNX graph (weights move, loss falls, frozen parts stay bit-identical, same seed gives the
// same weights, cancel keeps the best epoch, bad input is refused with a message).
#include "TrainTestData.h"
#include "train/ContrastiveLoss.h"
#include "train/ContrastiveTrainer.h"
#include "train/PairSeparation.h"
#include "train/VerdictGroups.h"

#include <QtTest>
#include <random>

using namespace facelab;

namespace {

std::shared_ptr<nn::OnnxGraphModuleImpl> smallModule(std::uint64_t seed = 7)
{
    onnx::ModelProto proto;
    proto.ParseFromString(traintest::smallEmbedderOnnx(seed));
    return std::make_shared<nn::OnnxGraphModuleImpl>(nn::OnnxModelFile::fromProto(proto, "small-embedder"));
}

std::map<std::string, torch::Tensor> weights(nn::OnnxGraphModuleImpl &m)
{
    std::map<std::string, torch::Tensor> out;
    for (const auto &name : m.initializerNames())
        out[name] = m.initializerValue(name).detach().clone();
    return out;
}

} // namespace

class TestTrain : public QObject
{
    Q_OBJECT
private slots:
    void lossMatchesHandComputedValue()
    {
        // Pair 1 (same): unit vectors (1,0) and (0,1): d^2 = 2.
        // Pair 2 (different): (3,4) and (6,8) are the same direction: d = 0, push = margin^2.
        // Pair 3 (different): (1,0) and (-2,0): d = 2 > margin: push = 0.
        // Pair 4 (same): (0,5) and (0,2): d = 0.
        const auto e1 = torch::tensor({1.f, 0.f, 3.f, 4.f, 1.f, 0.f, 0.f, 5.f}).reshape({4, 2});
        const auto e2 = torch::tensor({0.f, 1.f, 6.f, 8.f, -2.f, 0.f, 0.f, 2.f}).reshape({4, 2});
        const auto y = torch::tensor({1.f, 0.f, 0.f, 1.f});
        // (Tolerance: d is sqrt(d^2 + 1e-12), 1e-6 for identical directions.)
        QVERIFY(std::abs(train::contrastiveLoss(e1, e2, y, 1.0).item<double>() - (2.0 + 1.0 + 0.0 + 0.0) / 4) < 1e-5);
        // Margin 1.5 on the opposite pair (d = 2): still 0; on the identical pair: 2.25.
        QVERIFY(std::abs(train::contrastiveLoss(e1, e2, y, 1.5).item<double>() - (2.0 + 2.25) / 4) < 1e-5);
        // Pair of distance sqrt(2) under margin 2: (2 - sqrt 2)^2.
        const auto l = train::contrastiveLoss(e1.slice(0, 0, 1), e2.slice(0, 0, 1), torch::tensor({0.f}), 2.0);
        QVERIFY(std::abs(l.item<double>() - std::pow(2.0 - std::sqrt(2.0), 2)) < 1e-6);
        // The gradient is finite for identical faces of a same pair (no sqrt at 0).
        auto a = torch::tensor({{1.f, 2.f}}, torch::requires_grad());
        train::contrastiveLoss(a, a.detach().clone(), torch::tensor({1.f}), 1.0).backward();
        QVERIFY(torch::isfinite(a.grad()).all().item<bool>());
    }

    void separationMatchesBruteForce()
    {
        std::mt19937 rng(5);
        for (int trial = 0; trial < 200; ++trial) {
            const int n = 2 + int(rng() % 30);
            std::vector<double> s(static_cast<size_t>(n));
            std::vector<bool> y(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) {
                s[size_t(i)] = double(rng() % 7) / 7.0;   // many ties
                y[size_t(i)] = rng() % 2;
            }
            y[0] = true;
            y[1] = false;
            const train::Separation sep = train::separation(s, y);
            // Brute force: every threshold between/around the distinct scores; AUC by pair counting.
            double best = 0;
            std::vector<double> cands = s;
            cands.push_back(2.0);
            for (double t : cands) {
                int ok = 0;
                for (int i = 0; i < n; ++i)
                    ok += (s[size_t(i)] >= t) == y[size_t(i)];
                best = std::max(best, double(ok) / n);
            }
            double wins = 0, pairs = 0;
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < n; ++j)
                    if (y[size_t(i)] && !y[size_t(j)]) {
                        pairs += 1;
                        wins += s[size_t(i)] > s[size_t(j)] ? 1 : s[size_t(i)] == s[size_t(j)] ? 0.5 : 0;
                    }
            QCOMPARE(sep.accuracy, best);
            QVERIFY(std::abs(sep.auc - wins / pairs) < 1e-12);
            int ok = 0;
            for (int i = 0; i < n; ++i)
                ok += (s[size_t(i)] >= sep.threshold) == y[size_t(i)];
            QCOMPARE(double(ok) / n, sep.accuracy);   // the reported threshold gives that accuracy
        }
    }

    void farThresholdIsTheLowestWithinTheTarget()
    {
        std::mt19937 rng(9);
        for (int trial = 0; trial < 200; ++trial) {
            const int n = 4 + int(rng() % 40);
            std::vector<double> s(static_cast<size_t>(n));
            std::vector<bool> y(static_cast<size_t>(n));
            for (int i = 0; i < n; ++i) {
                s[size_t(i)] = double(rng() % 9) / 9.0;   // ties
                y[size_t(i)] = rng() % 2;
            }
            y[0] = true;
            y[1] = false;
            const double target = double(rng() % 50) / 100.0;
            const train::FarThreshold f = train::thresholdAtFar(s, y, target);
            int neg = 0, fa = 0, pos = 0, ta = 0;
            for (int i = 0; i < n; ++i) {
                (y[size_t(i)] ? pos : neg)++;
                if (s[size_t(i)] >= f.threshold)
                    (y[size_t(i)] ? ta : fa)++;
            }
            QVERIFY(double(fa) / neg <= target + 1e-12);
            QCOMPARE(f.far, double(fa) / neg);
            QCOMPARE(f.tar, double(ta) / pos);
            // Lowest: the highest rejected negative, accepted with its ties, would pass the target.
            double highestRejected = -2;
            for (int i = 0; i < n; ++i)
                if (!y[size_t(i)] && s[size_t(i)] < f.threshold)
                    highestRejected = std::max(highestRejected, s[size_t(i)]);
            if (highestRejected > -2) {
                int wouldAccept = 0;
                for (int i = 0; i < n; ++i)
                    wouldAccept += !y[size_t(i)] && s[size_t(i)] >= highestRejected;
                QVERIFY(double(wouldAccept) / neg > target);
            }
        }
    }

    void verdictGroupsFollowSameVerdictsTransitively()
    {
        // 0=1=2 (two "same"), 3=4, 5 alone; "different" 2-3 links groups {0,1,2} and {3,4}.
        const std::vector<train::FacePair> pairs{{0, 1, true}, {1, 2, true}, {3, 4, true}, {2, 3, false}, {0, 2, false}};
        const train::VerdictGroups g(6, pairs);
        QCOMPARE(g.groupCount(), 3);
        QCOMPARE(g.relation(0, 2), 1);    // never labelled together, same by transitivity
        QCOMPARE(g.relation(0, 4), -1);   // different by group: 0~2, 2 != 3, 3~4
        QCOMPARE(g.relation(4, 1), -1);
        QCOMPARE(g.relation(0, 5), 0);    // unknown
        QCOMPARE(g.negativeLinks(), 1);
        QCOMPARE(g.contradictions(), 1);  // 0-2 "different" inside one group
    }

    void multiSimilarityLossMatchesHandComputedValue()
    {
        // Three unit vectors: a=(1,0), b=(0.6,0.8), c=(0,1); cos(a,b)=0.6, cos(a,c)=0, cos(b,c)=0.8.
        const auto e = torch::tensor({2.f, 0.f, 0.6f, 0.8f, 0.f, 3.f}).reshape({3, 2});
        // a-b positive, a-c negative; b has only its positive, c only its negative.
        auto pos = torch::zeros({3, 3}, torch::kBool), neg = torch::zeros({3, 3}, torch::kBool);
        pos[0][1] = pos[1][0] = true;
        neg[0][2] = neg[2][0] = true;
        const double al = 2, be = 40, base = 0.5;
        const double lp = std::log1p(std::exp(-al * (0.6 - base))) / al;
        const double ln = std::log1p(std::exp(be * (0.0 - base))) / be;
        const double expected = ((lp + ln) + lp + ln) / 3;
        QVERIFY(std::abs(train::multiSimilarityLoss(e, pos, neg).item<double>() - expected) < 1e-6);
        // No relation at all: 0, and still differentiable.
        auto x = e.clone().requires_grad_(true);
        const auto none = torch::zeros({3, 3}, torch::kBool);
        auto l = train::multiSimilarityLoss(x, none, none);
        QCOMPARE(l.item<double>(), 0.0);
        l.backward();
    }

    void distillationHoldsUnlabelledFacesNearTheParent()
    {
        // Three more people, unlabelled: the anchors. With distillation their embeddings stay
        // closer to the parent's than without.
        train::TrainingSet set = traintest::syntheticPeople(8, 4);
        for (const cv::Mat &f : traintest::syntheticPeople(3, 4, 5).faces) {
            set.anchors.push_back(int(set.faces.size()));
            set.faces.push_back(f);
        }
        double cosine[2] = {0, 0};
        for (int withDistill : {0, 1}) {
            auto m = smallModule();
            train::ContrastiveOptions o;
            o.epochs = 4;
            o.batchPairs = 8;
            o.learningRate = 1e-2;
            o.distillWeight = withDistill ? 10.0 : 0.0;
            o.distillBatch = 8;
            train::ContrastiveTrainer trainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o);
            const train::TrainResult r = trainer.train(set);
            QVERIFY(std::abs(r.epochs.front().anchorCosine - 1.0) < 1e-5);   // epoch 0 is the parent
            cosine[withDistill] = r.epochs[size_t(r.bestEpoch)].anchorCosine;
        }
        QVERIFY2(cosine[1] > cosine[0], qPrintable(QString("anchor cosine without %1, with %2").arg(cosine[0]).arg(cosine[1])));
    }

    void trainingLowersLossAndKeepsFrozenPartsBitIdentical()
    {
        const train::TrainingSet set = traintest::syntheticPeople(8, 4);
        auto m = smallModule();
        const auto before = weights(*m);
        train::ContrastiveOptions o;
        o.epochs = 6;
        o.batchPairs = 8;
        o.learningRate = 3e-3;
        o.freezeFraction = 0.5;   // w1, b1, bn_s, bn_b of 8 parameter tensors
        train::ContrastiveTrainer trainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o);
        const train::TrainResult r = trainer.train(set);
        QCOMPARE(r.epochsRun, 6);
        QCOMPARE(int(r.epochs.size()), 7);
        QVERIFY2(r.epochs.back().trainLoss < r.epochs[1].trainLoss,
                 qPrintable(QString("loss %1 -> %2").arg(r.epochs[1].trainLoss).arg(r.epochs.back().trainLoss)));
        QVERIFY(r.bestEpoch >= 1);
        QVERIFY(r.frozenScalars > 0 && r.trainableScalars > 0);
        const auto after = weights(*m);
        QStringList frozen, moved;
        for (const auto &name : m->initializerNames()) {
            const bool same = torch::equal(before.at(name), after.at(name));
            (same ? frozen : moved) << QString::fromStdString(name);
        }
        // Parameters in file order: w1 b1 bn_s bn_b slope w2 b2 w3 b3 (9; floor(0.5*9) = 4 frozen).
        // BN statistics are buffers and stay (BN not trained).
        for (const char *n : {"w1", "b1", "bn_s", "bn_b", "bn_m", "bn_v"})
            QVERIFY2(frozen.contains(n), n);
        for (const char *n : {"slope", "w2", "w3", "b3"})
            QVERIFY2(moved.contains(n), n);
        // The kept weights are the best epoch's: validating them again gives its figures. Best is
        // the highest validation AUC of the trained epochs.
        const train::EpochStats again = trainer.validate(set);
        QCOMPARE(again.valAccuracy, r.epochs[size_t(r.bestEpoch)].valAccuracy);
        for (size_t e = 1; e < r.epochs.size(); ++e)
            QVERIFY(r.epochs[e].valAuc <= r.epochs[size_t(r.bestEpoch)].valAuc);
    }

    void freezePresetsCountBlocks()
    {
        using train::FreezePreset;
        QCOMPARE(train::frozenBlockCount(FreezePreset::Stem, 0, 26), std::size_t(1));
        QCOMPARE(train::frozenBlockCount(FreezePreset::Early, 0, 26), std::size_t(12));
        QCOMPARE(train::frozenBlockCount(FreezePreset::Backbone, 0, 26), std::size_t(25));
        QCOMPARE(train::frozenBlockCount(FreezePreset::Fraction, 0.5, 9), std::size_t(4));
        QCOMPARE(train::frozenBlockCount(FreezePreset::Fraction, 0.99, 9), std::size_t(8));   // the last block trains
        QCOMPARE(train::frozenBlockCount(FreezePreset::Backbone, 0, 1), std::size_t(0));
        for (FreezePreset p : {FreezePreset::Fraction, FreezePreset::Stem, FreezePreset::Early, FreezePreset::Backbone}) {
            FreezePreset back = FreezePreset::Fraction;
            QVERIFY(train::freezePresetFromName(train::freezePresetName(p), back));
            QCOMPARE(back, p);
        }
        FreezePreset unused;
        QVERIFY(!train::freezePresetFromName("everything", unused));

        // Backbone: only the head (the last block, here the last initializer) trains.
        const train::TrainingSet set = traintest::syntheticPeople(6, 3);
        auto m = smallModule();
        const auto before = weights(*m);
        train::ContrastiveOptions o;
        o.epochs = 2;
        o.batchPairs = 8;
        o.learningRate = 3e-3;
        o.freeze = FreezePreset::Backbone;
        train::ContrastiveTrainer trainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o);
        const train::TrainResult r = trainer.train(set);
        QCOMPARE(r.blocks, 9);
        QCOMPARE(r.frozenBlocks, 8);
        QVERIFY(!r.lastFrozenBlock.empty());
        const auto after = weights(*m);
        for (const auto &name : m->initializerNames()) {
            const bool same = torch::equal(before.at(name), after.at(name));
            QVERIFY2(same == (name != "b3"), name.c_str());
        }
    }

    void batchNormStatisticsMoveOnlyWhenAsked()
    {
        const train::TrainingSet set = traintest::syntheticPeople(6, 3);
        for (bool trainBn : {false, true}) {
            auto m = smallModule();
            const auto before = weights(*m);
            train::ContrastiveOptions o;
            o.epochs = 2;
            o.batchPairs = 8;
            o.trainBatchNorm = trainBn;
            train::ContrastiveTrainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o).train(set);
            QCOMPARE(!torch::equal(before.at("bn_m"), m->initializerValue("bn_m")), trainBn);
        }
    }

    void sameSeedSameWeights()
    {
        const train::TrainingSet set = traintest::syntheticPeople(6, 3);
        std::vector<std::map<std::string, torch::Tensor>> results;
        for (std::uint64_t seed : {11u, 11u, 12u}) {
            auto m = smallModule();
            train::ContrastiveOptions o;
            o.epochs = 2;
            o.batchPairs = 4;
            o.flipAugment = true;
            o.seed = seed;
            train::ContrastiveTrainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o).train(set);
            results.push_back(weights(*m));
        }
        for (const auto &[name, t] : results[0])
            QVERIFY2(torch::equal(t, results[1].at(name)), name.c_str());
        bool differs = false;
        for (const auto &[name, t] : results[0])
            differs |= !torch::equal(t, results[2].at(name));
        QVERIFY(differs);
    }

    void cancelMidEpochKeepsTheBestCompleteEpoch()
    {
        const train::TrainingSet set = traintest::syntheticPeople(8, 4);
        auto m = smallModule();
        train::ContrastiveOptions o;
        o.epochs = 5;
        o.batchPairs = 4;
        o.learningRate = 3e-3;
        std::map<std::string, torch::Tensor> atEpoch1;
        int steps = 0;
        train::TrainCallbacks cb;
        cb.onEpoch = [&](const train::EpochStats &e) {
            if (e.epoch == 1)
                atEpoch1 = weights(*m);
        };
        cb.onStep = [&](const train::StepStats &) { ++steps; };
        const int perEpoch = int((set.train.size() + 3) / 4);
        cb.cancelled = [&] { return steps >= perEpoch + perEpoch / 2; };   // half-way through epoch 2
        const train::TrainResult r = train::ContrastiveTrainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o).train(set, cb);
        QVERIFY(r.cancelled);
        QCOMPARE(r.epochsRun, 1);
        QCOMPARE(r.bestEpoch, 1);
        QVERIFY(!atEpoch1.empty());
        for (const auto &[name, t] : atEpoch1)
            QVERIFY2(torch::equal(t, m->initializerValue(name)), name.c_str());

        // Cancelled before any epoch ended: the starting weights come back.
        auto fresh = smallModule();
        const auto start = weights(*fresh);
        cb = {};
        int n = 0;
        cb.cancelled = [&] { return ++n > 2; };
        const train::TrainResult r0 = train::ContrastiveTrainer(nn::FaceModel(fresh, traintest::smallSpec(), "small-embedder"), o).train(set, cb);
        QVERIFY(r0.cancelled);
        QCOMPARE(r0.bestEpoch, 0);
        for (const auto &[name, t] : start)
            QVERIFY2(torch::equal(t, fresh->initializerValue(name)), name.c_str());
    }

    void resumeFromACheckpointMatchesTheUnbrokenRun()
    {
        train::TrainingSet set = traintest::syntheticPeople(8, 4);
        set.anchors = {0, 5, 9, 14, 22};
        train::ContrastiveOptions o;
        o.epochs = 3;
        o.batchPairs = 4;
        o.learningRate = 3e-3;
        o.flipAugment = true;
        o.distillBatch = 2;
        o.l2spWeight = 0.01;
        auto unbrokenModule = smallModule();
        const train::TrainResult unbroken =
            train::ContrastiveTrainer(nn::FaceModel(unbrokenModule, traintest::smallSpec(), "small-embedder"), o).train(set);

        QTemporaryDir dir;
        o.checkpointPath = (dir.path() + "/run.ckpt").toStdString();
        o.checkpointEvery = 3;
        o.resume = true;
        const int perEpoch = int((set.train.size() + 3) / 4);
        // Stopped mid-epoch 2, then at the end of epoch 2 (a checkpoint at an epoch boundary).
        for (int stopAfter : {perEpoch + perEpoch / 2 + 1, 2 * perEpoch}) {
            QFile::remove(QString::fromStdString(o.checkpointPath));
            int steps = 0;
            train::TrainCallbacks cb;
            cb.onStep = [&](const train::StepStats &) { ++steps; };
            cb.cancelled = [&] { return steps >= stopAfter; };
            QVERIFY(train::ContrastiveTrainer(nn::FaceModel(smallModule(), traintest::smallSpec(), "small-embedder"), o)
                        .train(set, cb).cancelled);
            QVERIFY(QFile::exists(QString::fromStdString(o.checkpointPath)));
            QVERIFY(!QFile::exists(QString::fromStdString(o.checkpointPath + ".part")));
            auto resumedModule = smallModule();
            int epochsSeen = 0;
            train::TrainCallbacks cb2;
            cb2.onEpoch = [&](const train::EpochStats &) { ++epochsSeen; };
            const train::TrainResult resumed =
                train::ContrastiveTrainer(nn::FaceModel(resumedModule, traintest::smallSpec(), "small-embedder"), o).train(set, cb2);
            QVERIFY(resumed.resumedFromStep > 0 && resumed.resumedFromStep <= stopAfter);
            QCOMPARE(epochsSeen, 4);   // the saved epochs replayed, then the rest
            QCOMPARE(resumed.bestEpoch, unbroken.bestEpoch);
            QCOMPARE(resumed.epochs.size(), unbroken.epochs.size());
            for (size_t e = 0; e < unbroken.epochs.size(); ++e) {
                if (e > 0)   // epoch 0 has no training loss (NaN)
                    QCOMPARE(resumed.epochs[e].trainLoss, unbroken.epochs[e].trainLoss);
                QCOMPARE(resumed.epochs[e].valLoss, unbroken.epochs[e].valLoss);
            }
            for (const auto &[name, t] : weights(*unbrokenModule))
                QVERIFY2(torch::equal(t, resumedModule->initializerValue(name)), name.c_str());
        }
    }

    void aCheckpointThatDoesNotFitIsRefused()
    {
        const train::TrainingSet set = traintest::syntheticPeople(6, 3);
        QTemporaryDir dir;
        train::ContrastiveOptions o;
        o.epochs = 1;
        o.batchPairs = 8;
        o.checkpointPath = (dir.path() + "/run.ckpt").toStdString();
        train::ContrastiveTrainer(nn::FaceModel(smallModule(), traintest::smallSpec(), "small-embedder"), o).train(set);
        QVERIFY(QFile::exists(QString::fromStdString(o.checkpointPath)));
        auto expectRefusal = [&](const train::ContrastiveOptions &opts, const char *needle) {
            auto m = smallModule();
            const auto before = weights(*m);
            try {
                train::ContrastiveTrainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), opts).train(set);
                QFAIL("no error");
            } catch (const train::TrainingError &e) {
                const std::string msg = e.what();
                QVERIFY2(msg.find(opts.checkpointPath) != std::string::npos && msg.find(needle) != std::string::npos, e.what());
            }
            for (const auto &[name, t] : before)
                QVERIFY2(torch::equal(t, m->initializerValue(name)), name.c_str());
        };
        train::ContrastiveOptions other = o;
        other.resume = true;
        other.seed = 99;
        expectRefusal(other, "seed");
        QFile f(QString::fromStdString(o.checkpointPath));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("not a checkpoint");
        f.close();
        other.seed = o.seed;
        expectRefusal(other, "cannot resume");
    }

    void badInputIsRefusedWithAMessage()
    {
        auto m = smallModule();
        train::ContrastiveTrainer trainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), {});
        train::TrainingSet set = traintest::syntheticPeople(4, 3);
        auto expectError = [&](train::TrainingSet s, const char *needle) {
            try {
                trainer.train(s);
                QFAIL("no error");
            } catch (const train::TrainingError &e) {
                QVERIFY2(QString(e.what()).contains(needle), e.what());
            }
        };
        train::TrainingSet oneClass = set;
        for (auto &p : oneClass.train)
            p.same = true;
        expectError(oneClass, "all \"same\"");
        train::TrainingSet empty = set;
        empty.train.clear();
        expectError(empty, "no training pairs");
        train::TrainingSet badIndex = set;
        badIndex.validation.push_back({0, 999, true});
        expectError(badIndex, "refers to face 999");
        train::TrainingSet gray = set;
        gray.faces[0] = cv::Mat(16, 16, CV_8UC1, cv::Scalar(0));
        expectError(gray, "not an 8-bit colour image");

        for (auto bad : {std::make_pair(0, 1e-4), std::make_pair(3, 0.0), std::make_pair(3, 2.0)}) {
            train::ContrastiveOptions o;
            o.epochs = bad.first;
            o.learningRate = bad.second;
            QVERIFY_THROWS_EXCEPTION(train::TrainingError, train::ContrastiveTrainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o));
        }
        train::ContrastiveOptions o;
        o.margin = 3;
        QVERIFY_THROWS_EXCEPTION(train::TrainingError, train::ContrastiveTrainer(nn::FaceModel(m, traintest::smallSpec(), "small-embedder"), o));
    }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "test_train.moc"

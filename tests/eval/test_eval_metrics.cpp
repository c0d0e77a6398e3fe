// Verification metrics: hand-computed cases, brute force on many small random cases (heavy ties
// included), and the inputs that must fail loudly (no pairs, one class, NaN scores, bad folds).
#include "eval/EvalError.h"
#include "eval/Evaluation.h"

#include <QtTest>
#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace facelab::eval;

namespace {
using Scores = std::vector<double>;
using Labels = std::vector<unsigned char>;

// ---- brute force: every candidate threshold, every pair, no sorting tricks ----
qint64 correctAt(const Scores &s, const Labels &y, double t, std::size_t skipB = 0, std::size_t skipE = 0)
{
    qint64 c = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!(i >= skipB && i < skipE))
            c += ((s[i] >= t) == bool(y[i])) ? 1 : 0;
    return c;
}

// Candidate thresholds highest first: above everything, between neighbours, the lowest score.
std::vector<double> candidates(const Scores &s, const Labels &, std::size_t skipB = 0, std::size_t skipE = 0)
{
    std::set<double, std::greater<double>> d;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!(i >= skipB && i < skipE))
            d.insert(s[i]);
    std::vector<double> v(d.begin(), d.end()), c;
    c.push_back(thresholdAbove(v.front()));
    for (std::size_t i = 0; i + 1 < v.size(); ++i)
        c.push_back(thresholdBetween(v[i], v[i + 1]));
    c.push_back(v.back());
    return c;
}

std::pair<double, qint64> bruteBest(const Scores &s, const Labels &y, std::size_t skipB = 0, std::size_t skipE = 0)
{
    double bestT = 0;
    qint64 best = -1;
    for (double t : candidates(s, y, skipB, skipE)) {
        const qint64 c = correctAt(s, y, t, skipB, skipE);
        if (c > best) {   // strictly better: ties keep the higher threshold
            best = c;
            bestT = t;
        }
    }
    return {bestT, best};
}

double bruteAuc(const Scores &s, const Labels &y)
{
    double num = 0, P = 0, N = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        (y[i] ? P : N) += 1;
        if (!y[i])
            continue;
        for (std::size_t j = 0; j < s.size(); ++j)
            if (!y[j])
                num += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
    }
    return num / (P * N);
}

struct BrutePoint
{
    double t, far, tar;
    qint64 fp;
};

std::vector<BrutePoint> bruteRoc(const Scores &s, const Labels &y)
{
    std::set<double, std::greater<double>> d(s.begin(), s.end());
    double P = 0, N = 0;
    for (unsigned char v : y)
        (v ? P : N) += 1;
    std::vector<BrutePoint> pts{{std::numeric_limits<double>::infinity(), 0, 0, 0}};
    for (double t : d) {
        qint64 tp = 0, fp = 0;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s[i] >= t)
                (y[i] ? tp : fp)++;
        pts.push_back({t, fp / N, tp / P, fp});
    }
    return pts;
}

// EER and the thresholds of the two points around the crossing.
std::tuple<double, double, double> bruteEer(const std::vector<BrutePoint> &pts)
{
    for (std::size_t c = 1; c < pts.size(); ++c) {
        const double da = 1 - pts[c - 1].tar - pts[c - 1].far, db = 1 - pts[c].tar - pts[c].far;
        if (db <= 0)
            return {pts[c - 1].far + da / (da - db) * (pts[c].far - pts[c - 1].far), pts[c - 1].t, pts[c].t};
    }
    return {-1, 0, 0};
}

std::optional<double> bruteTar(const std::vector<BrutePoint> &pts, qint64 negatives, double far)
{
    if (double(negatives) * far < 1 - 1e-9)
        return std::nullopt;
    double best = 0;
    for (const BrutePoint &p : pts)
        if (double(p.fp) <= far * double(negatives) + 1e-9)
            best = std::max(best, p.tar);
    return best;
}

// Random case: scores from a few distinct values when ties are wanted, both classes present.
void randomCase(std::mt19937 &rng, Scores &s, Labels &y)
{
    const int n = std::uniform_int_distribution<int>(2, 60)(rng);
    const int mode = std::uniform_int_distribution<int>(0, 3)(rng);
    const int distinct = mode == 0 ? 1 : mode == 1 ? 3 : mode == 2 ? 8 : 1000000;
    s.assign(std::size_t(n), 0);
    y.assign(std::size_t(n), 0);
    for (int i = 0; i < n; ++i) {
        y[std::size_t(i)] = std::uniform_int_distribution<int>(0, 1)(rng);
        // Same pairs lean higher, so curves are not just noise.
        const int v = std::uniform_int_distribution<int>(0, distinct - 1)(rng);
        s[std::size_t(i)] = double(v) / distinct + (y[std::size_t(i)] && distinct > 1 ? 0.25 : 0.0) - 0.5;
    }
    y[0] = 1;
    y[1] = 0;
}
} // namespace

class EvalMetricsTest : public QObject
{
    Q_OBJECT
private slots:
    void handComputedDistinctScores();
    void handComputedTiedGroupMovesTogether();
    void handComputedTarAtFar();
    void foldBoundariesLikeScikitLearn();
    void matchesBruteForceOnRandomCases();
    void kfoldMatchesBruteForce();
    void confusionRatesUndefinedNotZero();
    void rejectsWhatCannotBeEvaluated_data();
    void rejectsWhatCannotBeEvaluated();
};

void EvalMetricsTest::handComputedDistinctScores()
{
    const Scores s{0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    const Labels y{1, 1, 0, 1, 0, 0};
    EvalOptions o;
    o.threshold = 0.65;
    o.folds = 3;
    const EvalResult r = evaluateScores(s, y, o);
    QCOMPARE(r.auc, 8.0 / 9.0);   // 8 of 9 (same, different) pairs ranked right
    QCOMPARE(r.atThreshold.tp, 2);
    QCOMPARE(r.atThreshold.fp, 1);
    QCOMPARE(r.atThreshold.fn, 1);
    QCOMPARE(r.atThreshold.tn, 2);
    QCOMPARE(r.atThreshold.accuracy(), 4.0 / 6.0);
    QCOMPARE(*r.atThreshold.precision(), 2.0 / 3.0);
    QCOMPARE(*r.atThreshold.recall(), 2.0 / 3.0);
    QCOMPARE(*r.atThreshold.f1(), 2.0 / 3.0);
    QCOMPARE(r.thresholdSource, QStringLiteral("given"));
    // FAR = FRR = 1/3 exactly at the point of score 0.7.
    QCOMPARE(r.eer, 1.0 / 3.0);
    QCOMPARE(r.eerThreshold, 0.7);
    // Best: 0.9, 0.8 same, the rest different (5 of 6); threshold midway between 0.8 and 0.7.
    QCOMPARE(r.best.correct, 5);
    QCOMPARE(r.best.threshold, 0.75);
    const QVector<std::pair<double, double>> roc = {{0, 0}, {0, 1. / 3}, {0, 2. / 3}, {1. / 3, 2. / 3},
                                                    {1. / 3, 1}, {2. / 3, 1}, {1, 1}};
    QCOMPARE(int(r.roc.points().size()), roc.size());
    for (int i = 0; i < roc.size(); ++i) {
        QCOMPARE(r.roc.points()[std::size_t(i)].far, roc[i].first);
        QCOMPARE(r.roc.points()[std::size_t(i)].tar, roc[i].second);
    }
    // 3 negatives: no TAR at any FAR <= 1e-1 is measurable, and the notes say so.
    for (const TarAtFar &t : r.tarAtFar)
        QVERIFY(!t.tar);
    QCOMPARE(r.notes.filter(QStringLiteral("not measurable")).size(), 4);
    // 3 folds of 2: thresholds from the other folds give 1, 0, 1 (worked by hand).
    QCOMPARE(r.kfold.perFold.size(), 3);
    QCOMPARE(r.kfold.perFold[0].accuracy, 1.0);
    QCOMPARE(r.kfold.perFold[1].threshold, 0.65);
    QCOMPARE(r.kfold.perFold[1].accuracy, 0.0);
    QCOMPARE(r.kfold.perFold[2].threshold, 0.75);
    QCOMPARE(r.kfold.perFold[2].accuracy, 1.0);
    QCOMPARE(r.kfold.accuracyMean, 2.0 / 3.0);
    QVERIFY(std::abs(r.kfold.accuracyStd - std::sqrt(2.0 / 9.0)) < 1e-15);
    const QJsonObject j = r.toJson();
    QCOMPARE(j.value("tp").toInt(), 2);
    QVERIFY(j.value("tar_at_far").toObject().value("1e-1").isNull());
}

void EvalMetricsTest::handComputedTiedGroupMovesTogether()
{
    // Four pairs share 0.5 (two same, two different): no threshold can split them.
    const Scores s{0.9, 0.5, 0.5, 0.5, 0.5, 0.1};
    const Labels y{1, 1, 0, 1, 0, 0};
    const EvalResult r = evaluateScores(s, y, EvalOptions{std::nullopt, 2});
    QCOMPARE(r.auc, 7.0 / 9.0);   // ties count half
    QCOMPARE(int(r.roc.points().size()), 4);
    QCOMPARE(r.roc.points()[2].far, 2.0 / 3.0);   // one step from (0, 1/3) to (2/3, 1)
    QCOMPARE(r.roc.points()[2].tar, 1.0);
    QCOMPARE(r.eer, 1.0 / 3.0);                   // midway along that step
    QCOMPARE(r.best.correct, 4);
    QCOMPARE(r.best.threshold, 0.7);
    QCOMPARE(r.threshold, 0.7);
    QCOMPARE(r.thresholdSource, QStringLiteral("best_accuracy"));
}

void EvalMetricsTest::handComputedTarAtFar()
{
    Scores s;
    Labels y;
    for (int i = 0; i < 10; ++i) {   // ten different pairs at 0.0 .. 0.9
        s.push_back(i / 10.0);
        y.push_back(0);
    }
    for (double v : {0.95, 0.85, 0.55, 0.05}) {
        s.push_back(v);
        y.push_back(1);
    }
    const EvalResult r = evaluateScores(s, y, EvalOptions{});
    // FAR <= 0.1 allows one false accept (0.9): 0.95 and 0.85 accepted, TAR 2/4 at threshold 0.85.
    QVERIFY(r.tarAtFar[0].tar);
    QCOMPARE(*r.tarAtFar[0].tar, 0.5);
    QCOMPARE(*r.tarAtFar[0].threshold, 0.85);
    QVERIFY(!r.tarAtFar[1].tar);   // 1e-2 needs 100 different pairs
    QCOMPARE(r.tarAtFar[1].negativesNeeded, 100);
    QVERIFY(r.notes.join("\n").contains("TAR at FAR 1e-2 not measurable: 10 different pairs, needs at least 100"));
}

void EvalMetricsTest::foldBoundariesLikeScikitLearn()
{
    QCOMPARE(foldBoundaries(23, 10), (std::vector<std::size_t>{0, 3, 6, 9, 11, 13, 15, 17, 19, 21, 23}));
    QCOMPARE(foldBoundaries(6000, 10)[1], std::size_t(600));
}

void EvalMetricsTest::matchesBruteForceOnRandomCases()
{
    for (unsigned seed = 1; seed <= 400; ++seed) {
        std::mt19937 rng(seed);
        Scores s;
        Labels y;
        randomCase(rng, s, y);
        const QByteArray where = "seed " + QByteArray::number(seed);
        EvalOptions o;
        o.folds = 2;
        o.threshold = std::uniform_real_distribution<double>(-0.6, 0.8)(rng);
        const EvalResult r = evaluateScores(s, y, o);

        QVERIFY2(std::abs(r.auc - bruteAuc(s, y)) < 1e-12, where);
        const auto [bt, bc] = bruteBest(s, y);
        QVERIFY2(r.best.correct == bc, where);
        QVERIFY2(r.best.threshold == bt, where);
        QVERIFY2(correctAt(s, y, r.best.threshold) == bc, where);

        const std::vector<BrutePoint> pts = bruteRoc(s, y);
        QVERIFY2(pts.size() == r.roc.points().size(), where);
        for (std::size_t i = 0; i < pts.size(); ++i) {
            QVERIFY2(r.roc.points()[i].far == pts[i].far && r.roc.points()[i].tar == pts[i].tar, where);
            QVERIFY2(r.roc.points()[i].threshold == pts[i].t, where);
        }
        const auto [eer, tBefore, tAfter] = bruteEer(pts);
        QVERIFY2(std::abs(r.eer - eer) < 1e-12, where);
        // The EER threshold is one of the two points around the crossing, and finite.
        QVERIFY2(std::isfinite(r.eerThreshold) && (r.eerThreshold == tBefore || r.eerThreshold == tAfter), where);

        qint64 tp = 0, tn = 0, fp = 0, fn = 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            const bool p = s[i] >= *o.threshold;
            (y[i] ? (p ? tp : fn) : (p ? fp : tn))++;
        }
        QVERIFY2(r.atThreshold.tp == tp && r.atThreshold.tn == tn && r.atThreshold.fp == fp && r.atThreshold.fn == fn, where);
        for (int f = 0; f < standardFars().size(); ++f) {
            const auto bt2 = bruteTar(pts, r.negatives, standardFars()[f].first);
            QVERIFY2(bool(bt2) == bool(r.tarAtFar[f].tar), where);
            if (bt2)
                QVERIFY2(*bt2 == *r.tarAtFar[f].tar, where);
        }
    }
}

void EvalMetricsTest::kfoldMatchesBruteForce()
{
    for (unsigned seed = 1; seed <= 300; ++seed) {
        std::mt19937 rng(seed * 7919u);
        Scores s;
        Labels y;
        randomCase(rng, s, y);
        const int k = std::uniform_int_distribution<int>(2, std::min<int>(10, int(s.size())))(rng);
        const EvalResult r = evaluateScores(s, y, EvalOptions{std::nullopt, k});
        const std::vector<std::size_t> b = foldBoundaries(s.size(), k);
        double sum = 0;
        std::vector<double> acc;
        for (int f = 0; f < k; ++f) {
            const auto [t, c] = bruteBest(s, y, b[f], b[f + 1]);
            Q_UNUSED(c);
            qint64 right = 0;
            for (std::size_t i = b[f]; i < b[f + 1]; ++i)
                right += ((s[i] >= t) == bool(y[i])) ? 1 : 0;
            acc.push_back(double(right) / double(b[f + 1] - b[f]));
            sum += acc.back();
            QVERIFY2(r.kfold.perFold[f].threshold == t, "seed " + QByteArray::number(seed));
            QVERIFY2(r.kfold.perFold[f].accuracy == acc.back(), "seed " + QByteArray::number(seed));
        }
        const double mean = sum / k;
        double sq = 0;
        for (double a : acc)
            sq += (a - mean) * (a - mean);
        QVERIFY(std::abs(r.kfold.accuracyMean - mean) < 1e-12);
        QVERIFY(std::abs(r.kfold.accuracyStd - std::sqrt(sq / k)) < 1e-12);
    }
}

void EvalMetricsTest::confusionRatesUndefinedNotZero()
{
    // A threshold above every score: nothing predicted same, so precision is undefined.
    const EvalResult r = evaluateScores({0.1, 0.2, 0.3}, {1, 0, 1}, EvalOptions{0.9, 2});
    QVERIFY(!r.atThreshold.precision());
    QCOMPARE(*r.atThreshold.recall(), 0.0);
    QCOMPARE(*r.atThreshold.f1(), 0.0);
    QVERIFY(r.toJson().value("precision").isNull());
    QVERIFY(r.notes.join("\n").contains("precision undefined"));
    bool hasPrecision = false;
    for (const auto &m : r.metricValues())
        hasPrecision |= m.first == QLatin1String("precision");
    QVERIFY(!hasPrecision);
}

void EvalMetricsTest::rejectsWhatCannotBeEvaluated_data()
{
    QTest::addColumn<QVector<double>>("scores");
    QTest::addColumn<QVector<int>>("labels");
    QTest::addColumn<int>("folds");
    QTest::addColumn<QString>("message");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    QTest::newRow("no pairs") << QVector<double>{} << QVector<int>{} << 10 << "no pairs with known truth";
    QTest::newRow("all same") << QVector<double>{0.1, 0.5, 0.9} << QVector<int>{1, 1, 1} << 2 << "all 3 pairs with known truth under v1 are 'same'";
    QTest::newRow("all different") << QVector<double>{0.1, 0.5} << QVector<int>{0, 0} << 2 << "are 'different'";
    QTest::newRow("nan") << QVector<double>{0.1, nan, nan, 0.3, nan} << QVector<int>{1, 0, 1, 0, 1} << 2
                         << "3 pairs have NaN scores under v1";
    QTest::newRow("infinite") << QVector<double>{0.1, std::numeric_limits<double>::infinity(), 0.2} << QVector<int>{1, 0, 0}
                              << 2 << "1 pairs have infinite scores under v1";
    QTest::newRow("too many folds") << QVector<double>{0.1, 0.2, 0.3} << QVector<int>{1, 0, 1} << 4 << "4 folds asked for 3 pairs";
    QTest::newRow("one fold") << QVector<double>{0.1, 0.2, 0.3} << QVector<int>{1, 0, 1} << 1 << "k-fold needs 2 <= folds";
}

void EvalMetricsTest::rejectsWhatCannotBeEvaluated()
{
    QFETCH(QVector<double>, scores);
    QFETCH(QVector<int>, labels);
    QFETCH(int, folds);
    QFETCH(QString, message);
    const Scores s(scores.begin(), scores.end());
    Labels y;
    for (int l : labels)
        y.push_back(static_cast<unsigned char>(l));
    try {
        evaluateScores(s, y, EvalOptions{std::nullopt, folds}, QStringLiteral("v1"));
        QFAIL("no error for input that cannot be evaluated");
    } catch (const EvalError &e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
    }
}

QTEST_GUILESS_MAIN(EvalMetricsTest)
#include "test_eval_metrics.moc"

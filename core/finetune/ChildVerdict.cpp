#include "ChildVerdict.h"

#include <QJsonArray>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

namespace facelab::finetune {

namespace {

constexpr double z95 = 1.959963984540054;

QJsonArray pairOf(const Interval &i) { return QJsonArray{i.low, i.high}; }

QString signedNum(double v, int digits = 3)
{
    return (v >= 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'f', digits);
}

QString ciText(const Interval &i, int digits = 3)
{
    return QStringLiteral("95% CI %1 to %2").arg(signedNum(i.low, digits), signedNum(i.high, digits));
}

double accuracyAt(const std::vector<double> &s, const std::vector<unsigned char> &y, const std::vector<size_t> &idx,
                  double t)
{
    size_t ok = 0;
    for (size_t i : idx)
        ok += (s[i] >= t) == bool(y[i]);
    return idx.empty() ? 0 : double(ok) / double(idx.size());
}

double aucAt(const std::vector<double> &s, const std::vector<unsigned char> &y, const std::vector<size_t> &idx)
{
    std::vector<double> ss;
    std::vector<unsigned char> yy;
    ss.reserve(idx.size());
    yy.reserve(idx.size());
    for (size_t i : idx) {
        ss.push_back(s[i]);
        yy.push_back(y[i]);
    }
    return aucOf(ss, yy);
}

double percentile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    const double pos = q * double(v.size() - 1);
    const size_t lo = size_t(std::floor(pos)), hi = size_t(std::ceil(pos));
    return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

} // namespace

Interval wilsonInterval(double k, double n)
{
    if (n <= 0)
        return {0, 1};
    const double p = k / n, z2 = z95 * z95;
    const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    const double half = z95 * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval hanleyMcNeilInterval(double auc, double nPos, double nNeg)
{
    if (nPos <= 0 || nNeg <= 0)
        return {0, 1};
    const double q1 = auc / (2 - auc), q2 = 2 * auc * auc / (1 + auc);
    const double var = (auc * (1 - auc) + (nPos - 1) * (q1 - auc * auc) + (nNeg - 1) * (q2 - auc * auc)) / (nPos * nNeg);
    const double half = z95 * std::sqrt(std::max(0.0, var));
    return {std::max(0.0, auc - half), std::min(1.0, auc + half)};
}

double aucOf(const std::vector<double> &scores, const std::vector<unsigned char> &same)
{
    const size_t n = std::min(scores.size(), same.size());
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
    // Rank sum of the positives, ties given their mean rank.
    double rankSum = 0, pos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && scores[order[j]] == scores[order[i]])
            ++j;
        const double meanRank = 0.5 * double(i + 1 + j);
        for (size_t k = i; k < j; ++k)
            if (same[order[k]]) {
                rankSum += meanRank;
                pos += 1;
            }
        i = j;
    }
    const double neg = double(n) - pos;
    if (pos == 0 || neg == 0)
        return 0.5;
    return (rankSum - pos * (pos + 1) / 2) / (pos * neg);
}

QJsonObject PairedComparison::toJson() const
{
    auto side = [](const SideFigures &f) {
        return QJsonObject{{"accuracy", f.accuracy},
                           {"accuracy_ci95", pairOf(f.accuracyCi)},
                           {"auc", f.auc},
                           {"auc_ci95", pairOf(f.aucCi)},
                           {"accuracy_at_best_accuracy_threshold", f.accuracyAtBestAccThreshold},
                           {"tp", f.tp},
                           {"tn", f.tn},
                           {"fp", f.fp},
                           {"fn", f.fn}};
    };
    return QJsonObject{{"pairs", pairs},
                       {"positives", positives},
                       {"negatives", negatives},
                       {"parent", side(parent)},
                       {"child", side(child)},
                       {"delta_accuracy", deltaAccuracy},
                       {"delta_accuracy_ci95", pairOf(deltaAccuracyCi)},
                       {"delta_auc", deltaAuc},
                       {"delta_auc_ci95", pairOf(deltaAucCi)}};
}

PairedComparison comparePaired(const PairedScores &s, int bootstrap, quint64 seed)
{
    const size_t n = s.same.size();
    if (s.parent.size() != n || s.child.size() != n)
        throw std::invalid_argument("comparePaired: parent, child and truth differ in length");
    PairedComparison c;
    c.pairs = qint64(n);
    c.positives = std::count(s.same.begin(), s.same.end(), 1);
    c.negatives = c.pairs - c.positives;
    if (c.positives == 0 || c.negatives == 0)
        throw std::invalid_argument("comparePaired: both same and different pairs are needed");
    std::vector<size_t> all(n);
    std::iota(all.begin(), all.end(), size_t(0));
    auto fill = [&](SideFigures &f, const std::vector<double> &sc, double t, double tBest) {
        for (size_t i = 0; i < n; ++i) {
            const bool accept = sc[i] >= t;
            if (s.same[i])
                (accept ? f.tp : f.fn)++;
            else
                (accept ? f.fp : f.tn)++;
        }
        f.accuracy = double(f.tp + f.tn) / double(n);
        f.accuracyCi = wilsonInterval(double(f.tp + f.tn), double(n));
        f.auc = aucOf(sc, s.same);
        f.aucCi = hanleyMcNeilInterval(f.auc, double(c.positives), double(c.negatives));
        f.accuracyAtBestAccThreshold = accuracyAt(sc, s.same, all, tBest);
    };
    fill(c.parent, s.parent, s.parentThreshold, s.parentBestAccThreshold);
    fill(c.child, s.child, s.childThreshold, s.childBestAccThreshold);
    c.deltaAccuracy = c.child.accuracy - c.parent.accuracy;
    c.deltaAuc = c.child.auc - c.parent.auc;

    // Paired bootstrap: the same resampled pairs for both versions, so what the pairs share
    // (their difficulty) cancels out of the change.
    std::mt19937_64 rng(seed);
    std::vector<double> dAcc, dAuc;
    std::vector<size_t> idx(n);
    for (int b = 0; b < bootstrap; ++b) {
        for (size_t i = 0; i < n; ++i)
            idx[i] = size_t(rng() % n);
        dAcc.push_back(accuracyAt(s.child, s.same, idx, s.childThreshold) - accuracyAt(s.parent, s.same, idx, s.parentThreshold));
        dAuc.push_back(aucAt(s.child, s.same, idx) - aucAt(s.parent, s.same, idx));
    }
    if (bootstrap > 1) {
        c.deltaAccuracyCi = {percentile(dAcc, 0.025), percentile(dAcc, 0.975)};
        c.deltaAucCi = {percentile(dAuc, 0.025), percentile(dAuc, 0.975)};
    } else {
        c.deltaAccuracyCi = {c.deltaAccuracy, c.deltaAccuracy};
        c.deltaAucCi = {c.deltaAuc, c.deltaAuc};
    }
    return c;
}

QJsonObject ForgettingFigures::toJson() const
{
    return QJsonObject{{"project", project},
                       {"pairs", pairs},
                       {"parent_accuracy", parentAccuracy},
                       {"child_accuracy", childAccuracy},
                       {"parent_accuracy_ci95", pairOf(parentAccuracyCi)},
                       {"child_accuracy_ci95", pairOf(childAccuracyCi)},
                       {"parent_auc", parentAuc},
                       {"child_auc", childAuc},
                       {"accuracy_loss", parentAccuracy - childAccuracy},
                       {"auc_loss", parentAuc - childAuc}};
}

ChildVerdict judgeChild(const std::optional<PairedComparison> &comparison, bool unseenPeople,
                        const std::optional<ForgettingFigures> &forgetting, const VerdictLimits &limits)
{
    ChildVerdict v;
    bool worse = false, gain = false;
    QString headline;
    const QString who = unseenPeople ? QStringLiteral("people never trained on") : QStringLiteral("test pairs (people also trained on)");
    if (comparison) {
        const PairedComparison &c = *comparison;
        const QString aucLine = QStringLiteral("on %1 pairs of %2, AUC %3 -> %4 (%5, %6)")
                                    .arg(c.pairs).arg(who).arg(c.parent.auc, 0, 'f', 3).arg(c.child.auc, 0, 'f', 3)
                                    .arg(signedNum(c.deltaAuc), ciText(c.deltaAucCi));
        const QString accLine = QStringLiteral("accuracy at each version's validation threshold %1 -> %2 (%3, %4; FP %5 -> %6, FN %7 -> %8)")
                                    .arg(c.parent.accuracy, 0, 'f', 3).arg(c.child.accuracy, 0, 'f', 3)
                                    .arg(signedNum(c.deltaAccuracy), ciText(c.deltaAccuracyCi))
                                    .arg(c.parent.fp).arg(c.child.fp).arg(c.parent.fn).arg(c.child.fn);
        v.reasons << aucLine << accLine;
        if (c.deltaAucCi.high < 0) {
            worse = true;
            headline = QStringLiteral("its AUC fell on %1").arg(who);
        } else if (c.deltaAccuracyCi.high < 0) {
            worse = true;
            headline = QStringLiteral("its accuracy fell on %1").arg(who);
        }
        gain = c.deltaAucCi.low > 0 && c.deltaAccuracy >= 0;
        if (!worse && !gain)
            headline = c.deltaAucCi.low <= 0 && c.deltaAucCi.high >= 0
                           ? QStringLiteral("the change in AUC on %1 is within the noise of %2 pairs").arg(who).arg(c.pairs)
                           : QStringLiteral("its accuracy on %1 fell").arg(who);
        if (gain && !unseenPeople) {
            gain = false;
            headline = QStringLiteral("the gain is on test pairs whose people were also trained on, so it does not show "
                                      "that the child is better on people it has never seen");
        }
    } else {
        v.reasons << QStringLiteral("no held-out test pairs to judge the child on");
        headline = QStringLiteral("there are no held-out test pairs to judge it on");
    }
    if (forgetting) {
        const ForgettingFigures &f = *forgetting;
        const double accLoss = f.parentAccuracy - f.childAccuracy, aucLoss = f.parentAuc - f.childAuc;
        v.reasons << QStringLiteral("parent's domain (%1, %2 pairs): 10-fold accuracy %3 -> %4, AUC %5 -> %6")
                         .arg(f.project).arg(f.pairs).arg(f.parentAccuracy, 0, 'f', 4).arg(f.childAccuracy, 0, 'f', 4)
                         .arg(f.parentAuc, 0, 'f', 4).arg(f.childAuc, 0, 'f', 4);
        if (accLoss > limits.maxAccuracyLoss || aucLoss > limits.maxAucLoss) {
            worse = true;
            headline = QStringLiteral("it forgets: on the parent's domain it loses %1 points of accuracy and %2 AUC "
                                      "(limits %3 and %4)")
                           .arg(100 * accLoss, 0, 'f', 1).arg(aucLoss, 0, 'f', 3)
                           .arg(100 * limits.maxAccuracyLoss, 0, 'f', 1).arg(limits.maxAucLoss, 0, 'f', 3);
        }
    } else {
        v.reasons << QStringLiteral("forgetting on the parent's own domain was not measured (no reference project)");
    }
    if (worse) {
        v.verdict = QStringLiteral("worse");
        v.summary = QStringLiteral("Worse than its parent: %1. Keep the parent.").arg(headline);
    } else if (gain) {
        v.verdict = QStringLiteral("better");
        v.summary = QStringLiteral("Better than its parent on people never trained on: AUC %1 -> %2 (%3).")
                        .arg(comparison->parent.auc, 0, 'f', 3).arg(comparison->child.auc, 0, 'f', 3)
                        .arg(ciText(comparison->deltaAucCi));
    } else {
        v.verdict = QStringLiteral("not better");
        v.summary = QStringLiteral("Not better than its parent: %1.").arg(headline);
    }
    return v;
}

} // namespace facelab::finetune

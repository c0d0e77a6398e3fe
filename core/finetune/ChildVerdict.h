#pragma once
// Is the fine-tuned child better than its parent? Judged on pairs of people never trained on
// (the test split, both versions scored on the same pairs, each at its threshold from validation)
// and on a reference domain (forgetting), with 95% intervals from the pair counts: Wilson for an
// accuracy, Hanley-McNeil for an AUC, a paired bootstrap over the pairs for each change. The
// verdict is "better" only when the AUC gain's interval lies above 0 on unseen people, accuracy
// does not fall and forgetting stays within its limits; "worse" when a change's interval lies
// below 0 or forgetting passes a limit; otherwise "not better". Qt only, no torch.
#include <QJsonObject>
#include <QStringList>
#include <optional>
#include <vector>

namespace facelab::finetune {

struct Interval
{
    double low = 0, high = 0;
};

// 95% Wilson score interval of k successes in n (n > 0).
Interval wilsonInterval(double k, double n);
// 95% Hanley-McNeil (1982) interval of an AUC from nPos positives and nNeg negatives, clipped to [0, 1].
Interval hanleyMcNeilInterval(double auc, double nPos, double nNeg);
// Mann-Whitney AUC with ties counted half (0.5 without both classes).
double aucOf(const std::vector<double> &scores, const std::vector<unsigned char> &same);

// One set of pairs scored by both versions (same order).
struct PairedScores
{
    std::vector<double> parent, child;
    std::vector<unsigned char> same;
    double parentThreshold = 0, childThreshold = 0;   // each version's, from validation (FAR)
    double parentBestAccThreshold = 0, childBestAccThreshold = 0;   // shown beside
};

struct SideFigures
{
    double accuracy = 0, auc = 0, accuracyAtBestAccThreshold = 0;
    Interval accuracyCi, aucCi;
    qint64 tp = 0, tn = 0, fp = 0, fn = 0;
};

struct PairedComparison
{
    qint64 pairs = 0, positives = 0, negatives = 0;
    SideFigures parent, child;
    double deltaAccuracy = 0, deltaAuc = 0;
    Interval deltaAccuracyCi, deltaAucCi;   // paired bootstrap, 95% percentile
    QJsonObject toJson() const;
};

// Throws std::invalid_argument without both classes. bootstrap resamples with a fixed seed.
PairedComparison comparePaired(const PairedScores &s, int bootstrap = 2000, quint64 seed = 1);

// The parent's own domain (a reference project): each version's 10-fold accuracy and AUC there.
struct ForgettingFigures
{
    QString project;
    qint64 pairs = 0;
    double parentAccuracy = 0, childAccuracy = 0, parentAuc = 0, childAuc = 0;
    Interval parentAccuracyCi, childAccuracyCi;
    QJsonObject toJson() const;
};

struct VerdictLimits
{
    double maxAccuracyLoss = 0.005;   // on the reference domain (10-fold accuracy), before "worse"
    double maxAucLoss = 0.005;
};

struct ChildVerdict
{
    QString verdict;          // "better" / "not better" / "worse"
    QString summary;          // one sentence for the user
    QStringList reasons;      // every finding, in words
    bool better() const { return verdict == QLatin1String("better"); }
};

// unseenPeople: the pairs' people were never trained on (identity-disjoint test split); without
// it a gain is "not better" (it may be memorised people). comparison absent: nothing to judge on
// held-out pairs. forgetting absent: not measured (said in the reasons).
ChildVerdict judgeChild(const std::optional<PairedComparison> &comparison, bool unseenPeople,
                        const std::optional<ForgettingFigures> &forgetting, const VerdictLimits &limits = {});

} // namespace facelab::finetune

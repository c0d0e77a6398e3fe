#pragma once
// Active-learning orders of the labelling queue: which pair the user should judge next.
// Every strategy keeps the queue's groups (pairs without a verdict first, then skipped ones, then
// labelled ones) and orders each group its own way; each entry says why it is where it is.
//   uncertainty     score nearest the decision threshold first
//   hard-negatives  pairs known to show two people, highest similarity first
//   hard-positives  pairs known to show one person, lowest similarity first
//   diversity       uncertainty order spread so that no image (and, where possible, no identity)
//                   repeats within a window of pairs
//   mix (default)   uncertainty / hard negative / hard positive in turn, spread like diversity
//   low-quality     pairs with the lowest face quality first (the smaller embedding norm of the
//                   two faces, MagFace's quality), then uncertainty
// "Known" comes from the images' identities, else from the pair's imported truth; pairs with
// neither follow in uncertainty order, and the order's notes say so.
#include "store/ProjectStore.h"

#include <QStringList>
#include <QVector>
#include <optional>

namespace facelab::data {

enum class QueueStrategy { Uncertainty, HardNegatives, HardPositives, Diversity, Mix, LowQuality };
QString queueStrategyName(QueueStrategy s);   // "uncertainty", "hard-negatives", ... "mix"
std::optional<QueueStrategy> queueStrategyFromName(const QString &name);
QStringList queueStrategyNames();

// One pair as the strategies see it (no paths: ordering 100,000 pairs reads little).
struct QueueCandidate
{
    qint64 pairId = 0;
    qint64 imageA = 0, imageB = 0;
    qint64 identityA = 0, identityB = 0;   // 0 when unknown
    std::optional<bool> truth;             // imported/generated/mined ground truth
    int group = 0;                         // 0 no verdict, 1 skipped, 2 labelled
    std::optional<double> score;           // cosine under the ordering version; none = unscored
    std::optional<double> quality;         // the smaller embedding norm of its two faces; none = unknown
};
// Same person or not, as far as the project knows: identities when both are known, else truth.
std::optional<bool> knownSame(const QueueCandidate &c);

struct QueueEntry
{
    qint64 pairId = 0;
    std::optional<double> score;
    QString reason;   // "uncertain", "hard negative", "hard positive", "diverse", "unscored"
    int group = 0;
};

struct QueueOptions
{
    double threshold = 0.40;
    // Single-criterion strategies keep the queue's old light spread (a face not twice within 2
    // pairs); diversity and mix use the wider window and also spread identities. 0 = no spread.
    int spreadWindow = 2;
    int diversityWindow = 8;
    // How many waiting pairs the spreading looks through for one that does not clash; bounds the
    // cost on large queues (the order stays close to the strategy's).
    int lookahead = 256;
};

struct QueueOrder
{
    QueueStrategy strategy = QueueStrategy::Mix;
    QVector<QueueEntry> entries;
    QStringList notes;   // fallbacks, e.g. "identities unknown for ... pairs"
    QVector<qint64> ids() const;
};

// Orders candidates (any order in) by the strategy. Pure: the tests and the store wrapper share it.
QueueOrder orderCandidates(const QVector<QueueCandidate> &candidates, QueueStrategy strategy, const QueueOptions &opt = {});

// Reorders positions `order` (indices into candidates) so that no image of a pair appears in the
// `window` pairs before it, and, with spreadIdentities, no known identity either where a pair
// within the lookahead allows it; otherwise the earliest waiting pair is taken.
QVector<int> spreadOrder(const QVector<QueueCandidate> &candidates, const QVector<int> &order, int window,
                         bool spreadIdentities, int lookahead);

// Every pair of the project with its group, identities, truth, its score and its quality under
// versionId (versionId 0: every pair unscored).
QVector<QueueCandidate> loadQueueCandidates(const store::ProjectStore &store, qint64 versionId);
QueueOrder orderQueue(const store::ProjectStore &store, qint64 versionId, double threshold, QueueStrategy strategy);
// The project setting PairQueue (the Annotate view) orders by; absent = Mix.
constexpr const char *kQueueStrategySetting = "queue/strategy";
// Pair ids only: what PairQueue needs for its snapshot.
QVector<qint64> queueOrder(const store::ProjectStore &store, qint64 versionId, double threshold, QueueStrategy strategy);

} // namespace facelab::data

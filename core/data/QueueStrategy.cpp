#include "QueueStrategy.h"

#include "store/EmbeddingTable.h"
#include "store/PairTable.h"
#include "store/ScoreTable.h"

#include <QHash>
#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

namespace facelab::data {
namespace {

const QueueStrategy kAll[] = {QueueStrategy::Uncertainty, QueueStrategy::HardNegatives, QueueStrategy::HardPositives,
                              QueueStrategy::Diversity, QueueStrategy::Mix, QueueStrategy::LowQuality};

const QString kUncertain = QStringLiteral("uncertain");
const QString kHardNegative = QStringLiteral("hard negative");
const QString kHardPositive = QStringLiteral("hard positive");
const QString kDiverse = QStringLiteral("diverse");
const QString kUnscored = QStringLiteral("unscored");
const QString kLowQuality = QStringLiteral("low quality");

// The three criteria over one group's scored candidates, plus its unscored ones (id order).
struct GroupLists
{
    QVector<int> uncertain, negatives, positives, unscored, lowQuality;
};

GroupLists listsOf(const QVector<QueueCandidate> &c, const QVector<int> &members, double threshold)
{
    GroupLists g;
    for (int i : members) {
        if (!c[i].score) {
            g.unscored << i;
            continue;
        }
        g.uncertain << i;
        if (c[i].quality)
            g.lowQuality << i;
        if (const auto same = knownSame(c[i]))
            (*same ? g.positives : g.negatives) << i;
    }
    // Ties go by pair id, so every order is deterministic.
    auto byId = [&c](int x, int y) { return c[x].pairId < c[y].pairId; };
    std::sort(g.unscored.begin(), g.unscored.end(), byId);
    std::sort(g.uncertain.begin(), g.uncertain.end(), [&](int x, int y) {
        const double ux = std::abs(*c[x].score - threshold), uy = std::abs(*c[y].score - threshold);
        return ux != uy ? ux < uy : byId(x, y);
    });
    std::sort(g.negatives.begin(), g.negatives.end(),
              [&](int x, int y) { return *c[x].score != *c[y].score ? *c[x].score > *c[y].score : byId(x, y); });
    std::sort(g.positives.begin(), g.positives.end(),
              [&](int x, int y) { return *c[x].score != *c[y].score ? *c[x].score < *c[y].score : byId(x, y); });
    std::sort(g.lowQuality.begin(), g.lowQuality.end(),
              [&](int x, int y) { return *c[x].quality != *c[y].quality ? *c[x].quality < *c[y].quality : byId(x, y); });
    return g;
}

// Appends the members of `from` not taken yet, each with `reason`.
void appendNew(QVector<int> &order, QVector<QString> &reasons, std::vector<bool> &taken, const QVector<int> &from,
               const QString &reason)
{
    for (int i : from)
        if (!taken[size_t(i)]) {
            taken[size_t(i)] = true;
            order << i;
            reasons[i] = reason;
        }
}

// One group's order under a strategy (before spreading).
QVector<int> orderGroup(const GroupLists &g, QueueStrategy s, QVector<QString> &reasons, std::vector<bool> &taken)
{
    QVector<int> order;
    switch (s) {
    case QueueStrategy::Uncertainty:
        appendNew(order, reasons, taken, g.uncertain, kUncertain);
        break;
    case QueueStrategy::HardNegatives:
        appendNew(order, reasons, taken, g.negatives, kHardNegative);
        appendNew(order, reasons, taken, g.uncertain, kUncertain);
        break;
    case QueueStrategy::HardPositives:
        appendNew(order, reasons, taken, g.positives, kHardPositive);
        appendNew(order, reasons, taken, g.uncertain, kUncertain);
        break;
    case QueueStrategy::Diversity:
        appendNew(order, reasons, taken, g.uncertain, kDiverse);
        break;
    case QueueStrategy::LowQuality:
        appendNew(order, reasons, taken, g.lowQuality, kLowQuality);
        appendNew(order, reasons, taken, g.uncertain, kUncertain);
        break;
    case QueueStrategy::Mix: {
        // Round robin over the three lists, each skipping what another already placed.
        const QVector<int> *lists[] = {&g.uncertain, &g.negatives, &g.positives};
        const QString *why[] = {&kUncertain, &kHardNegative, &kHardPositive};
        int pos[3] = {0, 0, 0};
        for (bool any = true; any;) {
            any = false;
            for (int l = 0; l < 3; ++l) {
                const QVector<int> &list = *lists[l];
                while (pos[l] < list.size() && taken[size_t(list[pos[l]])])
                    ++pos[l];
                if (pos[l] < list.size()) {
                    appendNew(order, reasons, taken, {list[pos[l]++]}, *why[l]);
                    any = true;
                }
            }
        }
        break;
    }
    }
    appendNew(order, reasons, taken, g.unscored, kUnscored);
    return order;
}

} // namespace

QString queueStrategyName(QueueStrategy s)
{
    switch (s) {
    case QueueStrategy::Uncertainty: return QStringLiteral("uncertainty");
    case QueueStrategy::HardNegatives: return QStringLiteral("hard-negatives");
    case QueueStrategy::HardPositives: return QStringLiteral("hard-positives");
    case QueueStrategy::Diversity: return QStringLiteral("diversity");
    case QueueStrategy::Mix: return QStringLiteral("mix");
    case QueueStrategy::LowQuality: return QStringLiteral("low-quality");
    }
    return {};
}

std::optional<QueueStrategy> queueStrategyFromName(const QString &name)
{
    for (QueueStrategy s : kAll)
        if (queueStrategyName(s) == name)
            return s;
    return std::nullopt;
}

QStringList queueStrategyNames()
{
    QStringList names;
    for (QueueStrategy s : kAll)
        names << queueStrategyName(s);
    return names;
}

std::optional<bool> knownSame(const QueueCandidate &c)
{
    if (c.identityA != 0 && c.identityB != 0)
        return c.identityA == c.identityB;
    return c.truth;
}

QVector<qint64> QueueOrder::ids() const
{
    QVector<qint64> out;
    out.reserve(entries.size());
    for (const QueueEntry &e : entries)
        out << e.pairId;
    return out;
}

QVector<int> spreadOrder(const QVector<QueueCandidate> &c, const QVector<int> &order, int window, bool spreadIdentities,
                         int lookahead)
{
    const int n = int(order.size());
    if (window <= 0 || n < 2)
        return order;
    // Waiting positions as a singly linked list, so taking one from the middle costs nothing.
    std::vector<int> next(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        next[size_t(i)] = i + 1;
    int head = 0;
    QHash<qint64, int> images, identities;   // counts over the last `window` pairs taken
    std::deque<int> recent;
    auto count = [&](const QueueCandidate &p, int d) {
        images[p.imageA] += d;
        images[p.imageB] += d;
        if (p.identityA)
            identities[p.identityA] += d;
        if (p.identityB)
            identities[p.identityB] += d;
    };
    auto imageClash = [&](const QueueCandidate &p) { return images.value(p.imageA) > 0 || images.value(p.imageB) > 0; };
    auto identityClash = [&](const QueueCandidate &p) {
        return (p.identityA && identities.value(p.identityA) > 0) || (p.identityB && identities.value(p.identityB) > 0);
    };

    QVector<int> out;
    out.reserve(n);
    while (head != n) {
        int best = -1, bestPrev = -1, fallback = -1, fallbackPrev = -1;
        int prev = -1, cur = head;
        for (int seen = 0; cur != n && seen < lookahead; ++seen, prev = cur, cur = next[size_t(cur)]) {
            const QueueCandidate &p = c[order[cur]];
            if (imageClash(p))
                continue;
            if (fallback < 0) {
                fallback = cur;
                fallbackPrev = prev;
            }
            if (!spreadIdentities || !identityClash(p)) {
                best = cur;
                bestPrev = prev;
                break;
            }
        }
        if (best < 0) {
            // No waiting pair avoids the recent identities (or images): the earliest best effort.
            best = fallback >= 0 ? fallback : head;
            bestPrev = fallback >= 0 ? fallbackPrev : -1;
        }
        if (bestPrev < 0)
            head = next[size_t(best)];
        else
            next[size_t(bestPrev)] = next[size_t(best)];
        const int taken = order[best];
        out << taken;
        count(c[taken], +1);
        recent.push_back(taken);
        if (int(recent.size()) > window) {
            count(c[recent.front()], -1);
            recent.pop_front();
        }
    }
    return out;
}

QueueOrder orderCandidates(const QVector<QueueCandidate> &c, QueueStrategy strategy, const QueueOptions &opt)
{
    QueueOrder result;
    result.strategy = strategy;
    QVector<int> groups[3];
    for (int i = 0; i < c.size(); ++i)
        groups[qBound(0, c[i].group, 2)] << i;

    const bool wide = strategy == QueueStrategy::Diversity || strategy == QueueStrategy::Mix;
    const int window = wide ? opt.diversityWindow : opt.spreadWindow;
    QVector<QString> reasons(c.size());
    std::vector<bool> taken(size_t(c.size()), false);
    for (int gi = 0; gi < 3; ++gi) {
        const GroupLists lists = listsOf(c, groups[gi], opt.threshold);
        const QVector<int> order = spreadOrder(c, orderGroup(lists, strategy, reasons, taken), window, wide, opt.lookahead);
        for (int i : order)
            result.entries.push_back({c[i].pairId, c[i].score, reasons[i], c[i].group});
        if (gi != 0)
            continue;
        // Notes describe the pairs still to label, where the strategy matters.
        const int unknown = int(lists.uncertain.size() - lists.negatives.size() - lists.positives.size());
        const bool needsIdentities = strategy == QueueStrategy::HardNegatives || strategy == QueueStrategy::HardPositives
                                     || strategy == QueueStrategy::Mix;
        if (needsIdentities && unknown > 0)
            result.notes << QStringLiteral("%1 of %2 scored pairs without a verdict have no known identities or truth: "
                                           "they are ordered by uncertainty")
                                .arg(unknown).arg(lists.uncertain.size());
        if (strategy == QueueStrategy::HardNegatives && lists.negatives.isEmpty() && !lists.uncertain.isEmpty())
            result.notes << QStringLiteral("no pair of two known different people: hard-negatives falls back to uncertainty");
        if (strategy == QueueStrategy::HardPositives && lists.positives.isEmpty() && !lists.uncertain.isEmpty())
            result.notes << QStringLiteral("no pair of one known person: hard-positives falls back to uncertainty");
        if (!lists.unscored.isEmpty())
            result.notes << QStringLiteral("%1 pairs without a verdict have no score under this model (embed them): "
                                           "they come last, in import order")
                                .arg(lists.unscored.size());
    }
    return result;
}

QVector<QueueCandidate> loadQueueCandidates(const store::ProjectStore &store, qint64 versionId)
{
    const QHash<qint64, double> scores =
        versionId > 0 ? store::ScoreTable(store).all(versionId) : QHash<qint64, double>();
    const QHash<qint64, double> norms =
        versionId > 0 ? store::EmbeddingTable(store).norms(versionId) : QHash<qint64, double>();
    QVector<QueueCandidate> out;
    const QVector<store::PairTable::QueueFields> pairs = store::PairTable(store).queueFields();
    out.reserve(pairs.size());
    for (const store::PairTable::QueueFields &p : pairs) {
        QueueCandidate c;
        c.pairId = p.id;
        c.imageA = p.imageA;
        c.imageB = p.imageB;
        c.identityA = p.identityA;
        c.identityB = p.identityB;
        c.truth = p.truth;
        c.group = !p.verdict ? 0 : *p.verdict == store::Verdict::Skip ? 1 : 2;
        if (const auto s = scores.constFind(p.id); s != scores.constEnd())
            c.score = *s;
        const auto na = norms.constFind(p.imageA), nb = norms.constFind(p.imageB);
        if (na != norms.constEnd() && nb != norms.constEnd())
            c.quality = std::min(*na, *nb);
        out << c;
    }
    return out;
}

QueueOrder orderQueue(const store::ProjectStore &store, qint64 versionId, double threshold, QueueStrategy strategy)
{
    QueueOptions opt;
    opt.threshold = threshold;
    return orderCandidates(loadQueueCandidates(store, versionId), strategy, opt);
}

QVector<qint64> queueOrder(const store::ProjectStore &store, qint64 versionId, double threshold, QueueStrategy strategy)
{
    return orderQueue(store, versionId, threshold, strategy).ids();
}

} // namespace facelab::data

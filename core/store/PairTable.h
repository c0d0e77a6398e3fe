#pragma once
// Pairs of images to judge. A pair is unique whichever side each image is on.
#include "ProjectStore.h"

#include <QSet>

namespace facelab::store {

struct NewPair
{
    qint64 imageA = 0;
    qint64 imageB = 0;
    std::optional<bool> truth;
    QString origin = QStringLiteral("imported");
    QString split = QStringLiteral("train");
};

class PairTable
{
public:
    explicit PairTable(const ProjectStore &store) : m_store(store) {}

    // Inserts unless the unordered pair exists; returns its id and whether it was added.
    std::pair<qint64, bool> insert(const NewPair &p) const;
    PairRecord pair(qint64 id) const;
    // Records for the given ids, in the order given (ids that do not exist are left out).
    QVector<PairRecord> pairs(const QVector<qint64> &ids) const;
    // Every pair id in labelling order: pairs without a verdict first, then skipped ones, then
    // labelled ones; by id within each group (id order = import/file order).
    QVector<qint64> queueOrder() const;
    // The same groups, ordered within each by the model's uncertainty under versionId:
    // |score - threshold| ascending, unscored pairs last. In every order, a pair that repeats an
    // image of the last few queued pairs is moved a little later, so one face never fills the
    // screen several times in a row.
    QVector<qint64> queueOrder(qint64 versionId, double threshold) const;
    // Every pair in id order (for listing/export).
    QVector<PairRecord> all() const;
    struct Endpoints
    {
        qint64 id, a, b;
    };
    // What the queue strategies need of every pair, in id order: no paths or names, so ordering
    // 100,000 pairs reads little.
    struct QueueFields
    {
        qint64 id = 0, imageA = 0, imageB = 0;
        qint64 identityA = 0, identityB = 0;   // 0 when unknown
        std::optional<bool> truth;
        std::optional<Verdict> verdict;         // the current one (pairs.verdict)
    };
    QVector<QueueFields> queueFields() const;
    // Every pair's id and its two image ids, in id order (cheap: no joins).
    QVector<Endpoints> endpoints() const;
    // Unordered keys (min id << 32 | max id) of every stored pair, for generators avoiding duplicates.
    QSet<quint64> unorderedKeys() const;
    static quint64 unorderedKey(qint64 a, qint64 b);

private:
    const ProjectStore &m_store;
};

} // namespace facelab::store

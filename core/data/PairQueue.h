#pragma once
// The labelling queue the Annotate view walks through: a snapshot of every pair id in labelling
// order (PairTable::queueOrder) and, in memory, only the full records in a window around the
// cursor. Opening a 100,000-pair project reads the ids and three counts, nothing per pair.
//
// The order is a snapshot: labelling a pair does not move it, so Back returns to what was just
// seen. reload() takes a new snapshot (unlabelled pairs first, then skipped, then labelled).
// Not thread-safe: use it on the thread that owns the ProjectStore connection (the GUI thread).
#include "store/ProjectStore.h"
#include "store/StoreTypes.h"

#include <QHash>
#include <QVector>
#include <optional>

namespace facelab::data {

class PairQueue
{
public:
    static constexpr int kDefaultRadius = 50;

    // Reads the queue order and counts of the store's project. radius: records kept on each side
    // of the cursor (the window holds at most 2 * radius + 1 records). versionId/threshold: as
    // setModelOrder(), applied to this first snapshot already (the order is read once).
    explicit PairQueue(const store::ProjectStore &store, int radius = kDefaultRadius, qint64 versionId = 0,
                       double threshold = 0.0);

    // Takes a fresh snapshot of the order and counts; the cursor goes to the first pair that has
    // no verdict (or to the first skipped pair when every pair has one, or to the end).
    void reload();
    // Orders each group by a model's uncertainty (PairTable::queueOrder(versionId, threshold):
    // |score - threshold| ascending, unscored pairs last; unlabelled pairs still come before
    // skipped and labelled ones) from the next reload() on; versionId 0 = import order.
    void setModelOrder(qint64 versionId, double threshold);
    qint64 modelVersion() const { return m_versionId; }
    double modelThreshold() const { return m_threshold; }

    int size() const { return int(m_ids.size()); }
    bool isEmpty() const { return m_ids.isEmpty(); }
    int radius() const { return m_radius; }

    // Cursor: an index into the order; size() means "past the last pair" (queue done).
    int cursor() const { return m_cursor; }
    bool atEnd() const { return m_cursor >= size(); }
    void setCursor(int index);             // clamped to [0, size()]
    bool next();                           // false when already at the end
    bool previous();                       // false at the first pair
    bool jumpTo(qint64 pairId);            // false (cursor unchanged) when the id is not queued

    qint64 currentId() const { return idAt(m_cursor); }
    qint64 idAt(int index) const { return index >= 0 && index < size() ? m_ids[index] : 0; }
    int indexOf(qint64 pairId) const;      // -1 when not queued
    // The record under the cursor / at index, fetched with its window when not in memory;
    // nullopt past the end or for a pair deleted since the snapshot.
    std::optional<store::PairRecord> current();
    std::optional<store::PairRecord> at(int index);
    // Records of the next n pairs after the cursor (for prefetching images), from the window.
    QVector<store::PairRecord> upcoming(int n);

    // Re-reads one pair after its verdict changed (add or undo) and updates the counts.
    void refresh(qint64 pairId);

    // Counts over the whole project (current verdicts).
    qint64 total() const { return m_stats.pairs; }
    qint64 labelled() const { return m_stats.labelled; }      // same + different
    qint64 same() const { return m_stats.same; }
    qint64 different() const { return m_stats.different; }
    qint64 skipped() const { return m_stats.skipped; }
    qint64 unlabelled() const { return m_stats.pairs - m_stats.labelled - m_stats.skipped; }
    // Index of the first skipped pair in the snapshot (skipped pairs follow unlabelled ones).
    int firstSkippedIndex() const { return m_firstSkipped; }

    // Records currently held in memory (bounded by 2 * radius + 1).
    int windowSize() const { return int(m_window.size()); }

private:
    void ensureWindow(int index);
    void applyVerdictChange(const std::optional<store::Verdict> &before,
                            const std::optional<store::Verdict> &after);

    const store::ProjectStore &m_store;
    int m_radius;
    QVector<qint64> m_ids;
    mutable QHash<qint64, int> m_indexById;   // built on first indexOf(), not on open
    QHash<qint64, store::PairRecord> m_window;
    int m_windowLo = 0, m_windowHi = -1;     // index range the window was last fetched for
    int m_cursor = 0;
    int m_firstSkipped = 0;
    qint64 m_versionId = 0;
    double m_threshold = 0.0;
    store::ProjectStats m_stats;
};

} // namespace facelab::data

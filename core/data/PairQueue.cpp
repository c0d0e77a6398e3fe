#include "PairQueue.h"

#include "QueueStrategy.h"
#include "store/PairTable.h"

#include <QSet>

#include <algorithm>

namespace facelab::data {

PairQueue::PairQueue(const store::ProjectStore &store, int radius, qint64 versionId, double threshold)
    : m_store(store), m_radius(std::max(1, radius)), m_versionId(versionId), m_threshold(threshold)
{
    reload();
}

void PairQueue::reload()
{
    // The project's strategy (Pairs > Queue strategy, `facelab queue --strategy`); plain
    // uncertainty and the unscored order come straight from SQL, the others need every pair's
    // identities and score in memory.
    const auto strategy = queueStrategyFromName(m_store.setting(QString::fromLatin1(kQueueStrategySetting)))
                              .value_or(QueueStrategy::Mix);
    if (m_versionId <= 0 || strategy == QueueStrategy::Uncertainty)
        m_ids = store::PairTable(m_store).queueOrder(m_versionId, m_threshold);
    else
        m_ids = queueOrder(m_store, m_versionId, m_threshold, strategy);
    m_indexById.clear();
    m_window.clear();
    m_windowLo = 0;
    m_windowHi = -1;
    m_stats = m_store.stats();
    // queueOrder() puts unlabelled pairs first, then skipped ones, then labelled ones.
    const qint64 unl = std::clamp<qint64>(unlabelled(), 0, size());
    m_firstSkipped = int(unl);
    if (unl > 0)
        m_cursor = 0;
    else if (m_stats.skipped > 0)
        m_cursor = m_firstSkipped;
    else
        m_cursor = size();
}

void PairQueue::setModelOrder(qint64 versionId, double threshold)
{
    m_versionId = versionId;
    m_threshold = threshold;
}

void PairQueue::setCursor(int index)
{
    m_cursor = std::clamp(index, 0, size());
}

bool PairQueue::next()
{
    if (m_cursor >= size())
        return false;
    ++m_cursor;
    return true;
}

bool PairQueue::previous()
{
    if (m_cursor <= 0)
        return false;
    --m_cursor;
    return true;
}

int PairQueue::indexOf(qint64 pairId) const
{
    // The first lookup builds the id -> index map (one pass over ints); opening never does.
    if (m_indexById.isEmpty() && !m_ids.isEmpty()) {
        m_indexById.reserve(m_ids.size());
        for (int i = 0; i < m_ids.size(); ++i)
            m_indexById.insert(m_ids[i], i);
    }
    return m_indexById.value(pairId, -1);
}

bool PairQueue::jumpTo(qint64 pairId)
{
    const int i = indexOf(pairId);
    if (i < 0)
        return false;
    m_cursor = i;
    return true;
}

void PairQueue::ensureWindow(int index)
{
    if (index < 0 || index >= size())
        return;
    const qint64 id = m_ids[index];
    if (m_window.contains(id))
        return;
    // Centre a new window on the cursor when it holds the index, else on the index itself.
    const int centre = (std::abs(index - m_cursor) <= m_radius) ? m_cursor : index;
    const int lo = std::max(0, centre - m_radius);
    const int hi = std::min(size() - 1, centre + m_radius);

    // Drop records outside the new window, then fetch the missing ones in one call.
    QSet<qint64> keep;
    keep.reserve(hi - lo + 1);
    for (int i = lo; i <= hi; ++i)
        keep.insert(m_ids[i]);
    for (auto it = m_window.begin(); it != m_window.end();) {
        if (!keep.contains(it.key()))
            it = m_window.erase(it);
        else
            ++it;
    }
    QVector<qint64> missing;
    for (int i = lo; i <= hi; ++i)
        if (!m_window.contains(m_ids[i]))
            missing.push_back(m_ids[i]);
    if (!missing.contains(id))
        missing.push_back(id);   // index outside [lo, hi] cannot happen, but stay safe
    const QVector<store::PairRecord> recs = store::PairTable(m_store).pairs(missing);
    for (const store::PairRecord &r : recs)
        m_window.insert(r.id, r);
    m_windowLo = lo;
    m_windowHi = hi;
}

std::optional<store::PairRecord> PairQueue::at(int index)
{
    if (index < 0 || index >= size())
        return std::nullopt;
    ensureWindow(index);
    auto it = m_window.constFind(m_ids[index]);
    if (it == m_window.constEnd())
        return std::nullopt;   // deleted since the snapshot
    return *it;
}

std::optional<store::PairRecord> PairQueue::current()
{
    return at(m_cursor);
}

QVector<store::PairRecord> PairQueue::upcoming(int n)
{
    QVector<store::PairRecord> out;
    for (int i = m_cursor + 1; i < size() && out.size() < n; ++i) {
        // Stay inside the window: prefetching must never trigger a window move.
        if (!m_window.contains(m_ids[i]) && i - m_cursor > m_radius)
            break;
        if (auto r = at(i))
            out.push_back(*r);
    }
    return out;
}

void PairQueue::applyVerdictChange(const std::optional<store::Verdict> &before,
                                   const std::optional<store::Verdict> &after)
{
    auto bump = [this](const std::optional<store::Verdict> &v, int d) {
        if (!v)
            return;
        switch (*v) {
        case store::Verdict::Same: m_stats.same += d; break;
        case store::Verdict::Different: m_stats.different += d; break;
        case store::Verdict::Skip: m_stats.skipped += d; break;
        }
    };
    bump(before, -1);
    bump(after, +1);
    m_stats.labelled = m_stats.same + m_stats.different;
}

void PairQueue::refresh(qint64 pairId)
{
    const QVector<store::PairRecord> recs = store::PairTable(m_store).pairs({pairId});
    auto it = m_window.find(pairId);
    if (it == m_window.end()) {
        // Not in memory: we do not know the verdict it had, so recount (rare: undo far away).
        m_stats = m_store.stats();
        return;
    }
    if (recs.isEmpty()) {
        m_window.erase(it);
        m_stats = m_store.stats();
        return;
    }
    applyVerdictChange(it->verdict, recs.front().verdict);
    *it = recs.front();
}

} // namespace facelab::data

#pragma once
// The user's verdicts. A verdict is never deleted: undo marks it undone, and a pair's current
// verdict is its newest feedback row that is not undone. Each add() is its own committed
// transaction (or part of the caller's), so a verdict is durable once add() returns. The pair's
// copy of its current verdict (pairs.verdict, read by the queue) is updated by the schema's
// triggers in the same statement as every add, undo or batch.
#include "ProjectStore.h"

#include <cmath>

namespace facelab::store {

struct FeedbackRecord
{
    qint64 id = 0;
    qint64 pairId = 0;
    Verdict verdict = Verdict::Skip;
    QString createdAt;
    bool undone = false;
    qint64 modelVersionId = 0;
    double score = std::nan("");
};

class FeedbackTable
{
public:
    explicit FeedbackTable(const ProjectStore &store) : m_store(store) {}

    // Records a verdict with the model version and score that were on screen (0 / NaN if none).
    qint64 add(qint64 pairId, Verdict v, qint64 modelVersionId = 0, double score = std::nan("")) const;
    // Marks the newest active verdict undone; returns its pair id, or 0 when nothing is left to undo.
    qint64 undoLast() const;
    std::optional<Verdict> current(qint64 pairId) const;
    // Every feedback row, newest first when newestFirst, including undone ones (audit trail).
    QVector<FeedbackRecord> history(qint64 pairId = 0, bool newestFirst = true) const;

private:
    const ProjectStore &m_store;
};

} // namespace facelab::store

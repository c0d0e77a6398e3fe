#pragma once
// "Mine hard pairs for <version>" as a job that runs after the job that embeds the version (or
// fine-tunes and embeds it): queued at once as dependent on it, so it never starts when that job
// failed or was cancelled. It adds the version's hardest unseen pairs (core/queue, FAISS) to the
// project, scored, for the Annotate queue to put first.
// Mining is for the current version only: the queue is ordered by the current version's scores,
// and a mined pair is scored by the version that found it.
#include "jobs/JobQueue.h"
#include "store/ProjectStore.h"

#include <memory>

namespace facelab::ui {

// versionId is read when the work starts, so a version that exists only once `after` has ended
// (a fine-tuned child) is filled in by after's handler, which runs before this job starts; 0
// then fails the job. onDone gets the job (its result: queue::MiningReport).
jobs::Job *queueMining(jobs::JobQueue &queue, const store::ProjectStore &store, const QString &versionName,
                       std::shared_ptr<const qint64> versionId, jobs::Job *after, jobs::JobQueue::OnDone onDone);

// One line for the notification bar: how many pairs were added, or why none.
QString miningSummary(const jobs::Job &job, const QString &versionName);

} // namespace facelab::ui

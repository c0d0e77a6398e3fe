#pragma once
// Every rank's progress of a data-parallel job as the job reports it: a short line for the
// progress text and the log, and a list for JobContext::publish (what the Training and Linearizer
// views draw per rank). Qt, no torch.
#include "train/RankProgress.h"

#include <QString>
#include <QVariantList>

namespace facelab::parallel {

// "" alone; else e.g. "ranks: 0 41 img/s (wait 12%), 1 40 img/s (wait 3%)". unit names the samples.
QString rankSummary(const std::vector<train::RankProgress> &ranks, const QString &unit);

// One map per rank: rank, step, samples, compute_seconds, wait_seconds, per_second, wait_share.
QVariantList rankProgressList(const std::vector<train::RankProgress> &ranks);

} // namespace facelab::parallel

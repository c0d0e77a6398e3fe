#pragma once
// A fine-tuning run's report kept beside the project (reports/finetune-run<N>.json, the CLI's
// --json document), so the Training view shows the last result again when the project is reopened.
// Reading it back restores what the view shows (curves, verdict, comparison), not every figure.
#include "FineTuneJob.h"

#include <optional>

namespace facelab::finetune {

QString reportFilePath(const store::ProjectStore &store, qint64 runId);
// Written atomically; a failure to write is returned as a message (the run itself stands).
QString writeReportFile(const store::ProjectStore &store, const FineTuneReport &report);
FineTuneReport reportFromJson(const QJsonObject &o);
// The newest report whose child version still exists, or none.
std::optional<FineTuneReport> lastReport(const store::ProjectStore &store);

} // namespace facelab::finetune

#pragma once
// The built-in demo project: built on first use from the six sample photos of the npm package
// @vladmandic/face-api (MIT), which packaging/fetch-models.sh installs. Every face the detector
// finds becomes a person; each person appears in one photo only, so FaceLab makes four views of
// each face (the aligned crop, its mirror image, a tighter re-crop, a darker blurred copy) and
// 'same' pairs are two views of one photo. Easy by design: a demo of the tool, not a benchmark.
// Every second training-split pair comes labelled with its known truth (as if someone had
// labelled it), so fine-tuning has verdicts to learn from; the other pairs are left to Annotate.
#include "jobs/JobContext.h"

#include <QString>

namespace facelab::data {

QString demoProjectFolder();
// Builds the demo project unless it is complete already, and returns its folder. Throws
// std::runtime_error naming what is missing (photos or models not fetched yet).
QString ensureDemoProject(jobs::JobContext &ctx);

} // namespace facelab::data

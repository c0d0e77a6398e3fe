#pragma once
// Fine-tuning (core/finetune) as the widgets see it, behind one door like models/ModelEngine.h:
// the headers are torch-free, and a build without LibTorch (no facelab_finetune target) still
// compiles and links this file: available() is false and the calls throw a std::runtime_error
// that says so.
//
// snapshot() and run() read the project and train: call them off the GUI thread.
#include "finetune/FineTuneJob.h"

namespace facelab::ui::finetuning {

bool available();
QString unavailableText();

finetune::FeedbackSnapshot snapshot(const store::ProjectStore &store, const finetune::SnapshotOptions &options);
finetune::FineTuneReport run(const store::ProjectStore &store, const finetune::FineTuneRequest &request,
                             jobs::JobContext &ctx, const finetune::FineTuneObserver &observer);
// The name a fine-tuning run of parentName would give its child now ("" without the engine).
QString childVersionName(const store::ProjectStore &store, const QString &parentName);

} // namespace facelab::ui::finetuning

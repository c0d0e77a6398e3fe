#include "ui/training/FineTuneEngine.h"

#include <QObject>
#include <stdexcept>

namespace facelab::ui::finetuning {

#ifdef FACELAB_HAVE_FINETUNE

bool available() { return true; }

finetune::FeedbackSnapshot snapshot(const store::ProjectStore &store, const finetune::SnapshotOptions &options)
{
    return finetune::takeFeedbackSnapshot(store, options);
}

finetune::FineTuneReport run(const store::ProjectStore &store, const finetune::FineTuneRequest &request,
                             jobs::JobContext &ctx, const finetune::FineTuneObserver &observer)
{
    return finetune::fineTune(store, request, ctx, observer);
}

QString childVersionName(const store::ProjectStore &store, const QString &parentName)
{
    return finetune::childVersionName(store, parentName);
}

#else

bool available() { return false; }

finetune::FeedbackSnapshot snapshot(const store::ProjectStore &, const finetune::SnapshotOptions &)
{
    throw std::runtime_error(unavailableText().toStdString());
}

finetune::FineTuneReport run(const store::ProjectStore &, const finetune::FineTuneRequest &, jobs::JobContext &,
                             const finetune::FineTuneObserver &)
{
    throw std::runtime_error(unavailableText().toStdString());
}

QString childVersionName(const store::ProjectStore &, const QString &) { return {}; }

#endif

QString unavailableText()
{
    return QObject::tr("This build of FaceLab has no training engine (it was built without LibTorch).");
}

} // namespace facelab::ui::finetuning

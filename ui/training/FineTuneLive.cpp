#include "ui/training/FineTuneLive.h"

#include <QVariant>

namespace facelab::ui {

FineTuneLivePublisher::~FineTuneLivePublisher()
{
    if (m_unpublished)
        publish();
}

finetune::FineTuneObserver FineTuneLivePublisher::observer()
{
    finetune::FineTuneObserver o;
    o.started = [this](const QString &device, const finetune::FeedbackSnapshot &s) {
        m_live.device = device;
        m_live.snapshotTakenAt = s.takenAt;
        m_live.validationSource = s.validationSource;
        m_live.trainPairs = s.train.size();
        m_live.validationPairs = s.validation.size();
        publish();
    };
    o.step = [this](const train::StepStats &s) {
        m_live.ranks = s.ranks;
        m_live.steps.push_back(s);
        m_live.steps.back().ranks.clear();
        m_unpublished = true;
        if (!m_sincePublish.isValid() || m_sincePublish.elapsed() >= 100)
            publish();
    };
    o.epoch = [this](const train::EpochStats &e) {
        m_live.epochs.push_back(e);
        publish();
    };
    return o;
}

void FineTuneLivePublisher::publish()
{
    m_ctx.publish(QVariant::fromValue(m_live));
    m_sincePublish.start();
    m_unpublished = false;
}

} // namespace facelab::ui

#pragma once
// What the fine-tuning job publishes to the Training view while it runs (JobContext::publish,
// latest wins): everything the view draws so far, so a view that skips snapshots still gets every
// point. Built on the worker by FineTuneLivePublisher from fineTune's observer calls.
#include "finetune/FineTuneJob.h"

#include <QElapsedTimer>
#include <QMetaType>
#include <QVector>

namespace facelab::ui {

struct FineTuneLive
{
    QString device;                        // empty until training started
    QString snapshotTakenAt, validationSource;
    qint64 trainPairs = 0, validationPairs = 0;
    QVector<train::StepStats> steps;       // without their per-rank figures (kept once, below)
    std::vector<train::RankProgress> ranks;   // the newest step's, one per process
    QVector<train::EpochStats> epochs;     // epoch 0 (the starting weights) first
};

// Publishes at the start and at each epoch, and for steps at most every 100 ms (a snapshot copies
// the curves: publishing each of thousands of steps would copy them thousands of times); the
// destructor publishes the steps still unpublished when training ends or fails.
class FineTuneLivePublisher
{
public:
    explicit FineTuneLivePublisher(jobs::JobContext &ctx) : m_ctx(ctx) {}
    ~FineTuneLivePublisher();
    FineTuneLivePublisher(const FineTuneLivePublisher &) = delete;
    FineTuneLivePublisher &operator=(const FineTuneLivePublisher &) = delete;

    finetune::FineTuneObserver observer();   // valid while this publisher lives

private:
    void publish();

    jobs::JobContext &m_ctx;
    FineTuneLive m_live;
    QElapsedTimer m_sincePublish;
    bool m_unpublished = false;
};

} // namespace facelab::ui

Q_DECLARE_METATYPE(facelab::ui::FineTuneLive)

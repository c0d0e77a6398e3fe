#include "ui/training/FineTuneJobs.h"

#include "jobs/JobQueue.h"
#include "store/ModelTable.h"
#include "ui/Resources.h"
#include "ui/models/MiningJob.h"
#include "ui/training/FineTuneDialog.h"
#include "ui/training/FineTuneEngine.h"
#include "ui/training/FineTuneLive.h"
#include "ui/widgets/NotificationBar.h"

#include <QAction>
#include <QPointer>
#include <QWidget>

namespace facelab::ui {

FineTuneJobs::FineTuneJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent)
    : QObject(dialogParent), m_jobs(jobs), m_notify(notify), m_parent(dialogParent)
{
    m_action = new QAction(icon(QStringLiteral("train")), tr("&Fine-tune…"), this);
    m_action->setObjectName(QStringLiteral("actionFineTune"));
    m_action->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    connect(m_action, &QAction::triggered, this, &FineTuneJobs::chooseAndStart);
    updateAction();
}

void FineTuneJobs::setProject(const store::ProjectStore *store)
{
    m_store = store;
    updateAction();
}

void FineTuneJobs::updateAction()
{
    bool haveModel = false;
    if (m_store) {
        try {
            haveModel = store::ModelTable(*m_store).current().has_value();
        } catch (const std::exception &) {
        }
    }
    QString tip;
    // While disabled the tooltip starts with what is needed.
    if (!finetuning::available())
        tip = tr("Needs a training engine: %1").arg(finetuning::unavailableText());
    else if (!m_store)
        tip = tr("Needs a model: open a project with a model version, then fine-tune it on your same/different "
                 "verdicts (contrastive loss) in the background.");
    else if (!haveModel)
        tip = tr("Needs a model version: add one in Models (Models > Add default model), then label some pairs.");
    else if (m_job)
        tip = tr("A fine-tuning job is running; see Training.");
    else
        tip = tr("Fine-tune a model version on your same/different verdicts (contrastive loss) in the background; "
                 "the best epoch becomes a new version.");
    m_action->setEnabled(finetuning::available() && m_store && haveModel && !m_job);
    m_action->setToolTip(tip);
    m_action->setStatusTip(tip);
}

void FineTuneJobs::chooseAndStart()
{
    updateAction();
    if (!m_action->isEnabled() || !m_store)
        return;
    auto *d = new FineTuneDialog(*m_store, m_parent);
    d->setAttribute(Qt::WA_DeleteOnClose);
    const QString folder = m_store->folder();
    connect(d, &QDialog::accepted, this, [this, d, folder] {
        if (m_store && m_store->folder() == folder)
            start(d->request());
    });
    d->open();
}

void FineTuneJobs::cancel()
{
    if (m_job)
        m_job->cancel();
}

jobs::Job *FineTuneJobs::start(const finetune::FineTuneRequest &request)
{
    if (!m_store)
        return nullptr;
    if (!finetuning::available()) {
        m_notify->showMessage(NotificationBar::Kind::Warning, finetuning::unavailableText());
        return nullptr;
    }
    if (m_job) {
        m_notify->showMessage(NotificationBar::Kind::Info, tr("A fine-tuning job is running already; see Training."),
                              {}, {}, 6000);
        return nullptr;
    }
    std::optional<store::ModelVersionRecord> parent;
    try {
        const store::ModelTable models(*m_store);
        parent = request.model.isEmpty() ? models.current() : models.versionByName(request.model);
    } catch (const std::exception &) {
    }
    if (!parent) {
        m_notify->showMessage(NotificationBar::Kind::Error,
                              request.model.isEmpty() ? tr("No model version to fine-tune.")
                                                      : tr("No model version named %1.").arg(request.model));
        return nullptr;
    }
    finetune::FineTuneRequest req = request;
    req.model = parent->name;   // so the run's params name the version it starts from
    const store::ProjectStore st = *m_store;
    // A run that may make its child current is followed by mining the child's hard pairs, queued
    // now as dependent on it. The child exists only when the run ends: its handler below fills in
    // the id when the child became current, and cancels the mining otherwise (the queue is
    // ordered by the current version, which the mined pairs' scores must belong to).
    struct Follow
    {
        QPointer<jobs::Job> mining;
        std::shared_ptr<qint64> child = std::make_shared<qint64>(0);
    };
    const auto follow = std::make_shared<Follow>();
    m_job = m_jobs->start(
        jobs::JobSpec{jobs::JobKind::FineTune, tr("Fine-tuning %1").arg(parent->name), req.toJson(), jobs::kTorchGroup,
                      st.folder()},
        [st, req](jobs::JobContext &ctx) {
            FineTuneLivePublisher live(ctx);
            return finetuning::run(st, req, ctx, live.observer());
        },
        [this, follow, folder = st.folder()](jobs::Job &job) {
            m_job = nullptr;
            updateAction();
            const bool same = m_store && m_store->folder() == folder;
            // A cancel after an epoch returns the best epoch so far: Cancelled, with a report.
            const finetune::FineTuneReport *kept = job.result<finetune::FineTuneReport>();
            const finetune::FineTuneReport report = kept ? *kept : finetune::FineTuneReport{};
            const jobs::JobStatus status = job.status();
            if (report.versionId > 0)
                m_report = std::make_shared<finetune::FineTuneReport>(report);
            emit runFinished(status, job.error(), report);
            if (!same)
                return;
            if (report.versionId > 0) {
                bool madeCurrent = false;
                try {
                    const auto cur = store::ModelTable(*m_store).current();
                    madeCurrent = cur && cur->id == report.versionId;
                } catch (const std::exception &) {
                }
                if (madeCurrent && status == jobs::JobStatus::Done)
                    *follow->child = report.versionId;   // the mining queued after this run mines it
                emit modelsChanged(report.versionId, madeCurrent);
            }
            if (follow->mining && *follow->child == 0)
                follow->mining->cancel();   // no child became current: nothing of it to mine
            if (status == jobs::JobStatus::Done || (status == jobs::JobStatus::Cancelled && report.versionId > 0)) {
                const bool done = status == jobs::JobStatus::Done;
                m_notify->showMessage(done ? NotificationBar::Kind::Success : NotificationBar::Kind::Info,
                                      done ? tr("Fine-tuning finished: new version %1 (from %2).").arg(report.version, report.parent)
                                           : tr("Fine-tuning cancelled; the best epoch so far was kept as %1.").arg(report.version),
                                      tr("Show result"), [this] { emit showRequested(); }, 12000);
            } else if (status == jobs::JobStatus::Cancelled) {
                m_notify->showMessage(NotificationBar::Kind::Info,
                                      tr("Fine-tuning cancelled before an epoch ended: no new version."), {}, {}, 10000);
            } else {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Fine-tuning failed: %1").arg(job.error()),
                                      tr("Show training"), [this] { emit showRequested(); });
            }
        });
    if (req.makeCurrent) {
        const QString child = finetuning::childVersionName(st, parent->name);
        follow->mining = queueMining(*m_jobs, st, child.isEmpty() ? tr("the fine-tuned child") : child, follow->child, m_job,
                                     [this, child, id = std::shared_ptr<const qint64>(follow->child),
                                      folder = st.folder()](jobs::Job &job) {
                                         if (!m_store || m_store->folder() != folder || job.runId() == 0)
                                             return;   // not started: the run says why itself
                                         const bool done = job.status() == jobs::JobStatus::Done;
                                         m_notify->showMessage(done ? NotificationBar::Kind::Success
                                                                    : NotificationBar::Kind::Warning,
                                                               miningSummary(job, child), {}, {}, done ? 12000 : 0);
                                         if (done)
                                             emit pairsMined(*id);
                                     });
    }
    updateAction();
    emit runQueued(parent->name, parent->id, req);
    return m_job;
}

} // namespace facelab::ui

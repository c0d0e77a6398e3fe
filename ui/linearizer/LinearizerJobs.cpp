#include "ui/linearizer/LinearizerJobs.h"

#include "embedding/EmbeddingJob.h"
#include "jobs/Job.h"
#include "jobs/JobQueue.h"
#include "linearize/LinearOps.h"
#include "linearize/LinearizeJob.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "ui/widgets/NotificationBar.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QFile>
#include <QFormLayout>
#include <QInputDialog>
#include <QLabel>
#include <QSpinBox>

#include <set>

namespace facelab::ui {

LinearizerJobs::LinearizerJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent)
    : QObject(dialogParent), m_jobs(jobs), m_notify(notify), m_parent(dialogParent)
{
}

void LinearizerJobs::setProject(const store::ProjectStore *store) { m_store = store; }

jobs::Job *LinearizerJobs::train(const linearize::LinearizeRequest &request)
{
    if (!m_store)
        return nullptr;
    const store::ProjectStore st = *m_store;
    const QString teacher = request.teacher.isEmpty() ? tr("the current model") : request.teacher;
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::TrainLinearizer, tr("Training a Linearizer of %1").arg(teacher), request.toJson(),
                      jobs::kTorchGroup, st.folder()},
        [st, request](jobs::JobContext &ctx) { return linearize::trainLinearizer(st, request, ctx); },
        [this](jobs::Job &job) {
            const auto *r = job.result<linearize::LinearizeReport>();
            if (r && r->versionId > 0)
                m_notify->showMessage(NotificationBar::Kind::Success,
                                      tr("Linearizer %1 of %2: held-out cosine to the teacher %3, AUC %4 (teacher %5)%6")
                                          .arg(r->version, r->teacher).arg(r->cosineMean, 0, 'f', 3)
                                          .arg(r->aucSurrogate, 0, 'f', 3).arg(r->aucTeacher, 0, 'f', 3)
                                          .arg(r->training.cancelled ? tr(" — cancelled, best epoch kept") : QString()),
                                      tr("Show"), [this] { emit showRequested(); }, 15000);
            else if (job.status() == jobs::JobStatus::Failed)
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Linearizer training failed: %1").arg(job.error()));
        });
}

jobs::Job *LinearizerJobs::rankSweep(const QString &surrogate)
{
    if (!m_store)
        return nullptr;
    const store::ProjectStore st = *m_store;
    linearize::RankSweepRequest req;
    req.surrogate = surrogate;
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::LinearizerRankSweep, tr("Rank sweep of %1").arg(surrogate),
                      QJsonObject{{"linearizer", surrogate}}, jobs::kTorchGroup, st.folder()},
        [st, req](jobs::JobContext &ctx) { return linearize::rankSweep(st, req, ctx); },
        [this](jobs::Job &job) {
            const auto *r = job.result<linearize::RankSweepReport>();
            if (!r) {
                if (job.status() == jobs::JobStatus::Failed)
                    m_notify->showMessage(NotificationBar::Kind::Error, tr("Rank sweep failed: %1").arg(job.error()));
                return;
            }
            QStringList parts;
            for (size_t i = 0; i < r->ranks.size(); ++i)
                parts << QStringLiteral("k=%1: %2").arg(r->ranks[i]).arg(r->auc[i], 0, 'f', 3);
            m_notify->showMessage(NotificationBar::Kind::Info, tr("AUC by rank of A — %1").arg(parts.join(QStringLiteral(", "))),
                                  {}, {}, 30000);
        });
}

jobs::Job *LinearizerJobs::unlearn(const QString &surrogate, const QString &identity)
{
    if (!m_store)
        return nullptr;
    const store::ProjectStore st = *m_store;
    linearize::UnlearnRequest req;
    req.surrogate = surrogate;
    req.identity = identity;
    // The edited surrogate's name is fixed here, so the embedding job that runs after it finds
    // the version by name (no result passed between the jobs).
    req.name = linearize::unlearnedName(st, surrogate, identity);
    jobs::Job *edit = m_jobs->start(
        jobs::JobSpec{jobs::JobKind::LinearizerUnlearn, tr("Unlearning %1 from %2").arg(identity, surrogate),
                      QJsonObject{{"identity", identity}, {"linearizer", surrogate}, {"name", req.name}}, jobs::kTorchGroup,
                      st.folder()},
        [st, req](jobs::JobContext &ctx) { return linearize::unlearnIdentity(st, req, ctx); },
        [this](jobs::Job &job) {
            const auto *r = job.result<linearize::UnlearnReport>();
            if (!r) {
                if (job.status() == jobs::JobStatus::Failed)
                    m_notify->showMessage(NotificationBar::Kind::Error, tr("Unlearning failed: %1").arg(job.error()));
                return;
            }
            m_notify->showMessage(r->goalMet ? NotificationBar::Kind::Success : NotificationBar::Kind::Warning,
                                  tr("%1 forgotten in %2: same-pair similarity %3 → %4 (different pairs %5); others' AUC %6 → %7%8")
                                      .arg(r->identity, r->version).arg(r->forgotten.sameBefore, 0, 'f', 3)
                                      .arg(r->forgotten.sameAfter, 0, 'f', 3).arg(r->differentAfter, 0, 'f', 3)
                                      .arg(r->others.aucBefore, 0, 'f', 3).arg(r->others.aucAfter, 0, 'f', 3)
                                      .arg(r->goalMet ? QString() : tr(" — goal not met")),
                                  tr("Show"), [this] { emit showRequested(); }, 30000);
        });
    const QString name = req.name;
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::Embed, tr("Embedding faces with %1").arg(name), QJsonObject{{"model", name}},
                      jobs::kTorchGroup, st.folder()},
        [st, name](jobs::JobContext &ctx) {
            const auto v = store::ModelTable(st).versionByName(name);
            if (!v)
                throw std::runtime_error(QStringLiteral("the edited surrogate %1 was not saved").arg(name).toStdString());
            return embedding::embedProject(st, v->id, ctx);
        },
        {}, {edit});
}

void LinearizerJobs::chooseAndTrain()
{
    if (!m_store)
        return;
    auto *dlg = new QDialog(m_parent);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->setObjectName(QStringLiteral("linearizerDialog"));
    dlg->setWindowTitle(tr("Train Linearizer"));
    dlg->setWindowModality(Qt::WindowModal);
    auto *form = new QFormLayout(dlg);
    form->addRow(new QLabel(tr("Fits f(x) = g_y⁻¹(A g_x(x)) to a frozen model on the project's aligned faces; some "
                               "people are held out to measure it."), dlg));
    auto *teacher = new QComboBox(dlg);
    teacher->setObjectName(QStringLiteral("linTeacher"));
    const store::ModelTable models(*m_store);
    const auto current = models.current();
    for (const auto &v : models.versions())
        if (v.family != QLatin1String("linearizer"))
            teacher->addItem(v.name);
    if (current)
        teacher->setCurrentText(current->name);
    auto spin = [dlg](int lo, int hi, int value) {
        auto *s = new QSpinBox(dlg);
        s->setRange(lo, hi);
        s->setValue(value);
        return s;
    };
    linearize::LinearizeRequest defaults;
    auto *epochs = spin(1, 10000, defaults.training.epochs);
    auto *latent = spin(2, 4096, defaults.config.latent);
    auto *blocks = spin(0, 32, defaults.config.blocks);
    auto *hidden = spin(8, 8192, defaults.config.hidden);
    auto *rank = spin(0, 4096, defaults.config.rank);
    epochs->setObjectName(QStringLiteral("linEpochs"));
    latent->setObjectName(QStringLiteral("linLatent"));
    blocks->setObjectName(QStringLiteral("linBlocks"));
    hidden->setObjectName(QStringLiteral("linHidden"));
    rank->setObjectName(QStringLiteral("linRank"));
    rank->setSpecialValueText(tr("full"));
    auto *heldOut = new QDoubleSpinBox(dlg);
    heldOut->setRange(0.05, 0.9);
    heldOut->setSingleStep(0.05);
    heldOut->setValue(defaults.heldOutFraction);
    auto *byImage = new QCheckBox(tr("hold out images of the training people (default: whole people)"), dlg);
    auto *flip = new QCheckBox(tr("mirror faces at random"), dlg);
    flip->setChecked(defaults.training.augment.flip);
    auto *resume = new QCheckBox(tr("continue the last unfinished training of this model"), dlg);
    auto *workers = spin(1, 64, 1);
    workers->setObjectName(QStringLiteral("linWorkers"));
    workers->setToolTip(tr("Data-parallel training on this many local processes (PyTorch's c10d, Gloo on the CPU): "
                           "each takes its share of every batch and of the held-out images, so the surrogate is the "
                           "same as with one. Worth it where one process leaves cores idle."));
    form->addRow(tr("Model (teacher)"), teacher);
    form->addRow(tr("Epochs"), epochs);
    form->addRow(tr("Latent width"), latent);
    form->addRow(tr("Invertible blocks"), blocks);
    form->addRow(tr("Coupling hidden width"), hidden);
    form->addRow(tr("Rank of A"), rank);
    form->addRow(tr("Held out"), heldOut);
    form->addRow(QString(), byImage);
    form->addRow(tr("Augmentation"), flip);
    form->addRow(tr("Resume"), resume);
    form->addRow(tr("Processes"), workers);
    auto updateResume = [this, teacher, resume] {
        const bool can = m_store && QFile::exists(linearize::resumeCheckpointPath(*m_store, teacher->currentText()));
        resume->setEnabled(can);
        if (!can)
            resume->setChecked(false);
    };
    updateResume();
    connect(teacher, &QComboBox::currentTextChanged, dlg, updateResume);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dlg);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Train"));
    buttons->button(QDialogButtonBox::Ok)->setEnabled(teacher->count() > 0);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, dlg, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dlg, [=] {
        linearize::LinearizeRequest r;
        r.teacher = teacher->currentText();
        r.training.epochs = epochs->value();
        r.config.latent = latent->value();
        r.config.blocks = blocks->value();
        r.config.hidden = hidden->value();
        r.config.rank = rank->value();
        r.heldOutFraction = heldOut->value();
        r.heldOutByImage = byImage->isChecked();
        r.training.augment.flip = flip->isChecked();
        r.resume = resume->isChecked();
        r.parallel.workers = workers->value();
        dlg->accept();
        train(r);
    });
    dlg->show();
}

void LinearizerJobs::chooseAndUnlearn(const QString &surrogate)
{
    if (!m_store || surrogate.isEmpty())
        return;
    std::set<QString> names;
    for (const auto &img : store::ImageTable(*m_store).all())
        if (!img.identity.isEmpty())
            names.insert(img.identity);
    if (names.empty()) {
        m_notify->showMessage(NotificationBar::Kind::Warning, tr("No identities in this project: import faces by identity first."));
        return;
    }
    QStringList items(names.begin(), names.end());
    bool ok = false;
    const QString who = QInputDialog::getItem(m_parent, tr("Unlearn identity"),
                                              tr("Remove this person from %1 (a new version is saved):").arg(surrogate),
                                              items, 0, false, &ok);
    if (ok && !who.isEmpty())
        unlearn(surrogate, who);
}

} // namespace facelab::ui

#include "ui/inversion/InversionJobs.h"

#include "jobs/Job.h"
#include "jobs/JobQueue.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "store/RunTable.h"
#include "ui/inversion/InversionGallery.h"
#include "ui/widgets/NotificationBar.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>

#include <cmath>
#include <set>

namespace facelab::ui {

InversionJobs::InversionJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent)
    : QObject(dialogParent), m_jobs(jobs), m_notify(notify), m_parent(dialogParent)
{
}

void InversionJobs::setProject(const store::ProjectStore *store) { m_store = store; }

QVector<jobs::Job *> InversionJobs::invert(const invert::InvertRequest &request, const QString &compareWith)
{
    QVector<jobs::Job *> started;
    if (!m_store)
        return started;
    // Both runs of a compare carry one tag, so the gallery shows them together.
    const QString group = compareWith.isEmpty() ? QString() : QString::number(QDateTime::currentMSecsSinceEpoch());
    jobs::Job *first = startInvert(request, group, {});
    if (!first)
        return started;
    started << first;
    if (!compareWith.isEmpty()) {
        invert::InvertRequest other = request;
        other.model = compareWith;
        if (other.judge == compareWith)   // a version cannot judge its own images
            other.judge = request.model;
        if (jobs::Job *second = startInvert(other, group, {first}))
            started << second;
    }
    return started;
}

jobs::Job *InversionJobs::startInvert(const invert::InvertRequest &request, const QString &group, QList<jobs::Job *> after)
{
    const store::ProjectStore st = *m_store;
    QJsonObject params = request.toJson();
    if (!group.isEmpty())
        params.insert(QLatin1String(inversionparams::kCompareGroup), group);
    QString model = request.model;
    if (model.isEmpty()) {
        const auto current = store::ModelTable(st).current();
        model = current ? current->name : tr("the current model");
    }
    const QString target = request.identity.isEmpty() ? QFileInfo(request.image).fileName() : request.identity;
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::Invert, tr("Inverting %1 into %2").arg(model, target), params, jobs::kTorchGroup,
                      st.folder()},
        [st, request](jobs::JobContext &ctx) { return invert::invertModel(st, request, ctx); },
        [this](jobs::Job &job) {
            const auto *r = job.result<invert::InvertReport>();
            if (!r) {
                if (job.status() == jobs::JobStatus::Failed)
                    m_notify->showMessage(NotificationBar::Kind::Error, tr("Inversion failed: %1").arg(job.error()));
                return;
            }
            QString judge;
            if (!r->judge.isEmpty() && std::isfinite(r->judgeRankMean()))
                judge = tr("; judge %1: rank %2").arg(r->judge).arg(r->judgeRankMean(), 0, 'f', 1);
            const QString rank = std::isfinite(r->identityRankMean())
                                     ? tr(", rank %1 of %2").arg(r->identityRankMean(), 0, 'f', 1).arg(r->identities)
                                     : QString();
            // Short: a long message widens the window; the gallery says the rest (prior, layers).
            m_notify->showMessage(r->cancelled ? NotificationBar::Kind::Warning : NotificationBar::Kind::Success,
                                  tr("%1 → %2: cosine %3 (from %4)%5%6%7")
                                      .arg(r->model, r->target).arg(r->targetCosineMean(), 0, 'f', 2)
                                      .arg(r->startCosine, 0, 'f', 2).arg(rank, judge)
                                      .arg(r->cancelled ? tr(" — cancelled at step %1, images kept").arg(r->stepsRun) : QString()),
                                  tr("Show"), [this] { emit showRequested(); }, 20000);
        },
        after);
}

jobs::Job *InversionJobs::judge(const QVector<store::InversionRecord> &records, const QString &judge)
{
    if (!m_store)
        return nullptr;
    const store::ProjectStore st = *m_store;
    const auto version = store::ModelTable(st).versionByName(judge);
    if (!version) {
        m_notify->showMessage(NotificationBar::Kind::Error, tr("No model version '%1' in this project.").arg(judge));
        return nullptr;
    }
    // A version's score of its own images is the model's own, not a judge's.
    QVector<store::InversionRecord> judged;
    QJsonArray ids;
    for (const auto &r : records)
        if (r.versionId != version->id) {
            judged << r;
            ids.append(r.id);
        }
    if (judged.isEmpty()) {
        m_notify->showMessage(NotificationBar::Kind::Warning, tr("Nothing to judge: %1 made every image shown.").arg(judge));
        return nullptr;
    }
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::JudgeInversions, tr("Judging %1 inversion images with %2").arg(judged.size()).arg(judge),
                      QJsonObject{{"judge", judge}, {"inversions", ids}}, jobs::kTorchGroup, st.folder()},
        [st, judged, judge](jobs::JobContext &ctx) { return invert::judgeInversions(st, judged, judge, ctx); },
        [this, judge](jobs::Job &job) {
            const auto *scores = job.result<QVector<store::InversionScore>>();
            if (!scores) {
                if (job.status() == jobs::JobStatus::Failed)
                    m_notify->showMessage(NotificationBar::Kind::Error, tr("Judging failed: %1").arg(job.error()));
                return;
            }
            int top = 0, ranked = 0;
            for (const auto &s : *scores)
                if (s.identityRank > 0) {
                    ++ranked;
                    top += s.identityRank == 1;
                }
            m_notify->showMessage(NotificationBar::Kind::Info,
                                  tr("%1 judged %2 images: it ranks the target first for %3 of %4")
                                      .arg(judge).arg(scores->size()).arg(top).arg(ranked),
                                  tr("Show"), [this] { emit showRequested(); }, 15000);
        });
}

void InversionJobs::chooseAndJudge(const QVector<store::InversionRecord> &records)
{
    if (!m_store || records.isEmpty())
        return;
    std::set<qint64> makers;
    for (const auto &r : records)
        makers.insert(r.versionId);
    QStringList names;
    for (const auto &v : store::ModelTable(*m_store).versions())
        if (makers.size() > 1 || !makers.count(v.id))
            names << v.name;
    if (names.isEmpty()) {
        m_notify->showMessage(NotificationBar::Kind::Warning, tr("No other model version to judge with: add or fine-tune one."));
        return;
    }
    bool ok = false;
    const QString who = QInputDialog::getItem(m_parent, tr("Judge with…"),
                                              tr("Score the %1 images shown with another version (the rank of the target "
                                                 "identity as that version sees it):").arg(records.size()),
                                              names, 0, false, &ok);
    if (ok && !who.isEmpty())
        judge(records, who);
}

void InversionJobs::chooseAndInvert(const QString &identity)
{
    if (!m_store)
        return;
    auto *dlg = new QDialog(m_parent);
    dlg->setAttribute(Qt::WA_DeleteOnClose);
    dlg->setObjectName(QStringLiteral("inversionDialog"));
    dlg->setWindowTitle(tr("Invert identity"));
    dlg->setWindowModality(Qt::WindowModal);
    auto *form = new QFormLayout(dlg);
    auto *intro = new QLabel(tr("Optimises a batch of images until the model sees the target in them: what the model "
                                "“thinks” a person looks like. The images are kept in the project."), dlg);
    intro->setWordWrap(true);
    form->addRow(intro);

    // Target: an identity of the project, or an image (any photo: its face is found).
    auto *byIdentity = new QRadioButton(tr("Identity"), dlg);
    auto *byImage = new QRadioButton(tr("Image"), dlg);
    byIdentity->setChecked(true);
    auto *targets = new QButtonGroup(dlg);
    targets->addButton(byIdentity);
    targets->addButton(byImage);
    auto *identities = new QComboBox(dlg);
    identities->setObjectName(QStringLiteral("invIdentity"));
    std::set<QString> names;
    for (const auto &img : store::ImageTable(*m_store).all())
        if (!img.identity.isEmpty())
            names.insert(img.identity);
    for (const QString &n : names)
        identities->addItem(n);
    if (!identity.isEmpty())
        identities->setCurrentText(identity);
    auto *image = new QLineEdit(dlg);
    image->setObjectName(QStringLiteral("invImage"));
    image->setPlaceholderText(tr("a photo or one of the project's images"));
    auto *browse = new QPushButton(tr("Choose…"), dlg);
    auto *imageRow = new QHBoxLayout;
    imageRow->addWidget(image, 1);
    imageRow->addWidget(browse);
    form->addRow(byIdentity, identities);
    form->addRow(byImage, imageRow);
    connect(browse, &QPushButton::clicked, dlg, [dlg, image, byImage] {
        const QString f = QFileDialog::getOpenFileName(dlg, tr("Image to invert"), image->text(),
                                                       tr("Images (*.png *.jpg *.jpeg *.bmp *.webp)"));
        if (!f.isEmpty()) {
            image->setText(f);
            byImage->setChecked(true);
        }
    });

    // Versions: the model (current by default), a judge, and a version to compare with.
    const store::ModelTable models(*m_store);
    const QVector<store::ModelVersionRecord> versions = models.versions();
    const auto current = models.current();
    auto *model = new QComboBox(dlg);
    model->setObjectName(QStringLiteral("invModel"));
    for (const auto &v : versions)
        model->addItem(v.name, v.id);
    if (current)
        model->setCurrentText(current->name);
    auto *judge = new QComboBox(dlg);
    judge->setObjectName(QStringLiteral("invJudge"));
    auto *compare = new QComboBox(dlg);
    compare->setObjectName(QStringLiteral("invCompare"));
    // The other versions; compare defaults to the model's parent, else its first fine-tuned child.
    auto fillOthers = [versions, model, judge, compare] {
        const qint64 id = model->currentData().toLongLong();
        const QString keptJudge = judge->currentText();
        judge->clear();
        compare->clear();
        judge->addItem(tr("none"));
        compare->addItem(tr("none"));
        QString related;
        for (const auto &v : versions) {
            if (v.id == id) {
                if (v.parentId > 0)
                    related = v.parentName;
                continue;
            }
            judge->addItem(v.name);
            compare->addItem(v.name);
        }
        if (related.isEmpty())
            for (const auto &v : versions)
                if (v.parentId == id) {
                    related = v.name;
                    break;
                }
        if (!related.isEmpty())
            compare->setCurrentText(related);
        judge->setCurrentText(keptJudge);
    };
    fillOthers();
    connect(model, &QComboBox::currentIndexChanged, dlg, fillOthers);
    form->addRow(tr("Model version"), model);
    form->addRow(tr("Judge"), judge);
    form->addRow(tr("Compare with"), compare);
    judge->setToolTip(tr("Another version scores the images too: an image that only fools the model it was made "
                         "from is adversarial noise, not a face."));
    compare->setToolTip(tr("The same target, seed and settings through a second version (its parent or fine-tuned child)."));

    const inversion::InversionOptions defaults;
    auto spin = [dlg](const char *name, int lo, int hi, int value) {
        auto *s = new QSpinBox(dlg);
        s->setObjectName(QLatin1String(name));
        s->setRange(lo, hi);
        s->setValue(value);
        return s;
    };
    auto *steps = spin("invSteps", 1, 100000, defaults.steps);
    auto *batch = spin("invBatch", 1, 64, defaults.batch);
    auto *seed = spin("invSeed", 0, 1 << 30, int(defaults.seed));
    auto *preview = spin("invPreview", 0, 10000, defaults.previewEvery);
    preview->setSpecialValueText(tr("no preview"));
    auto *prior = new QComboBox(dlg);
    prior->setObjectName(QStringLiteral("invPrior"));
    prior->addItem(tr("auto (BatchNorm, else measured on the project's faces)"), QStringLiteral("auto"));
    prior->addItem(tr("BatchNorm statistics"), QStringLiteral("batchnorm"));
    prior->addItem(tr("measured on the project's faces"), QStringLiteral("measured"));
    prior->addItem(tr("none (image priors only)"), QStringLiteral("none"));
    auto *start = new QComboBox(dlg);
    start->setObjectName(QStringLiteral("invStart"));
    start->addItem(tr("the project's mean face"), QStringLiteral("mean"));
    start->addItem(tr("noise"), QStringLiteral("noise"));
    start->setCurrentIndex(start->findData(invert::InvertRequest().start));
    form->addRow(tr("Steps"), steps);
    form->addRow(tr("Images (batch)"), batch);
    form->addRow(tr("Seed"), seed);
    form->addRow(tr("Prior"), prior);
    form->addRow(tr("Start from"), start);
    form->addRow(tr("Preview every"), preview);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dlg);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Invert"));
    auto updateOk = [=] {
        const bool target = byIdentity->isChecked() ? identities->count() > 0 : !image->text().trimmed().isEmpty();
        buttons->button(QDialogButtonBox::Ok)->setEnabled(model->count() > 0 && target);
    };
    updateOk();
    connect(targets, &QButtonGroup::buttonToggled, dlg, updateOk);
    connect(image, &QLineEdit::textChanged, dlg, updateOk);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, dlg, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dlg, [=] {
        invert::InvertRequest r;
        r.model = model->currentText();
        if (byIdentity->isChecked())
            r.identity = identities->currentText();
        else
            r.image = image->text().trimmed();
        r.judge = judge->currentIndex() > 0 ? judge->currentText() : QString();
        r.start = start->currentData().toString();
        r.options.steps = steps->value();
        r.options.batch = batch->value();
        r.options.seed = std::uint64_t(seed->value());
        r.options.previewEvery = preview->value();
        const QString p = prior->currentData().toString();
        r.options.prior = p == QLatin1String("batchnorm") ? inversion::PriorKind::BatchNorm
                          : p == QLatin1String("measured") ? inversion::PriorKind::Measured
                          : p == QLatin1String("none")     ? inversion::PriorKind::None
                                                           : inversion::PriorKind::Auto;
        const QString other = compare->currentIndex() > 0 ? compare->currentText() : QString();
        dlg->accept();
        invert(r, other);
    });
    dlg->show();
}

} // namespace facelab::ui

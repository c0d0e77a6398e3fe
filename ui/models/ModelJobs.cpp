#include "ui/models/ModelJobs.h"
#include "ui/UiText.h"

#include "jobs/JobQueue.h"
#include "store/ModelTable.h"
#include "store/ProjectStore.h"
#include "ui/Resources.h"
#include "ui/dialogs/ReportDialog.h"
#include "ui/models/MiningJob.h"
#include "ui/models/ModelEngine.h"
#include "ui/models/ModelVersions.h"
#include "ui/models/PreprocessingDialog.h"
#include "ui/widgets/NotificationBar.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QWidget>
#include <cmath>

namespace facelab::ui {

namespace {

QAction *makeAction(QObject *parent, const QString &name, const QString &text, const QString &iconName,
                    const QString &tip, const QKeySequence &key = {})
{
    auto *a = new QAction(icon(iconName), text, parent);
    a->setObjectName(name);
    a->setToolTip(tip);
    a->setStatusTip(tip);
    if (!key.isEmpty())
        a->setShortcut(key);
    return a;
}

} // namespace

ModelJobs::ModelJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent)
    : QObject(dialogParent), m_jobs(jobs), m_notify(notify), m_parent(dialogParent)
{
    m_actAddFile = makeAction(this, QStringLiteral("actionAddModelFile"), tr("Add model &file…"),
                              QStringLiteral("add-model"),
                              tr("Import an ONNX face-recognition model into the project (checked against OpenCV dnn)"));
    m_actAddDefault = makeAction(this, QStringLiteral("actionAddDefaultModel"), tr("Add the &default model"),
                                 QStringLiteral("download"), QString());
    m_actEmbed = makeAction(this, QStringLiteral("actionEmbedFaces"), tr("&Embed faces"), QStringLiteral("embed"),
                            tr("Embed every face with the current model (cached faces are skipped) and score all "
                               "pairs; finds faces first where needed"),
                            QKeySequence(Qt::CTRL | Qt::Key_E));
    m_actExport = makeAction(this, QStringLiteral("actionExportModel"), tr("E&xport current model as .onnx…"),
                             QStringLiteral("export"),
                             tr("Write the current model version as a standard .onnx file, checked with OpenCV dnn"));
    connect(m_actAddFile, &QAction::triggered, this, &ModelJobs::chooseAndAddModelFile);
    connect(m_actAddDefault, &QAction::triggered, this, [this] { addDefaultModel(); });
    connect(m_actEmbed, &QAction::triggered, this, [this] { embed(0); });
    connect(m_actExport, &QAction::triggered, this, [this] { chooseAndExport(0); });
    m_chooser = [this](const QString &file) {
        PreprocessingDialog d(file, m_parent);
        return d.exec() == QDialog::Accepted ? d.spec() : QString();
    };
    updateActions();
}

void ModelJobs::setProject(const store::ProjectStore *store)
{
    m_store = store;
    updateActions();
}

void ModelJobs::updateActions()
{
    const bool open = m_store != nullptr, eng = engine::available();
    bool haveModel = false;
    if (m_store) {
        try {
            haveModel = store::ModelTable(*m_store).current().has_value();
        } catch (const std::exception &) {
        }
    }
    m_actAddFile->setEnabled(open && eng);
    bool haveDefault = false;
    if (m_store) {
        try {
            haveDefault = store::ModelTable(*m_store).versionByName(QLatin1String(engine::kDefaultModelName)).has_value();
        } catch (const std::exception &) {
        }
    }
    m_actAddDefault->setEnabled(open && eng && engine::defaultModelPresent() && !haveDefault);
    m_actAddDefault->setToolTip(!eng ? engine::unavailableText()
                                : haveDefault ? tr("The default model is in this project already (%1)")
                                                    .arg(QLatin1String(engine::kDefaultModelName))
                                : engine::defaultModelPresent()
                                    ? tr("Import MobileFaceNet (%1) into the project").arg(engine::defaultModelPath())
                                    : tr("%1 is missing: run packaging/fetch-models.sh to fetch it")
                                          .arg(QDir::toNativeSeparators(engine::defaultModelPath())));
    m_actAddDefault->setStatusTip(m_actAddDefault->toolTip());
    m_actEmbed->setEnabled(open && eng && m_embedding == 0);
    m_actExport->setEnabled(open && eng && haveModel);
    if (!eng)
        for (QAction *a : {m_actAddFile, m_actEmbed, m_actExport})
            a->setToolTip(engine::unavailableText());
}

bool ModelJobs::ready(const QString &what)
{
    if (!m_store)
        return false;
    if (!engine::available()) {
        m_notify->showMessage(NotificationBar::Kind::Warning, tr("%1: %2").arg(what, engine::unavailableText()));
        return false;
    }
    return true;
}

void ModelJobs::chooseAndAddModelFile()
{
    if (!ready(tr("Add model")))
        return;
    QSettings s;
    const QString start = s.value(QStringLiteral("models/lastDir"), QDir::homePath()).toString();
    const QString file = QFileDialog::getOpenFileName(m_parent, tr("Add a model file"), start,
                                                      tr("Face models (*.onnx *.pth *.pt *.ckpt *.tar);;ONNX models (*.onnx);;"
                                                         "PyTorch checkpoints (*.pth *.pt *.ckpt *.tar);;All files (*)"));
    if (file.isEmpty())
        return;
    s.setValue(QStringLiteral("models/lastDir"), QFileInfo(file).absolutePath());
    addModelFile(file);
}

jobs::Job *ModelJobs::addModelFile(const QString &file, const QString &spec, const QString &family)
{
    if (!ready(tr("Add model")))
        return nullptr;
    if (!spec.isEmpty())
        return startImport(file, spec, false, family);
    // First recognise and inspect the file (its family, what would load), off the GUI thread and
    // not a recorded run: nothing is registered before the user has seen the load report.
    const QString folder = m_store->folder();
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::CheckModel, tr("Reading %1").arg(shortPathName(file)), {}, jobs::kTorchGroup, {}},
        [file, family](jobs::JobContext &ctx) {
            ctx.setProgress(0, 0, tr("recognising the model"));
            if (!QFileInfo::exists(file))
                throw std::runtime_error(tr("%1: no such file").arg(file).toStdString());
            return engine::inspectModel(file, family);
        },
        [this, file, folder, family](jobs::Job &job) {
            if (!m_store || m_store->folder() != folder || job.status() == jobs::JobStatus::Cancelled)
                return;
            if (job.status() != jobs::JobStatus::Done) {
                // No family recognised the file: the user may say which it is.
                if (family.isEmpty() && m_reportDialogs && job.error().contains(QLatin1String("not a model file FaceLab can read"))) {
                    QStringList names;
                    const auto families = engine::modelFamilies();
                    for (const auto &f : families)
                        names << f.second;
                    bool ok = false;
                    const QString chosen = QInputDialog::getItem(
                        m_parent, tr("Add model"),
                        tr("FaceLab does not recognise %1 by its content. If you know its model family, choose it:")
                            .arg(QFileInfo(file).fileName()),
                        names, 0, false, &ok);
                    if (ok && names.contains(chosen))
                        addModelFile(file, QString(), families[names.indexOf(chosen)].first);
                    return;
                }
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Could not add the model: %1").arg(job.error()));
                return;
            }
            const QJsonObject report = *job.result<QJsonObject>();
            const QString refusal = report.value(QStringLiteral("refusal")).toString();
            if (!refusal.isEmpty()) {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Could not add %1: %2").arg(file, refusal));
                return;
            }
            if (!confirmLoad(file, report))
                return;
            const bool partial = !report.value(QStringLiteral("complete")).toBool();
            if (report.contains(QStringLiteral("preprocessing"))) {   // known by content or by family convention
                startImport(file, QString(), partial, family);
                return;
            }
            const QString chosen = m_chooser ? m_chooser(file) : QString();
            if (chosen.isEmpty()) {
                m_notify->showMessage(NotificationBar::Kind::Info,
                                      tr("%1 was not added: its preprocessing was not given.").arg(shortPathName(file)), {}, {},
                                      8000);
                return;
            }
            startImport(file, chosen, partial, family);
        });
}

bool ModelJobs::confirmLoad(const QString &file, const QJsonObject &report)
{
    const bool complete = report.value(QStringLiteral("complete")).toBool();
    const QString counts = report.value(QStringLiteral("tensors")).toString();
    if (!m_reportDialogs) {
        if (!complete)
            m_notify->showMessage(NotificationBar::Kind::Error,
                                  tr("Could not add %1: it loads only %2.").arg(shortPathName(file), counts));
        return complete;
    }
    const QJsonObject check = report.value(QStringLiteral("cross_check")).toObject();
    QString checkText;
    if (check.value(QStringLiteral("max_abs_diff")).isDouble())
        checkText = tr("max |FaceLab − %1| = %2").arg(check.value(QStringLiteral("runtime")).toString())
                        .arg(check.value(QStringLiteral("max_abs_diff")).toDouble(), 0, 'e', 2);
    else
        checkText = check.value(QStringLiteral("applicable")).toBool() ? tr("did not run: %1").arg(check.value(QStringLiteral("note")).toString())
                                                                        : tr("not applicable (no second runtime reads this family)");
    QString details = tr("<b>%1</b> — %2<br>Tensors: %3<br>Cross-check: %4")
                          .arg(report.value(QStringLiteral("family_name")).toString().toHtmlEscaped(),
                               report.value(QStringLiteral("architecture")).toString().toHtmlEscaped(), counts, checkText);
    const QJsonArray dropped = report.value(QStringLiteral("dropped")).toArray();
    if (!dropped.isEmpty())
        details += tr("<br>Left out (training heads): %1").arg(dropped.size());
    if (std::isfinite(report.value(QStringLiteral("fused_max_abs_diff")).toDouble(NAN)))
        details += tr("<br>Fused vs unfused: max |diff| = %1").arg(report.value(QStringLiteral("fused_max_abs_diff")).toDouble(), 0, 'e', 2);
    for (const QJsonValue &n : report.value(QStringLiteral("notes")).toArray())
        details += QStringLiteral("<br>") + n.toString().toHtmlEscaped();
    QMessageBox box(complete ? QMessageBox::Question : QMessageBox::Warning, tr("Add model"),
                    complete ? tr("Add %1?").arg(QFileInfo(file).fileName())
                             : tr("%1 loads only partly: the missing weights would stay random.").arg(QFileInfo(file).fileName()),
                    QMessageBox::Cancel, m_parent);
    box.setInformativeText(details);
    QPushButton *add = box.addButton(complete ? tr("Add model") : tr("Add anyway (marked partial)"),
                                     complete ? QMessageBox::AcceptRole : QMessageBox::DestructiveRole);
    if (complete)
        box.setDefaultButton(add);
    else
        box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() != add) {
        m_notify->showMessage(NotificationBar::Kind::Info, tr("%1 was not added.").arg(shortPathName(file)), {}, {}, 8000);
        return false;
    }
    return true;
}

jobs::Job *ModelJobs::startImport(const QString &file, const QString &spec, bool allowPartial, const QString &family)
{
    // The run's params become the import report once the file has been read (importModel).
    const store::ProjectStore st = *m_store;
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::ModelImport, tr("Adding model %1").arg(shortPathName(file)),
                      {{QStringLiteral("file"), file}}, jobs::kTorchGroup, st.folder()},
        [st, file, spec, allowPartial, family](jobs::JobContext &ctx) {
            return engine::importModel(st, file, spec, ctx, allowPartial, family);
        },
        [this, file, folder = st.folder()](jobs::Job &job) {
            if (!m_store || m_store->folder() != folder)
                return;
            if (job.status() == jobs::JobStatus::Done) {
                const embedding::ModelImportResult *result = job.result<embedding::ModelImportResult>();
                importFinished(result->versionId, result->name);
            } else if (job.status() == jobs::JobStatus::Failed) {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Could not add the model: %1").arg(job.error()),
                                      tr("Show models"), [this] { emit showModelsRequested(0); });
            } else {
                m_notify->showMessage(NotificationBar::Kind::Info,
                                      tr("Adding %1 cancelled; nothing was registered.").arg(shortPathName(file)), {}, {}, 8000);
            }
            updateActions();
        });
}

jobs::Job *ModelJobs::addDefaultModel()
{
    if (!ready(tr("Add the default model")))
        return nullptr;
    try {
        if (const auto v = store::ModelTable(*m_store).versionByName(QLatin1String(engine::kDefaultModelName))) {
            m_notify->showMessage(NotificationBar::Kind::Info,
                                  tr("The default model is already in this project as %1.").arg(v->name),
                                  tr("Show models"), [this, id = v->id] { emit showModelsRequested(id); }, 8000);
            return nullptr;
        }
    } catch (const std::exception &) {
    }
    const store::ProjectStore st = *m_store;
    struct Added
    {
        qint64 id = 0;
        QString name;
    };
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::ModelImport, tr("Adding the default model"),
                      {{QStringLiteral("file"), engine::defaultModelPath()}}, jobs::kTorchGroup, st.folder()},
        [st](jobs::JobContext &ctx) {
            Added added;
            added.id = engine::ensureDefaultModel(st, ctx);
            if (const auto v = store::ModelTable(st).version(added.id))
                added.name = v->name;
            return added;
        },
        [this, folder = st.folder()](jobs::Job &job) {
            if (!m_store || m_store->folder() != folder)
                return;
            if (job.status() == jobs::JobStatus::Done)
                importFinished(job.result<Added>()->id, job.result<Added>()->name);
            else if (job.status() == jobs::JobStatus::Failed)
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Could not add the default model: %1").arg(job.error()));
            updateActions();
        });
}

void ModelJobs::importFinished(qint64 id, const QString &name)
{
    emit modelsChanged();
    ProjectModels pm;
    try {
        pm = readProjectModels(*m_store);
    } catch (const std::exception &) {
    }
    const VersionInfo *v = pm.find(id);
    QString text;
    NotificationBar::Kind kind = NotificationBar::Kind::Success;
    if (v && v->check.agrees()) {
        text = tr("Added %1: FaceLab and %2 agree (max |diff| %3).").arg(name, v->check.runtime).arg(v->check.maxDiff, 0, 'e', 1);
    } else if (v && v->check.compared) {
        kind = NotificationBar::Kind::Warning;
        text = tr("Added %1, but FaceLab and %2 disagree: max |diff| %3, above %4. %5")
                   .arg(name, v->check.runtime)
                   .arg(v->check.maxDiff, 0, 'e', 2)
                   .arg(v->check.tolerance, 0, 'e', 0)
                   .arg(v->check.note);
    } else if (v && !v->check.applicable) {
        text = tr("Added %1 (%2).").arg(name, v->tensorsText.isEmpty() ? v->family : v->tensorsText);
    } else {
        kind = NotificationBar::Kind::Warning;
        text = tr("Added %1, but no %2 comparison ran: %3").arg(name, v ? v->check.runtime : QString(), v ? v->check.note : QString());
    }
    if (v && v->partial) {
        kind = NotificationBar::Kind::Warning;
        text += tr(" PARTIAL: only %1 loaded; the rest of the weights are random.").arg(v->tensorsText);
    }
    const bool current = v && v->current;
    if (current)
        m_notify->showMessage(kind, text + tr(" Embed the faces to score the pairs."), tr("Embed faces now"),
                              [this, id] { embed(id); }, 0);
    else
        m_notify->showMessage(kind, text, tr("Show models"), [this, id] { emit showModelsRequested(id); },
                              kind == NotificationBar::Kind::Success ? 12000 : 0);
}

jobs::Job *ModelJobs::embed(qint64 versionId)
{
    if (!ready(tr("Embed faces")))
        return nullptr;
    if (m_embedding != 0) {
        m_notify->showMessage(NotificationBar::Kind::Info, tr("Faces are being embedded already; see the jobs panel."),
                              {}, {}, 6000);
        return nullptr;
    }
    if (m_jobs->findActive(jobs::JobKind::FindFaces)) {
        m_notify->showMessage(NotificationBar::Kind::Info,
                              tr("Faces are being found; embed them once that job has finished."), {}, {}, 8000);
        return nullptr;
    }
    std::optional<store::ModelVersionRecord> v;
    bool current = false;
    try {
        const store::ModelTable models(*m_store);
        const auto cur = models.current();
        v = versionId > 0 ? models.version(versionId) : cur;
        current = v && cur && cur->id == v->id;
    } catch (const std::exception &e) {
        m_notify->showMessage(NotificationBar::Kind::Error, tr("Could not read the models: %1").arg(QString::fromUtf8(e.what())));
        return nullptr;
    }
    if (!v) {
        m_notify->showMessage(NotificationBar::Kind::Info,
                              tr("No model yet — add the default model (fetched by packaging/fetch-models.sh) or a "
                                 "model file first."),
                              engine::defaultModelPresent() ? tr("Add the default model") : QString(),
                              [this] { addDefaultModel(); });
        return nullptr;
    }
    const store::ProjectStore st = *m_store;
    const qint64 id = v->id;
    const QString name = v->name;
    m_embedding = id;
    updateActions();
    emit embeddingChanged(id);
    jobs::Job *job = m_jobs->start(
        jobs::JobSpec{jobs::JobKind::Embed, tr("Embedding faces with %1").arg(name),
                      {{QStringLiteral("model_version"), id}, {QStringLiteral("model"), name}}, jobs::kTorchGroup, st.folder()},
        [st, id](jobs::JobContext &ctx) { return engine::embedProject(st, id, ctx); },
        [this, id, name, folder = st.folder()](jobs::Job &job) {
            m_embedding = 0;
            updateActions();
            emit embeddingChanged(0);
            if (!m_store || m_store->folder() != folder)
                return;
            // Done or cancelled: whatever was embedded is cached and the views may show it.
            emit facesChanged();
            emit scoresChanged(id);
            const embedding::EmbedReport *report = job.result<embedding::EmbedReport>();
            if (job.status() == jobs::JobStatus::Done && report) {
                const QString text = tr("%1: %2 faces embedded, %3 already cached, %4 pairs scored (%5 s).")
                                         .arg(name)
                                         .arg(report->embedded)
                                         .arg(report->cached)
                                         .arg(QLocale().toString(report->pairsScored))
                                         .arg(report->seconds, 0, 'f', 1);
                if (report->problems.isEmpty()) {
                    m_notify->showMessage(NotificationBar::Kind::Success, text, {}, {}, 12000);
                } else {
                    m_notify->showMessage(NotificationBar::Kind::Warning,
                                          text + tr(" %n face(s) could not be read.", nullptr, int(report->problems.size())));
                    if (m_reportDialogs) {
                        auto *d = new ReportDialog(m_parent);
                        d->setWindowTitle(tr("Embedding report"));
                        d->setHeadline(text, false);
                        d->addCount(tr("Faces embedded"), report->embedded);
                        d->addCount(tr("Already cached"), report->cached);
                        d->addCount(tr("Pairs scored"), report->pairsScored);
                        d->setProblems(report->problems);
                        d->setAttribute(Qt::WA_DeleteOnClose);
                        d->open();
                    }
                }
            } else if (job.status() == jobs::JobStatus::Cancelled) {
                m_notify->showMessage(NotificationBar::Kind::Info,
                                      tr("Embedding with %1 cancelled. Faces embedded so far are cached; the next run "
                                         "continues from there.").arg(name),
                                      {}, {}, 10000);
            } else {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Embedding with %1 failed: %2").arg(name, job.error()));
            }
        });
    // The current version's hardest unseen pairs follow its embedding, for Annotate to ask first.
    if (current)
        mineAfter(job, id, name);
    return job;
}

jobs::Job *ModelJobs::mineAfter(jobs::Job *after, qint64 versionId, const QString &name)
{
    if (!m_store || !after)
        return nullptr;
    return queueMining(*m_jobs, *m_store, name, std::make_shared<const qint64>(versionId), after,
                       [this, versionId, name, folder = m_store->folder()](jobs::Job &job) {
                           if (!m_store || m_store->folder() != folder)
                               return;
                           // An embedding that did not finish says so itself; the skipped mining stays quiet.
                           if (job.status() == jobs::JobStatus::Cancelled && job.runId() == 0)
                               return;
                           const bool done = job.status() == jobs::JobStatus::Done;
                           m_notify->showMessage(done ? NotificationBar::Kind::Success : NotificationBar::Kind::Warning,
                                                 miningSummary(job, name), {}, {}, done ? 12000 : 0);
                           if (done)
                               emit pairsMined(versionId);
                       });
}

void ModelJobs::chooseAndExport(qint64 versionId)
{
    if (!ready(tr("Export model")))
        return;
    std::optional<store::ModelVersionRecord> v;
    try {
        const store::ModelTable models(*m_store);
        v = versionId > 0 ? models.version(versionId) : models.current();
    } catch (const std::exception &) {
    }
    if (!v) {
        m_notify->showMessage(NotificationBar::Kind::Info, tr("No model to export yet."), {}, {}, 6000);
        return;
    }
    QSettings s;
    const QString dir = s.value(QStringLiteral("models/exportDir"), QDir::homePath()).toString();
    const QString out = QFileDialog::getSaveFileName(m_parent, tr("Export %1 as ONNX").arg(v->name),
                                                     QDir(dir).filePath(v->name + QStringLiteral(".onnx")),
                                                     tr("ONNX models (*.onnx)"));
    if (out.isEmpty())
        return;
    s.setValue(QStringLiteral("models/exportDir"), QFileInfo(out).absolutePath());
    exportVersion(v->id, out.endsWith(QLatin1String(".onnx"), Qt::CaseInsensitive) ? out : out + QStringLiteral(".onnx"));
}

jobs::Job *ModelJobs::exportVersion(qint64 versionId, const QString &outPath)
{
    if (!ready(tr("Export model")))
        return nullptr;
    std::optional<store::ModelVersionRecord> v;
    try {
        v = store::ModelTable(*m_store).version(versionId);
    } catch (const std::exception &) {
    }
    if (!v)
        return nullptr;
    const store::ProjectStore st = *m_store;
    const store::ModelVersionRecord version = *v;
    return m_jobs->start(
        jobs::JobSpec{jobs::JobKind::ExportModel, tr("Exporting %1").arg(version.name),
                      {{QStringLiteral("model_version"), version.id}, {QStringLiteral("out"), outPath}}, jobs::kTorchGroup,
                      st.folder()},
        [st, version, outPath](jobs::JobContext &ctx) {
            ctx.setProgress(0, 0, tr("writing and checking %1").arg(shortPathName(outPath)));
            const double diff = engine::exportVersion(st, version, outPath);
            ctx.log(QStringLiteral("exported %1 to %2; max |LibTorch - OpenCV dnn| on the written file: %3")
                        .arg(version.name, outPath)
                        .arg(diff));
            return diff;
        },
        [this, version, outPath](jobs::Job &job) {
            if (job.status() == jobs::JobStatus::Done) {
                const double diff = *job.result<double>();
                const bool ok = std::isfinite(diff) && diff <= kOpenCvAgreementLimit;
                m_notify->showMessage(ok ? NotificationBar::Kind::Success : NotificationBar::Kind::Warning,
                                      ok ? tr("Exported %1 to %2 (OpenCV dnn reads it back within %3).")
                                               .arg(version.name, QDir::toNativeSeparators(outPath))
                                               .arg(diff, 0, 'e', 1)
                                         : tr("Exported %1 to %2, but OpenCV dnn's output differs by %3 (above 1e-4).")
                                               .arg(version.name, QDir::toNativeSeparators(outPath))
                                               .arg(diff, 0, 'e', 2),
                                      {}, {}, ok ? 12000 : 0);
            } else if (job.status() == jobs::JobStatus::Failed) {
                m_notify->showMessage(NotificationBar::Kind::Error, tr("Export of %1 failed: %2").arg(version.name, job.error()));
            }
        });
}

} // namespace facelab::ui

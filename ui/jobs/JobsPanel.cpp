#include "ui/jobs/JobsPanel.h"

#include "jobs/JobQueue.h"
#include "store/RunTable.h"
#include "ui/Resources.h"
#include "ui/Theme.h"

#include <QDateTime>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QProgressBar>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace facelab::ui {

namespace {
enum Column { ColJob, ColStatus, ColStarted, ColProgress, ColElapsed, ColCancel, ColCount };
constexpr int kRunIdRole = Qt::UserRole + 1;
constexpr int kJobRole = Qt::UserRole + 2;

QIcon dot(const QColor &c)
{
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(c);
    p.drawEllipse(QRectF(2, 2, 8, 8));
    return QIcon(pm);
}
} // namespace

QString JobsPanel::kindTitle(const QString &kind, const QString &paramsJson)
{
    return kindTitle(kind, QJsonDocument::fromJson(paramsJson.toUtf8()).object());
}

QString JobsPanel::kindTitle(const QString &kindId, const QJsonObject &params)
{
    using jobs::JobKind;
    const auto param = [&params](const char *key) { return params.value(QLatin1String(key)).toString(); };
    // "" when the key is missing, so a name never ends in "with ".
    const auto with = [](const QString &base, const QString &what) {
        return what.isEmpty() ? base : base + QLatin1Char(' ') + what;
    };
    const QString model = param("model");
    switch (jobs::kindFromId(kindId).value_or(JobKind::BuildDemo)) {
    case JobKind::Import: return tr("Import");
    case JobKind::ImportIdentities: return with(tr("Import identities from"), QFileInfo(param("dir")).fileName());
    case JobKind::ImportPairs: return with(tr("Import pairs from"), QFileInfo(param("file")).fileName());
    case JobKind::GeneratePairs: {
        const int n = params.value(QLatin1String("pairs")).toInt();
        return n > 0 ? tr("Generate %1 pairs").arg(n) : tr("Generate pairs");
    }
    case JobKind::MinePairs: return with(tr("Mine hard pairs for"), model);
    case JobKind::Faces:
    case JobKind::FindFaces: return tr("Find faces");
    case JobKind::ChooseFace: return tr("Align the chosen face");
    case JobKind::CheckModel: return with(tr("Read model"), QFileInfo(param("file")).fileName());
    case JobKind::ModelImport: return with(tr("Add model"), QFileInfo(param("file")).fileName());
    case JobKind::Embed: return with(tr("Embed faces with"), model);
    case JobKind::ExportModel: return with(tr("Export model to"), QFileInfo(param("out")).fileName());
    case JobKind::Eval: return with(tr("Evaluate"), model);
    case JobKind::ErrorExport: return tr("Export error folders");
    case JobKind::FineTune: return model.isEmpty() ? tr("Fine-tune the current model") : with(tr("Fine-tune"), model);
    case JobKind::TrainLinearizer: return with(tr("Train a Linearizer of"), param("teacher"));
    case JobKind::LinearizerRankSweep: return with(tr("Rank sweep of"), param("linearizer"));
    case JobKind::LinearizerUnlearn:
        return param("identity").isEmpty() ? tr("Unlearn an identity")
                                           : tr("Unlearn %1").arg(param("identity"));
    case JobKind::Invert: {
        const QString target = param("identity").isEmpty() ? QFileInfo(param("image")).fileName() : param("identity");
        QString name = with(tr("Invert"), model);
        return target.isEmpty() ? name : name + tr(" into ") + target;
    }
    case JobKind::JudgeInversions: return with(tr("Judge inversions with"), param("judge"));
    case JobKind::BuildDemo:
        if (kindId == QLatin1String("build-demo"))
            return tr("Prepare the demo project");
        break;
    }
    QString t = kindId;
    t.replace(QLatin1Char('-'), QLatin1Char(' ')).replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!t.isEmpty())
        t[0] = t[0].toUpper();
    return t;
}

QString JobsPanel::formatElapsed(qint64 ms)
{
    if (ms < 0)
        return {};
    const qint64 s = ms / 1000;
    if (s < 60)
        return tr("%1 s").arg(ms < 10000 ? QString::number(ms / 1000.0, 'f', 1) : QString::number(s));
    if (s < 3600)
        return tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    return tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

QColor JobsPanel::statusColor(const QString &status)
{
    if (status == QLatin1String("done"))
        return theme::same();
    if (status == QLatin1String("failed"))
        return theme::different();
    if (status == QLatin1String("interrupted"))
        return theme::warning();
    if (status == QLatin1String("running") || status == QLatin1String("queued") || status == QLatin1String("waiting"))
        return theme::accent();
    return theme::skip();
}

JobsPanel::JobsPanel(jobs::JobQueue *jobs, QWidget *parent) : QWidget(parent), m_jobs(jobs)
{
    setObjectName(QStringLiteral("jobsPanel"));
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(6, 4, 6, 6);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("jobsTree"));
    m_tree->setColumnCount(ColCount);
    m_tree->setHeaderLabels({tr("Job"), tr("Status"), tr("Started"), tr("Progress"), tr("Elapsed"), QString()});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(false);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(ColJob, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(ColStatus, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(ColStarted, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(ColProgress, QHeaderView::Fixed);
    m_tree->header()->setSectionResizeMode(ColElapsed, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(ColCancel, QHeaderView::Fixed);
    m_tree->header()->resizeSection(ColProgress, 200);
    m_tree->header()->resizeSection(ColCancel, 34);
    m_tree->setFocusPolicy(Qt::ClickFocus);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *it) {
        const qint64 id = it->data(ColJob, kRunIdRole).toLongLong();
        if (id > 0)
            emit runActivated(id);
    });
    m_empty = new QLabel(tr("No jobs yet. Imports, pair generation and training appear here."), this);
    m_empty->setProperty("role", QStringLiteral("muted"));
    m_empty->setAlignment(Qt::AlignCenter);
    v->addWidget(m_tree);
    v->addWidget(m_empty);

    m_timer = new QTimer(this);
    m_timer->setInterval(500);
    connect(m_timer, &QTimer::timeout, this, &JobsPanel::tick);

    connect(m_jobs, &jobs::JobQueue::started, this, &JobsPanel::refresh);
    connect(m_jobs, &jobs::JobQueue::progressed, this, &JobsPanel::tick);
    // The job is deleted after finished(): rebuild on the next turn of the event loop.
    connect(m_jobs, &jobs::JobQueue::finished, this, [this] { QTimer::singleShot(0, this, &JobsPanel::refresh); });
    refresh();
}

void JobsPanel::setProject(const store::ProjectStore *store)
{
    m_store = store;
    refresh();
}

void JobsPanel::addLiveRow(jobs::Job *job)
{
    auto *it = new QTreeWidgetItem(m_tree);
    // The name its finished row will have, so a job keeps its name when it ends.
    it->setText(ColJob, kindTitle(jobs::kindId(job->kind()), job->spec().params));
    it->setToolTip(ColJob, job->title());
    it->setText(ColStarted, QLocale().toString(QDateTime::currentDateTime().addMSecs(-job->elapsedMs()), QLocale::ShortFormat));
    it->setForeground(ColStarted, theme::mutedText());
    it->setData(ColJob, kJobRole, QVariant::fromValue<void *>(job));
    auto *bar = new QProgressBar(m_tree);
    bar->setFixedHeight(16);
    bar->setTextVisible(true);
    m_tree->setItemWidget(it, ColProgress, bar);
    auto *cancel = new QToolButton(m_tree);
    cancel->setIcon(icon(QStringLiteral("cancel")));
    cancel->setAutoRaise(true);
    cancel->setToolTip(tr("Cancel this job"));
    cancel->setObjectName(QStringLiteral("cancelJobButton"));
    QPointer<jobs::Job> guard(job);
    connect(cancel, &QToolButton::clicked, this, [guard, cancel] {
        if (guard) {
            cancel->setEnabled(false);
            guard->cancel();
        }
    });
    m_tree->setItemWidget(it, ColCancel, cancel);
}

void JobsPanel::refresh()
{
    m_tree->clear();
    const QList<jobs::Job *> live = m_jobs->active();
    QList<qint64> liveRuns;
    QStringList startingKinds;
    for (jobs::Job *job : live) {
        // Jobs of another project (e.g. building the demo) are shown too: they run in this window.
        addLiveRow(job);
        if (job->runId() > 0)
            liveRuns << job->runId();
        else if (job->status() == jobs::JobStatus::Queued)
            startingKinds << jobs::kindId(job->kind());   // its run may be recorded before we hear its id
    }
    if (m_store) {
        QVector<store::RunRecord> runs;
        try {
            runs = store::RunTable(*m_store).recent(100);
        } catch (const std::exception &) {
        }
        for (const store::RunRecord &run : runs) {
            // The record of a job shown live above is that job.
            if (liveRuns.contains(run.id))
                continue;
            if (run.status == QLatin1String("running") && startingKinds.contains(run.kind)) {
                startingKinds.removeOne(run.kind);
                continue;
            }
            auto *it = new QTreeWidgetItem(m_tree);
            it->setText(ColJob, kindTitle(run.kind, run.paramsJson));
            it->setIcon(ColJob, dot(statusColor(run.status)));
            it->setText(ColStatus, run.status);
            it->setForeground(ColStatus, statusColor(run.status));
            it->setData(ColJob, kRunIdRole, run.id);
            const QDateTime a = QDateTime::fromString(run.startedAt, Qt::ISODateWithMs);
            const QDateTime b = QDateTime::fromString(run.endedAt, Qt::ISODateWithMs);
            if (a.isValid() && b.isValid())
                it->setText(ColElapsed, formatElapsed(a.msecsTo(b)));
            it->setText(ColStarted, a.isValid() ? QLocale().toString(a.toLocalTime(), QLocale::ShortFormat) : QString());
            it->setForeground(ColStarted, theme::mutedText());
            QString tip = tr("Run %1 · %2").arg(run.id).arg(run.kind);
            if (!run.log.isEmpty())
                tip += QLatin1Char('\n') + run.log.right(800).trimmed();
            it->setToolTip(ColJob, tip);
        }
    }
    const bool empty = m_tree->topLevelItemCount() == 0;
    m_tree->setVisible(!empty);
    m_empty->setVisible(empty);
    if (live.isEmpty())
        m_timer->stop();
    else
        m_timer->start();
    tick();
}

void JobsPanel::tick()
{
    const QList<jobs::Job *> live = m_jobs->active();
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem *it = m_tree->topLevelItem(i);
        auto *job = static_cast<jobs::Job *>(it->data(ColJob, kJobRole).value<void *>());
        if (!job || !live.contains(job))
            continue;
        const QString status = jobs::statusName(job->status());
        it->setIcon(ColJob, dot(statusColor(status)));
        it->setText(ColStatus, status);
        it->setForeground(ColStatus, statusColor(status));
        it->setText(ColElapsed, formatElapsed(job->elapsedMs()));
        it->setToolTip(ColJob, job->what());
        if (auto *bar = qobject_cast<QProgressBar *>(m_tree->itemWidget(it, ColProgress))) {
            const qint64 total = job->total(), done = job->done();
            if (job->status() != jobs::JobStatus::Running) {
                bar->setRange(0, 1);   // not started: an empty bar, not a busy one
                bar->setValue(0);
                bar->setFormat(QString());
            } else if (total <= 0) {
                bar->setRange(0, 0);   // busy
            } else {
                bar->setRange(0, 1000);
                bar->setValue(int(done * 1000 / total));
                bar->setFormat(QStringLiteral("%1%").arg(done * 100 / total));
            }
        }
    }
}

} // namespace facelab::ui

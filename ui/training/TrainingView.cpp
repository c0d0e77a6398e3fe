#include "ui/training/TrainingView.h"

#include "finetune/FineTuneReportFile.h"

#include "jobs/Job.h"
#include "store/ModelTable.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/training/FineTuneJobs.h"
#include "ui/training/FineTuneLive.h"
#include "ui/widgets/RankProgressPanel.h"
#include "parallel/RankProgressText.h"
#include "ui/training/QueueStrategyReport.h"
#include "ui/training/VersionComparisonTable.h"
#include "ui/widgets/PlotStyle.h"

#include <QAction>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>
#include <qcustomplot.h>

namespace facelab::ui {

namespace {

QLabel *makeLabel(QWidget *parent, const QString &name, const QString &role = {})
{
    auto *l = new QLabel(parent);
    l->setObjectName(name);
    if (!role.isEmpty())
        l->setProperty("role", role);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

// A figure tile (the style sheet's statTile): a big value over a muted caption.
QLabel *tile(QWidget *parent, QHBoxLayout *row, const QString &name, const QString &caption)
{
    auto *f = new QFrame(parent);
    f->setObjectName(QStringLiteral("statTile"));
    auto *v = new QVBoxLayout(f);
    v->setContentsMargins(14, 8, 14, 8);
    v->setSpacing(2);
    QLabel *value = makeLabel(f, name, QStringLiteral("stat"));
    value->setText(QStringLiteral("—"));
    auto *c = new QLabel(caption, f);
    c->setProperty("role", QStringLiteral("muted"));
    v->addWidget(value);
    v->addWidget(c);
    row->addWidget(f);
    return value;
}

QString duration(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

QString aucText(double v) { return std::isfinite(v) ? QString::number(v, 'f', 3) : QStringLiteral("—"); }

} // namespace

TrainingView::TrainingView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("trainingView"));
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(28, 18, 28, 18);
    root->setSpacing(10);

    auto *head = new QHBoxLayout;
    m_title = new QLabel(tr("Training"), this);
    m_title->setProperty("role", QStringLiteral("title"));
    m_status = makeLabel(this, QStringLiteral("trainingStatus"), QStringLiteral("muted"));
    m_startAgain = new QPushButton(icon(QStringLiteral("train")), tr("Fine-tune…"), this);
    m_startAgain->setObjectName(QStringLiteral("trainingStart"));
    m_cancel = new QPushButton(icon(QStringLiteral("cancel")), tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("trainingCancel"));
    m_cancel->setToolTip(tr("Stop training: after the first epoch the best epoch so far is kept as the new version"));
    m_cancel->setVisible(false);
    head->addWidget(m_title);
    head->addSpacing(12);
    head->addWidget(m_status, 1);
    m_strategiesButton = new QPushButton(tr("Queue strategies"), this);
    m_strategiesButton->setObjectName(QStringLiteral("trainingStrategies"));
    m_strategiesButton->setCheckable(true);
    m_strategiesButton->setToolTip(tr("Is a verdict from the queue worth more than a random one? The active-learning "
                                      "benchmark's report: the child's gain on unseen people per strategy and budget"));
    head->addWidget(m_strategiesButton);
    head->addWidget(m_startAgain);
    head->addWidget(m_cancel);
    root->addLayout(head);

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(buildEmpty());
    m_pages->addWidget(buildRun());
    m_strategies = new QueueStrategyReport(this);
    m_pages->addWidget(m_strategies);
    connect(m_strategiesButton, &QPushButton::toggled, this, [this](bool on) {
        if (on) {
            m_pageBeforeStrategies = m_pages->currentIndex();
            m_pages->setCurrentWidget(m_strategies);
        } else {
            m_pages->setCurrentIndex(m_pageBeforeStrategies);
        }
    });
    root->addWidget(m_pages, 1);

    m_timer = new QTimer(this);
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &TrainingView::tick);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_jobs)
            m_jobs->cancel();
        m_cancel->setEnabled(false);
        m_phase = tr("cancelling…");
        tick();
    });
}

QWidget *TrainingView::buildEmpty()
{
    auto *page = new QWidget(this);
    auto *v = new QVBoxLayout(page);
    v->addStretch(2);
    auto *ic = new QLabel(page);
    ic->setPixmap(icon(QStringLiteral("train")).pixmap(72, 72));
    ic->setAlignment(Qt::AlignCenter);
    auto *t = new QLabel(tr("No fine-tuning in this window yet"), page);
    t->setProperty("role", QStringLiteral("hero"));
    t->setAlignment(Qt::AlignCenter);
    auto *text = new QLabel(tr("Training ▸ Fine-tune… trains a model version on your same/different verdicts in the "
                               "background and keeps the best epoch as a new version. Its loss and validation AUC (on people "
                               "not trained on) show here as it learns; it then says whether the child is better than its parent; label on in Annotate meanwhile. Earlier runs are listed in Runs, "
                               "their versions in Models."),
                            page);
    text->setWordWrap(true);
    text->setAlignment(Qt::AlignCenter);
    text->setProperty("role", QStringLiteral("muted"));
    text->setFixedWidth(620);
    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(text);
    row->addStretch(1);
    v->addWidget(ic);
    v->addSpacing(8);
    v->addWidget(t);
    v->addLayout(row);
    v->addStretch(3);
    return page;
}

QWidget *TrainingView::buildRun()
{
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *page = new QWidget(scroll);
    auto *v = new QVBoxLayout(page);
    v->setContentsMargins(0, 0, 4, 0);
    v->setSpacing(10);

    m_tiles = new QWidget(page);
    auto *tiles = new QHBoxLayout(m_tiles);
    tiles->setContentsMargins(0, 0, 0, 0);
    tiles->setSpacing(10);
    m_elapsed = tile(m_tiles, tiles, QStringLiteral("trainingElapsed"), tr("elapsed"));
    m_eta = tile(m_tiles, tiles, QStringLiteral("trainingEta"), tr("left (estimate)"));
    m_phaseLabel = tile(m_tiles, tiles, QStringLiteral("trainingEpoch"), tr("epoch"));
    tiles->addStretch(1);
    v->addWidget(m_tiles);

    m_progress = new QProgressBar(page);
    m_progress->setObjectName(QStringLiteral("trainingProgress"));
    m_progress->setTextVisible(false);
    m_progress->setFixedHeight(8);
    v->addWidget(m_progress);
    m_device = makeLabel(page, QStringLiteral("trainingDevice"), QStringLiteral("muted"));
    m_snapshot = makeLabel(page, QStringLiteral("trainingSnapshot"), QStringLiteral("muted"));
    m_snapshot->setWordWrap(true);
    v->addWidget(m_device);
    v->addWidget(m_snapshot);
    m_ranks = new RankProgressPanel(page);
    v->addWidget(m_ranks);

    m_plots = new QBoxLayout(QBoxLayout::LeftToRight);
    auto *plots = m_plots;
    plots->setSpacing(12);
    m_lossPlot = new QCustomPlot(page);
    m_lossPlot->setObjectName(QStringLiteral("lossPlot"));
    stylePlot(m_lossPlot, tr("Epoch"), tr("Contrastive loss"));
    // Its legend in rows of their own above the curves (two entries a row, to fit beside a
    // finished run's result): inside the axes it covered where the losses start.
    m_lossPlot->plotLayout()->insertRow(0);
    m_lossPlot->plotLayout()->addElement(0, 0, m_lossPlot->legend);
    m_lossPlot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_lossPlot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_lossPlot->legend->setWrap(2);
    m_lossPlot->legend->setMargins(QMargins(6, 2, 6, 2));
    m_stepGraph = m_lossPlot->addGraph();
    QColor stepColour = theme::accent();
    stepColour.setAlpha(110);
    m_stepGraph->setPen(QPen(stepColour, 1));
    m_stepGraph->setName(tr("train (each step)"));
    m_trainGraph = m_lossPlot->addGraph();
    m_trainGraph->setPen(QPen(theme::accent(), 2.5));
    m_trainGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, theme::accent(), 7));
    m_trainGraph->setName(tr("train (epoch mean)"));
    m_valLossGraph = m_lossPlot->addGraph();
    m_valLossGraph->setPen(QPen(theme::warning(), 2, Qt::DashLine));
    m_valLossGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, theme::warning(), 7));
    m_valLossGraph->setName(tr("validation"));

    m_accPlot = new QCustomPlot(page);
    m_accPlot->setObjectName(QStringLiteral("accuracyPlot"));
    // Validation AUC: what the best epoch is chosen by (threshold-free).
    stylePlot(m_accPlot, tr("Epoch (0 = starting weights)"), tr("Validation AUC"));
    m_accGraph = m_accPlot->addGraph();
    m_accGraph->setPen(QPen(theme::same(), 2.5));
    m_accGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, theme::same(), 7));
    m_accGraph->setName(tr("validation AUC"));
    m_bestGraph = m_accPlot->addGraph();
    m_bestGraph->setLineStyle(QCPGraph::lsNone);
    m_bestGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QPen(QColor(0xff, 0xd4, 0x79), 2),
                                                 QBrush(Qt::NoBrush), 16));
    m_bestGraph->setName(tr("best epoch (kept)"));
    m_bestLabel = new QCPItemText(m_accPlot);
    m_bestLabel->setColor(QColor(0xff, 0xd4, 0x79));
    m_bestLabel->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
    m_bestLabel->setPadding(QMargins(0, 0, 0, 12));
    m_bestLabel->setVisible(false);
    m_accPlot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    plots->addWidget(m_lossPlot, 1);
    plots->addWidget(m_accPlot, 1);
    m_body = new QBoxLayout(QBoxLayout::TopToBottom);
    m_body->setSpacing(12);
    m_body->addLayout(plots, 1);
    v->addLayout(m_body, 1);

    // The result, once the job ends with a new version.
    m_result = new QFrame(page);
    m_result->setObjectName(QStringLiteral("trainingResult"));
    m_result->setStyleSheet(QStringLiteral("QFrame#trainingResult { background: #22252a; border: 1px solid #2c3036; "
                                           "border-radius: 8px; }"));
    auto *rv = new QVBoxLayout(m_result);
    rv->setContentsMargins(14, 10, 14, 10);
    rv->setSpacing(6);
    m_resultTitle = makeLabel(m_result, QStringLiteral("trainingResultTitle"), QStringLiteral("subtitle"));
    m_resultTitle->setWordWrap(true);
    m_verdict = makeLabel(m_result, QStringLiteral("trainingVerdict"));
    m_verdict->setWordWrap(true);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table = new VersionComparisonTable(m_result);
    m_notes = makeLabel(m_result, QStringLiteral("trainingNotes"));
    m_notes->setWordWrap(true);
    m_notes->setStyleSheet(QStringLiteral("color: %1").arg(theme::warning().name()));
    auto *buttons = new QHBoxLayout;
    m_makeCurrent = new QPushButton(icon(QStringLiteral("star")), tr("Make current"), m_result);
    m_makeCurrent->setObjectName(QStringLiteral("trainingMakeCurrent"));
    m_compare = new QPushButton(icon(QStringLiteral("eye")), tr("Compare in Evaluate"), m_result);
    m_compare->setObjectName(QStringLiteral("trainingCompare"));
    m_compare->setToolTip(tr("The Evaluate view with the new version and its parent on the same plots"));
    m_showModels = new QPushButton(icon(QStringLiteral("model")), tr("Show in Models"), m_result);
    m_showModels->setObjectName(QStringLiteral("trainingShowModels"));
    for (QPushButton *b : {m_makeCurrent, m_compare, m_showModels}) {
        b->setCursor(Qt::PointingHandCursor);
        buttons->addWidget(b);
    }
    buttons->addStretch(1);
    rv->addWidget(m_resultTitle);
    rv->addWidget(m_verdict);
    rv->addWidget(m_table);
    rv->addWidget(m_notes);
    rv->addLayout(buttons);
    m_result->setVisible(false);
    m_body->addWidget(m_result);

    connect(m_makeCurrent, &QPushButton::clicked, this, [this] {
        if (!m_store || m_report.versionId <= 0)
            return;
        try {
            store::ModelTable(*m_store).setCurrent(m_report.versionId);
        } catch (const std::exception &e) {
            QMessageBox::critical(this, tr("Current model not changed"), QString::fromUtf8(e.what()));
            return;
        }
        showResult();
        emit currentChanged(m_report.versionId);
    });
    connect(m_compare, &QPushButton::clicked, this, [this] {
        if (m_report.versionId > 0)
            emit compareRequested(m_report.versionId, m_report.parentId);
    });
    connect(m_showModels, &QPushButton::clicked, this, [this] {
        if (m_report.versionId > 0)
            emit showModelsRequested(m_report.versionId);
    });
    scroll->setWidget(page);
    return scroll;
}

void TrainingView::setProject(const store::ProjectStore *store)
{
    const bool changed = store != m_store;
    if (changed)
        m_strategiesButton->setChecked(false);
    if (changed && !m_running) {
        m_pages->setCurrentIndex(0);
        m_status->clear();
        m_report = {};
    }
    m_store = store;
    if (changed && store)
        m_strategies->setProjectFolder(store->folder());
    if (changed && !m_running && store)
        showLastReport();
}

void TrainingView::showLastReport()
{
    std::optional<finetune::FineTuneReport> last;
    try {
        last = finetune::lastReport(*m_store);
    } catch (const std::exception &) {
        return;   // an unreadable store is reported where it is read for work, not here
    }
    if (!last)
        return;
    m_report = *last;
    m_parent = last->parent;
    m_parentId = last->parentId;
    m_stepX.clear();
    m_stepLoss.clear();
    m_epochs = QVector<train::EpochStats>(last->training.epochs.begin(), last->training.epochs.end());
    m_bestEpoch = last->training.bestEpoch;
    m_plannedEpochs = last->training.epochsRun;
    m_jobClock.invalidate();
    m_endedMs = qint64(std::isfinite(last->seconds) ? last->seconds * 1000 : 0);
    m_phase.clear();
    m_cancel->setVisible(false);
    m_progress->setRange(0, 1000);
    m_progress->setValue(1000);
    m_device->setText(tr("Device: %1").arg(QString::fromStdString(last->training.device)));
    m_snapshot->setText(tr("The last fine-tuning of this project (run %1), as it ended; its per-step losses are not "
                           "kept, its validation curves are.").arg(last->runId));
    m_status->setText(last->training.cancelled
                          ? tr("Last run, cancelled: the best epoch so far (%1) was kept as %2")
                                .arg(last->training.bestEpoch).arg(last->version)
                          : tr("Last run: %1 fine-tuned into %2 (best epoch %3 of %4) in %5 on %6")
                                .arg(last->parent, last->version)
                                .arg(last->training.bestEpoch)
                                .arg(last->training.epochsRun)
                                .arg(duration(m_endedMs), QString::fromStdString(last->training.device)));
    m_pages->setCurrentIndex(1);
    showResult();
    replot();
    tick();
}

void TrainingView::setJobs(FineTuneJobs *jobs)
{
    m_jobs = jobs;
    QAction *a = jobs->fineTuneAction();
    auto sync = [this, a] {
        m_startAgain->setEnabled(a->isEnabled());
        m_startAgain->setToolTip(a->toolTip());
    };
    sync();
    connect(a, &QAction::changed, this, sync);
    connect(m_startAgain, &QPushButton::clicked, a, &QAction::trigger);
    connect(jobs, &FineTuneJobs::runQueued, this, &TrainingView::reset);
    connect(jobs, &FineTuneJobs::runFinished, this, &TrainingView::onFinished);
}

void TrainingView::reset(const QString &parent, qint64 parentId, const finetune::FineTuneRequest &request)
{
    m_strategiesButton->setChecked(false);   // a new run shows itself
    m_running = true;
    m_trainingStarted = false;
    m_parent = parent;
    m_parentId = parentId;
    m_plannedEpochs = request.training.epochs;
    m_jobClock.start();
    m_trainClock.invalidate();
    m_endedMs = -1;
    m_stepsDone = m_stepsTotal = 0;
    m_stepX.clear();
    m_stepLoss.clear();
    m_epochs.clear();
    m_bestEpoch = -1;
    m_ranks->setRanks({}, QString());
    m_report = {};
    m_phase = tr("detecting faces and loading the training set…");
    m_device->setText(tr("Device: starting…"));
    m_snapshot->setText(tr("Taking the feedback snapshot…"));
    m_result->setVisible(false);
    arrange(false);
    m_table->clear();
    m_cancel->setVisible(true);
    m_cancel->setEnabled(true);
    m_progress->setRange(0, 0);
    m_pages->setCurrentIndex(1);
    if (jobs::Job *job = m_jobs ? m_jobs->job() : nullptr) {
        connect(job, &jobs::Job::progress, this, [this](qint64, qint64, const QString &what) {
            // The job's own phases: loading faces, then (after training) embedding and evaluating.
            if (m_running && (m_stepsTotal == 0 || m_stepsDone >= m_stepsTotal))
                m_phase = what;
        });
        connect(job, &jobs::Job::snapshot, this, [this, job] { onLive(job->latestSnapshot().value<FineTuneLive>()); });
    }
    replot();
    tick();
    m_timer->start();
}

void TrainingView::onLive(const FineTuneLive &live)
{
    if (!m_running)
        return;
    if (!m_trainingStarted && !live.device.isEmpty())
        onStarted(live);
    const bool newSteps = live.steps.size() > m_stepX.size();
    for (qsizetype i = m_stepX.size(); i < live.steps.size(); ++i)
        onStep(live.steps[i]);
    m_ranks->setRanks(parallel::rankProgressList(live.ranks), tr("pairs"));
    if (newSteps)
        tick();   // the header's step with the rank rows' (the timer alone lags them)
    // Many steps per second are possible: the plot follows the timer and the epochs, not every step.
    if (live.epochs.size() > m_epochs.size()) {
        for (qsizetype i = m_epochs.size(); i < live.epochs.size(); ++i) {
            m_epochs.push_back(live.epochs[i]);
            if (live.epochs[i].best)
                m_bestEpoch = live.epochs[i].epoch;
        }
        replot();
        tick();
    }
}

void TrainingView::onStarted(const FineTuneLive &s)
{
    m_trainingStarted = true;
    m_trainClock.start();
    m_phase.clear();
    m_device->setText(tr("Device: %1").arg(s.device));
    const QDateTime taken = QDateTime::fromString(s.snapshotTakenAt, Qt::ISODateWithMs);
    m_snapshot->setText(tr("Uses %1 verdicts taken at %2 (%3 training pairs, %4 validation pairs from the %5); "
                           "labelling goes on meanwhile and later verdicts wait for the next run.")
                            .arg(QLocale().toString(s.trainPairs + s.validationPairs),
                                 taken.isValid() ? taken.toLocalTime().toString(QStringLiteral("HH:mm")) : s.snapshotTakenAt,
                                 QLocale().toString(s.trainPairs), QLocale().toString(s.validationPairs),
                                 s.validationSource));
    tick();
}

void TrainingView::onStep(const train::StepStats &s)
{
    if (!m_trainClock.isValid())
        m_trainClock.start();
    m_stepsDone = s.step;
    m_stepsTotal = s.steps;
    const double perEpoch = m_plannedEpochs > 0 ? double(s.steps) / m_plannedEpochs : 1.0;
    m_stepX.push_back(perEpoch > 0 ? double(s.step) / perEpoch : double(s.epoch));
    m_stepLoss.push_back(s.loss);
    m_progress->setRange(0, 1000);
    m_progress->setValue(s.steps > 0 ? int(s.step * 1000 / s.steps) : 0);
    m_phaseLabel->setText(QStringLiteral("%1 / %2").arg(s.epoch).arg(m_plannedEpochs));
    m_phase = s.step >= s.steps ? tr("embedding the faces with the new version and evaluating both on the test split…")
                                : QString();
}

void TrainingView::onFinished(jobs::JobStatus status, const QString &error, const finetune::FineTuneReport &report)
{
    m_running = false;
    m_endedMs = m_jobClock.isValid() ? m_jobClock.elapsed() : 0;
    m_timer->stop();
    m_cancel->setVisible(false);
    m_report = report;
    m_phase.clear();
    m_progress->setRange(0, 1000);
    if (status == jobs::JobStatus::Done)
        m_progress->setValue(1000);
    if (report.versionId > 0) {
        m_bestEpoch = report.training.bestEpoch;
        m_status->setText(status == jobs::JobStatus::Done
                              ? tr("Done: %1 fine-tuned into %2 (best epoch %3 of %4) in %5 on %6")
                                    .arg(report.parent, report.version)
                                    .arg(report.training.bestEpoch)
                                    .arg(report.training.epochsRun)
                                    .arg(duration(m_endedMs), QString::fromStdString(report.training.device))
                              : tr("Cancelled: the best epoch so far (%1) was kept as %2")
                                    .arg(report.training.bestEpoch)
                                    .arg(report.version));
        showResult();
    } else if (status == jobs::JobStatus::Cancelled) {
        m_status->setText(tr("Cancelled before the first epoch ended: no new version."));
    } else {
        m_status->setText(tr("Failed: %1").arg(error));
    }
    replot();
    tick();
}

void TrainingView::showResult()
{
    const finetune::FineTuneReport &r = m_report;
    m_result->setVisible(r.versionId > 0);
    arrange(r.versionId > 0 && !m_running);
    if (r.versionId <= 0)
        return;
    const double before = r.training.epochs.empty() ? NAN : r.training.epochs.front().valAuc;
    double after = NAN;
    for (const auto &e : r.training.epochs)
        if (e.epoch == r.training.bestEpoch)
            after = e.valAuc;
    m_resultTitle->setText(tr("%1 → %2 · validation AUC %3 → %4").arg(r.parent, r.version, aucText(before), aucText(after)));
    // The verdict in words first: a child that is not better must not look like an improvement.
    const QString verdict = r.verdict.verdict;
    if (verdict.isEmpty()) {
        m_verdict->setText(tr("Not judged: the run ended before the child was compared with its parent. "
                              "Compare them in Evaluate before using it."));
    } else {
        QStringList lines{QStringLiteral("<b>%1</b>").arg(r.verdict.summary.toHtmlEscaped())};
        for (const QString &reason : r.verdict.reasons)
            lines << QStringLiteral("· ") + reason.toHtmlEscaped();
        m_verdict->setText(lines.join(QStringLiteral("<br>")));
    }
    const QColor tone = r.verdict.better() ? theme::same() : verdict == QLatin1String("worse") ? theme::different()
                                                                                              : theme::warning();
    m_verdict->setStyleSheet(QStringLiteral("color: %1").arg(tone.name()));
    m_table->setComparison(r.parent, r.version, r.test);
    QStringList notes;
    for (const QString &n : r.notes)
        notes << QStringLiteral("⚠ ") + n;
    m_notes->setText(notes.join(QLatin1Char('\n')));
    m_notes->setVisible(!notes.isEmpty());
    bool current = false;
    if (m_store) {
        try {
            const auto cur = store::ModelTable(*m_store).current();
            current = cur && cur->id == r.versionId;
        } catch (const std::exception &) {
        }
    }
    m_makeCurrent->setEnabled(!current && m_store);
    const bool better = r.verdict.better();
    m_makeCurrent->setText(current ? tr("Current") : better ? tr("Make current") : tr("Make current anyway"));
    m_makeCurrent->setToolTip(better ? QString() : tr("The child is %1 than its parent: keep the parent unless you "
                                                      "know better").arg(verdict.isEmpty() ? tr("not judged better") : verdict));
    // Only a better child gets the default button (Enter); otherwise the safe action is to look.
    m_makeCurrent->setDefault(better && !current);
    m_makeCurrent->setAutoDefault(better && !current);
    m_compare->setDefault(!better);
    m_compare->setAutoDefault(!better);
    m_compare->setEnabled(r.parentId > 0);
}

void TrainingView::arrange(bool resultBesideCurves)
{
    // Elapsed / left / epoch and the progress bar describe a run in progress; a finished one says
    // its duration in the status line.
    m_tiles->setVisible(!resultBesideCurves);
    m_progress->setVisible(!resultBesideCurves);
    m_device->setVisible(!resultBesideCurves);   // the status line names the device then
    if (resultBesideCurves)
        m_ranks->hide();   // per-process progress is for a run in progress too
    // Stacked, the two plots share the height the result needs beside them.
    for (QCustomPlot *p : {m_lossPlot, m_accPlot})
        p->setMinimumHeight(resultBesideCurves ? 160 : 220);
    m_body->setDirection(resultBesideCurves ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom);
    m_plots->setDirection(resultBesideCurves ? QBoxLayout::TopToBottom : QBoxLayout::LeftToRight);
    m_body->setStretch(0, resultBesideCurves ? 1 : 1);
    m_body->setStretch(1, resultBesideCurves ? 2 : 0);
}

QString TrainingView::statusText() const { return m_status->text(); }
QString TrainingView::snapshotText() const { return m_snapshot->text(); }
QString TrainingView::deviceText() const { return m_device->text(); }

void TrainingView::tick()
{
    const qint64 ms = m_endedMs >= 0 ? m_endedMs : (m_jobClock.isValid() ? m_jobClock.elapsed() : 0);
    m_elapsed->setText(duration(ms));
    if (m_running && m_trainClock.isValid() && m_stepsDone > 0 && m_stepsDone < m_stepsTotal) {
        const double left = double(m_trainClock.elapsed()) * double(m_stepsTotal - m_stepsDone) / double(m_stepsDone);
        m_eta->setText(duration(qint64(left)));
    } else {
        m_eta->setText(m_running ? QStringLiteral("—") : duration(0));
    }
    if (m_running) {
        QString text = tr("Fine-tuning %1").arg(m_parent);
        if (!m_phase.isEmpty())
            text += QStringLiteral(" · ") + m_phase;
        else if (m_stepsTotal > 0)
            text += tr(" · step %1 of %2, loss %3").arg(m_stepsDone).arg(m_stepsTotal).arg(m_stepLoss.value(m_stepLoss.size() - 1), 0, 'f', 4);
        m_status->setText(text);
        replot();
    }
}

void TrainingView::replot()
{
    m_stepGraph->setData(m_stepX, m_stepLoss, true);
    // The epoch axis grows with the run (one epoch ahead), up to the planned epochs: a long run's
    // first epochs stay readable.
    const int lastEpoch = m_epochs.isEmpty() ? 0 : m_epochs.back().epoch;
    const double seen = std::max(double(lastEpoch), m_stepX.isEmpty() ? 0.0 : std::ceil(m_stepX.back()));
    const double xmax = std::max(1.0, std::max(seen, std::min(double(m_plannedEpochs), seen + 1)));
    QVector<double> ex, train, valLoss, acc, bx, by;
    for (const auto &e : std::as_const(m_epochs)) {
        if (e.epoch > 0 && std::isfinite(e.trainLoss)) {
            ex.push_back(e.epoch);
            train.push_back(e.trainLoss);
        }
        if (e.epoch == m_bestEpoch) {
            bx.push_back(e.epoch);
            by.push_back(e.valAuc);
        }
    }
    QVector<double> vx;
    for (const auto &e : std::as_const(m_epochs)) {
        vx.push_back(e.epoch);
        valLoss.push_back(e.valLoss);
        acc.push_back(e.valAuc);
    }
    m_trainGraph->setData(ex, train, true);
    m_valLossGraph->setData(vx, valLoss, true);
    m_accGraph->setData(vx, acc, true);
    m_bestGraph->setData(bx, by, true);
    m_bestLabel->setVisible(!bx.isEmpty());
    if (!bx.isEmpty()) {
        m_bestLabel->position->setCoords(bx.front(), by.front());
        // Near an edge the label extends inwards, so it stays inside the plot.
        const double where = bx.front() / xmax;
        m_bestLabel->setPositionAlignment((where > 0.6 ? Qt::AlignRight : where < 0.25 ? Qt::AlignLeft : Qt::AlignHCenter) |
                                          Qt::AlignBottom);
        m_bestLabel->setText(tr("best: epoch %1, %2").arg(int(bx.front())).arg(QStringLiteral("AUC ") + aucText(by.front())));
    }
    m_lossPlot->xAxis->setRange(0, xmax);
    bool found = false;
    QCPRange ly = m_stepGraph->getValueRange(found);
    for (QCPGraph *g : {m_trainGraph, m_valLossGraph}) {
        bool f = false;
        const QCPRange r = g->getValueRange(f);
        if (f)
            ly = found ? QCPRange(std::min(ly.lower, r.lower), std::max(ly.upper, r.upper)) : r;
        found |= f;
    }
    if (found)
        m_lossPlot->yAxis->setRange(0, std::max(0.05, ly.upper * 1.1));
    m_accPlot->xAxis->setRange(-0.3, xmax + 0.3);
    double lo = 1.0;
    for (double a : std::as_const(acc))
        lo = std::min(lo, a);
    m_accPlot->yAxis->setRange(acc.isEmpty() ? 0.5 : std::max(0.0, lo - 0.08), 1.02);
    m_lossPlot->legend->setVisible(!m_stepX.isEmpty() || !vx.isEmpty());
    m_accPlot->legend->setVisible(!vx.isEmpty());
    m_lossPlot->replot(QCustomPlot::rpQueuedReplot);
    m_accPlot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace facelab::ui

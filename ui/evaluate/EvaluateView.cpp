#include "ui/evaluate/EvaluateView.h"

#include "eval/EvalError.h"
#include "store/DecisionThreshold.h"
#include "store/ModelTable.h"
#include "store/ScoreTable.h"
#include "ui/Theme.h"
#include "ui/evaluate/ErrorExportJob.h"
#include "ui/evaluate/HistogramMouse.h"
#include "ui/widgets/PlotStyle.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

namespace facelab::ui {

namespace {

constexpr int kSliderSteps = 1000;
constexpr int kBins = 50;

QColor compareColor() { return QColor(0xe3, 0xa2, 0x3b); }

QLabel *makeLabel(QWidget *parent, const QString &objectName, const QString &role = {})
{
    auto *l = new QLabel(parent);
    l->setObjectName(objectName);
    if (!role.isEmpty())
        l->setProperty("role", role);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

QString pct(double v) { return QStringLiteral("%1%").arg(v * 100.0, 0, 'f', 2); }
QString optPct(const std::optional<double> &v) { return v ? pct(*v) : QStringLiteral("—"); }

EvaluatedVersion evaluateOne(const store::ProjectStore &st, qint64 versionId, eval::TruthSource source)
{
    EvaluatedVersion out;
    const auto version = store::ModelTable(st).version(versionId);
    if (!version) {
        out.message = QObject::tr("The model version no longer exists.");
        return out;
    }
    if (store::ScoreTable(st).count(versionId) == 0) {
        out.message = QObject::tr("Version %1 has not scored the pairs yet: embed the faces with it.").arg(version->name);
        out.unscoredVersion = versionId;
        return out;
    }
    try {
        out.pairs = eval::loadEvalPairs(st, *version, source);
        eval::EvalOptions o;
        // The project's one rule (stored, else the last evaluation run's best, else the default),
        // so Evaluate, Errors and Annotate decide "same" at the same threshold.
        out.decision = store::decisionThreshold(st, *version);
        o.threshold = out.decision.value;
        o.folds = int(std::min<std::size_t>(10, std::max<std::size_t>(2, out.pairs.size())));
        out.result = eval::evaluateScores(out.pairs.scores, out.pairs.same, o, out.pairs.describe());
        out.ok = true;
    } catch (const eval::EvalError &e) {
        out.message = QString::fromStdString(e.what());
    } catch (const std::exception &e) {
        out.message = QObject::tr("Evaluation failed: %1").arg(QString::fromStdString(e.what()));
    }
    return out;
}

} // namespace

EvaluateView::EvaluateView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("evaluateView"));
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 16, 20, 12);
    v->setSpacing(10);

    auto *title = new QLabel(tr("Evaluate"), this);
    title->setProperty("role", QStringLiteral("title"));
    v->addWidget(title);

    auto *controls = new QHBoxLayout;
    controls->setSpacing(8);
    m_version = new QComboBox(this);
    m_version->setObjectName(QStringLiteral("evalVersion"));
    m_version->setMinimumWidth(180);
    m_compare = new QComboBox(this);
    m_compare->setObjectName(QStringLiteral("evalCompare"));
    m_compare->setMinimumWidth(160);
    m_truth = new QComboBox(this);
    m_truth->setObjectName(QStringLiteral("evalTruth"));
    m_truth->addItem(tr("Verdicts (else imported)"), int(eval::TruthSource::Verdicts));
    m_truth->addItem(tr("Imported truth only"), int(eval::TruthSource::Imported));
    m_logFar = new QCheckBox(tr("Log FAR axis"), this);
    m_logFar->setObjectName(QStringLiteral("evalLogFar"));
    m_reload = new QPushButton(tr("Re-evaluate"), this);
    m_reload->setObjectName(QStringLiteral("evalReload"));
    m_pngButton = new QPushButton(tr("Export PNG…"), this);
    m_pngButton->setObjectName(QStringLiteral("evalExportPng"));
    m_pdfButton = new QPushButton(tr("Export PDF…"), this);
    m_pdfButton->setObjectName(QStringLiteral("evalExportPdf"));
    m_exportErrors = new QPushButton(tr("Export error folders…"), this);
    m_exportErrors->setObjectName(QStringLiteral("evalExportErrors"));
    m_exportErrors->setToolTip(tr("Write a folder per false positive and false negative at this threshold (both "
                                  "images, comparison.png, info.txt) and summary.json"));
    m_exportErrors->setEnabled(false);
    for (QComboBox *c : {m_version, m_compare, m_truth})
        c->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_version->setMinimumWidth(0);
    m_compare->setMinimumWidth(0);
    controls->addWidget(new QLabel(tr("Version"), this));
    controls->addWidget(m_version);
    controls->addSpacing(6);
    controls->addWidget(new QLabel(tr("compare with"), this));
    controls->addWidget(m_compare);
    controls->addSpacing(6);
    controls->addWidget(new QLabel(tr("Truth"), this));
    controls->addWidget(m_truth);
    controls->addSpacing(6);
    controls->addWidget(m_reload);
    controls->addStretch(1);
    v->addLayout(controls);

    m_pages = new QStackedWidget(this);
    // The message page: one line saying what to do, and the button that does it.
    auto *messagePage = new QWidget(m_pages);
    auto *mv = new QVBoxLayout(messagePage);
    mv->addStretch(2);
    m_message = makeLabel(messagePage, QStringLiteral("evalMessage"), QStringLiteral("muted"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    mv->addWidget(m_message);
    m_messageAction = new QPushButton(messagePage);
    m_messageAction->setObjectName(QStringLiteral("evalMessageAction"));
    m_messageAction->setProperty("primary", true);
    m_messageAction->hide();
    auto *mb = new QHBoxLayout;
    mb->addStretch(1);
    mb->addWidget(m_messageAction);
    mb->addStretch(1);
    mv->addSpacing(8);
    mv->addLayout(mb);
    mv->addStretch(3);
    m_pages->addWidget(messagePage);
    connect(m_messageAction, &QPushButton::clicked, this, [this] {
        if (m_messageActionKind == MessageAction::AddModel)
            emit addDefaultModelRequested();
        else if (m_messageActionKind == MessageAction::Embed)
            emit embedRequested(m_messageVersion);
    });

    auto *content = new QWidget(m_pages);
    auto *cv = new QVBoxLayout(content);
    cv->setContentsMargins(0, 0, 0, 0);
    m_summary = makeLabel(content, QStringLiteral("evalSummary"), QStringLiteral("muted"));
    m_summary->setWordWrap(true);
    cv->addWidget(m_summary);
    auto *plots = new QSplitter(Qt::Horizontal, content);
    m_roc = new QCustomPlot(plots);
    m_roc->setObjectName(QStringLiteral("rocPlot"));
    m_hist = new QCustomPlot(plots);
    m_hist->setObjectName(QStringLiteral("histogramPlot"));
    m_hist->setToolTip(tr("Click a bar to list its pairs; drag, or click beside the bars, to move the threshold"));
    m_histMouse = new HistogramMouse(m_hist, this);
    plots->addWidget(m_roc);
    plots->addWidget(m_hist);
    cv->addWidget(plots, 1);

    // Threshold row.
    auto *trow = new QHBoxLayout;
    m_thresholdBox = new QDoubleSpinBox(content);
    m_thresholdBox->setObjectName(QStringLiteral("evalThreshold"));
    m_thresholdBox->setDecimals(4);
    m_thresholdBox->setSingleStep(0.01);
    m_thresholdBox->setRange(-1.0, 1.0);
    m_thresholdBox->setKeyboardTracking(true);
    m_slider = new QSlider(Qt::Horizontal, content);
    m_slider->setObjectName(QStringLiteral("evalThresholdSlider"));
    m_slider->setRange(0, kSliderSteps);
    trow->addWidget(new QLabel(tr("Threshold"), content));
    trow->addWidget(m_thresholdBox);
    trow->addWidget(m_slider, 1);
    trow->addSpacing(12);
    trow->addWidget(m_logFar);
    trow->addWidget(m_pngButton);
    trow->addWidget(m_pdfButton);
    trow->addWidget(m_exportErrors);
    cv->addLayout(trow);

    // Confusion + metrics.
    auto *bottom = new QHBoxLayout;
    auto *grid = new QGridLayout;
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(4);
    auto cell = [&](const QString &name, const QColor &c) {
        QLabel *l = makeLabel(content, name);
        l->setAlignment(Qt::AlignCenter);
        l->setMinimumWidth(130);
        l->setStyleSheet(QStringLiteral("QLabel { background: %1; border: 1px solid %2; border-radius: 6px; "
                                        "padding: 6px 10px; font-size: 11pt; }")
                             .arg(c.name(), theme::border().name()));
        return l;
    };
    QColor good = theme::same().darker(260), bad = theme::different().darker(260);
    m_tp = cell(QStringLiteral("confusionTP"), good);
    m_fn = cell(QStringLiteral("confusionFN"), bad);
    m_fp = cell(QStringLiteral("confusionFP"), bad);
    m_tn = cell(QStringLiteral("confusionTN"), good);
    auto *hdrSame = makeLabel(content, QStringLiteral("hdr1"), QStringLiteral("muted"));
    hdrSame->setText(tr("predicted same"));
    auto *hdrDiff = makeLabel(content, QStringLiteral("hdr2"), QStringLiteral("muted"));
    hdrDiff->setText(tr("predicted different"));
    auto *rowSame = makeLabel(content, QStringLiteral("hdr3"), QStringLiteral("muted"));
    rowSame->setText(tr("truly same"));
    auto *rowDiff = makeLabel(content, QStringLiteral("hdr4"), QStringLiteral("muted"));
    rowDiff->setText(tr("truly different"));
    grid->addWidget(hdrSame, 0, 1, Qt::AlignCenter);
    grid->addWidget(hdrDiff, 0, 2, Qt::AlignCenter);
    grid->addWidget(rowSame, 1, 0);
    grid->addWidget(rowDiff, 2, 0);
    grid->addWidget(m_tp, 1, 1);
    grid->addWidget(m_fn, 1, 2);
    grid->addWidget(m_fp, 2, 1);
    grid->addWidget(m_tn, 2, 2);
    bottom->addLayout(grid);
    for (QLabel *l : {m_fp, m_fn}) {
        l->setCursor(Qt::PointingHandCursor);
        l->setToolTip(tr("Open these pairs in the Errors view"));
        l->installEventFilter(this);
    }
    bottom->addSpacing(16);
    m_thresholdMetrics = makeLabel(content, QStringLiteral("evalThresholdMetrics"));
    m_thresholdMetrics->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    bottom->addWidget(m_thresholdMetrics);
    bottom->addSpacing(16);
    m_metrics = makeLabel(content, QStringLiteral("evalMetrics"));
    m_metrics->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    bottom->addWidget(m_metrics, 1);
    m_compareMetrics = makeLabel(content, QStringLiteral("evalCompareMetrics"));
    m_compareMetrics->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    bottom->addWidget(m_compareMetrics, 1);
    cv->addLayout(bottom);
    m_pages->addWidget(content);
    v->addWidget(m_pages, 1);

    buildPlots();
    showMessage(tr("Open a project to evaluate its model."));

    connect(&m_watcher, &QFutureWatcher<EvaluationData>::finished, this, &EvaluateView::onLoaded);
    connect(m_reload, &QPushButton::clicked, this, &EvaluateView::evaluate);
    connect(m_version, &QComboBox::activated, this, &EvaluateView::evaluate);
    connect(m_compare, &QComboBox::activated, this, &EvaluateView::evaluate);
    connect(m_truth, &QComboBox::activated, this, &EvaluateView::evaluate);
    connect(m_logFar, &QCheckBox::toggled, this, [this] { plotRoc(); });
    connect(m_thresholdBox, &QDoubleSpinBox::valueChanged, this, [this](double t) {
        if (!m_syncing)
            setThreshold(t);
    });
    connect(m_slider, &QSlider::valueChanged, this, [this](int s) {
        if (!m_syncing)
            setThreshold(m_sliderMin + (m_sliderMax - m_sliderMin) * double(s) / kSliderSteps);
    });
    connect(m_histMouse, &HistogramMouse::thresholdMoved, this, &EvaluateView::setThreshold);
    connect(m_histMouse, &HistogramMouse::barClicked, this, [this](bool same, int bin) {
        if (m_data.primary.ok)
            emit pairsRequested(pairsInBin(same, bin));
    });
    connect(m_exportErrors, &QPushButton::clicked, this, &EvaluateView::chooseAndExportErrors);
    connect(m_pngButton, &QPushButton::clicked, this, [this] { chooseAndExport(false); });
    connect(m_pdfButton, &QPushButton::clicked, this, [this] { chooseAndExport(true); });
}

EvaluateView::~EvaluateView()
{
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
}

void EvaluateView::buildPlots()
{
    stylePlot(m_roc, tr("False accept rate (FAR)"), tr("True accept rate (TAR)"));
    m_roc->setMinimumHeight(140);   // the plots give way first on a 768 px screen
    m_roc->legend->setVisible(true);
    m_roc->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    m_diag = m_roc->addGraph();
    m_diag->setPen(QPen(theme::border(), 1, Qt::DashLine));
    m_diag->setName(tr("chance"));
    m_rocGraph = m_roc->addGraph();
    m_rocGraph->setPen(QPen(theme::accent(), 2));
    m_rocCompareGraph = m_roc->addGraph();
    m_rocCompareGraph->setPen(QPen(compareColor(), 2));
    m_rocPoint = m_roc->addGraph();
    m_rocPoint->setLineStyle(QCPGraph::lsNone);
    m_rocPoint->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::white, 2), QBrush(theme::accent()), 11));
    m_rocPoint->setName(tr("operating point"));

    stylePlot(m_hist, tr("Similarity"), tr("Share of pairs"));
    m_hist->setMinimumHeight(140);
    m_hist->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    m_diffGraph = m_hist->addGraph();
    m_diffGraph->setName(tr("different pairs"));
    m_diffGraph->setLineStyle(QCPGraph::lsStepCenter);
    m_diffGraph->setPen(QPen(theme::different(), 2));
    QColor df = theme::different();
    df.setAlpha(60);
    m_diffGraph->setBrush(df);
    m_sameGraph = m_hist->addGraph();
    m_sameGraph->setName(tr("same pairs"));
    m_sameGraph->setLineStyle(QCPGraph::lsStepCenter);
    m_sameGraph->setPen(QPen(theme::same(), 2));
    QColor sf = theme::same();
    sf.setAlpha(60);
    m_sameGraph->setBrush(sf);
    m_thresholdLine = new QCPItemStraightLine(m_hist);
    m_thresholdLine->setPen(QPen(Qt::white, 2, Qt::DashLine));
    m_thresholdLine->point1->setCoords(0, 0);
    m_thresholdLine->point2->setCoords(0, 1);
}

void EvaluateView::setProject(const store::ProjectStore *store)
{
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
    connect(&m_watcher, &QFutureWatcher<EvaluationData>::finished, this, &EvaluateView::onLoaded);
    m_store = store;
    m_data = {};
    m_histMouse->setHistogram(nullptr);
    updateExportErrorsButton();
    m_pending = false;
    m_dirty = true;
    m_version->clear();
    m_compare->clear();
    if (!m_store) {
        showMessage(tr("Open a project to evaluate its model."));
        return;
    }
    invalidate();
}

void EvaluateView::invalidate()
{
    m_dirty = true;
    if (isVisible())
        refresh();
}

void EvaluateView::showEvent(QShowEvent *e)
{
    QWidget::showEvent(e);
    if (m_dirty && m_store)
        refresh();
}

bool EvaluateView::eventFilter(QObject *watched, QEvent *e)
{
    if (e->type() == QEvent::MouseButtonRelease && (watched == m_fp || watched == m_fn) && m_data.primary.ok) {
        emit errorsRequested(watched == m_fp);
        return true;
    }
    return QWidget::eventFilter(watched, e);
}

void EvaluateView::refresh()
{
    if (!m_store)
        return;
    m_dirty = false;
    const qint64 chosen = m_version->currentData().toLongLong();
    const qint64 compared = m_compare->currentData().toLongLong();
    m_version->clear();
    m_compare->clear();
    m_compare->addItem(tr("(none)"), qint64(0));
    QVector<store::ModelVersionRecord> versions;
    std::optional<store::ModelVersionRecord> current;
    try {
        const store::ModelTable models(*m_store);
        versions = models.versions();
        current = models.current();
    } catch (const std::exception &e) {
        showMessage(tr("Could not read the model versions: %1").arg(QString::fromStdString(e.what())));
        emit evaluated();   // nothing to evaluate: the message is the outcome
        return;
    }
    for (const auto &v : versions) {
        const QString text = current && current->id == v.id ? tr("%1 (current)").arg(v.name) : v.name;
        m_version->addItem(text, v.id);
        m_compare->addItem(text, v.id);
    }
    int idx = m_version->findData(chosen);
    if (idx < 0 && current)
        idx = m_version->findData(current->id);
    m_version->setCurrentIndex(std::max(idx, versions.isEmpty() ? -1 : 0));
    const int cidx = m_compare->findData(compared);
    m_compare->setCurrentIndex(std::max(cidx, 0));
    if (versions.isEmpty()) {
        showMessage(tr("This project has no model yet: add one, and its scores on the pairs show here."),
                    MessageAction::AddModel);
        emit evaluated();   // nothing to evaluate: the message is the outcome
        return;
    }
    evaluate();
}

bool EvaluateView::isLoading() const { return m_watcher.isRunning() || m_pending; }

void EvaluateView::evaluate()
{
    if (!m_store || m_version->currentIndex() < 0)
        return;
    if (m_watcher.isRunning()) {
        m_pending = true;
        return;
    }
    m_pending = false;
    const QString folder = m_store->folder();
    const qint64 id = m_version->currentData().toLongLong();
    qint64 cmp = m_compare->currentData().toLongLong();
    if (cmp == id)
        cmp = 0;
    const auto source = eval::TruthSource(m_truth->currentData().toInt());
    if (!m_data.primary.ok)
        showMessage(tr("Evaluating…"));
    m_reload->setEnabled(false);
    m_watcher.setFuture(QtConcurrent::run([folder, id, cmp, source] { return compute(folder, id, cmp, source); }));
}

EvaluationData EvaluateView::compute(const QString &folder, qint64 versionId, qint64 compareId, eval::TruthSource source)
{
    EvaluationData d;
    try {
        const store::ProjectStore st = store::ProjectStore::open(folder);
        d.primary = evaluateOne(st, versionId, source);
        if (compareId > 0)
            d.compare = evaluateOne(st, compareId, source);
    } catch (const std::exception &e) {
        d.primary.ok = false;
        d.primary.message = QObject::tr("Could not open the project: %1").arg(QString::fromStdString(e.what()));
    }
    return d;
}

void EvaluateView::onLoaded()
{
    m_reload->setEnabled(true);
    if (m_pending) {
        evaluate();
        return;
    }
    EvaluationData next = m_watcher.result();
    // A re-evaluation of the same version and truth (e.g. after a corrected verdict) keeps the
    // threshold the user chose; a new version, or a new threshold for it (stored in Models or
    // Annotate, or a new evaluation run), starts at the version's threshold.
    const bool keepThreshold = m_data.primary.ok && next.primary.ok &&
                               m_data.primary.pairs.version.id == next.primary.pairs.version.id &&
                               m_data.primary.pairs.source == next.primary.pairs.source &&
                               m_data.primary.decision.value == next.primary.decision.value &&
                               m_data.primary.decision.origin == next.primary.decision.origin;
    m_data = std::move(next);
    if (!m_data.primary.ok) {
        showMessage(m_data.primary.message, m_data.primary.unscoredVersion > 0 ? MessageAction::Embed : MessageAction::None,
                    m_data.primary.unscoredVersion);
    } else {
        m_pages->setCurrentIndex(1);
        m_pngButton->setEnabled(true);
        m_pdfButton->setEnabled(true);
        plotAll(keepThreshold);
        updateExportErrorsButton();
    }
    emit evaluated();
}

QString EvaluateView::message() const { return m_pages->currentIndex() == 0 ? m_message->text() : QString(); }

void EvaluateView::showMessage(const QString &text, MessageAction action, qint64 versionId)
{
    m_message->setText(text);
    m_messageActionKind = action;
    m_messageVersion = versionId;
    m_messageAction->setText(action == MessageAction::AddModel ? tr("Add the default model")
                             : action == MessageAction::Embed  ? tr("Embed the faces")
                                                               : QString());
    m_messageAction->setVisible(action != MessageAction::None);
    m_pages->setCurrentIndex(0);
    m_pngButton->setEnabled(false);
    m_pdfButton->setEnabled(false);
    m_histMouse->setHistogram(nullptr);
    updateExportErrorsButton();
}

void EvaluateView::plotAll(bool keepThreshold)
{
    const auto &p = m_data.primary.pairs;
    const auto &r = m_data.primary.result;
    // Histograms: share of each class per bin over the common score range.
    m_histogram = ScoreHistogram::build(p, kBins);
    const double lo = m_histogram.lo, hi = m_histogram.hi();
    m_sliderMin = lo;
    m_sliderMax = hi;
    QVector<double> xs(kBins);
    double ymax = 0;
    for (int i = 0; i < kBins; ++i) {
        xs[i] = m_histogram.center(i);
        ymax = std::max({ymax, m_histogram.sameShare[i], m_histogram.differentShare[i]});
    }
    m_sameGraph->setData(xs, m_histogram.sameShare, true);
    m_diffGraph->setData(xs, m_histogram.differentShare, true);
    m_histMouse->setHistogram(&m_histogram);
    m_sameGraph->setName(tr("same pairs (%1)").arg(r.positives));
    m_diffGraph->setName(tr("different pairs (%1)").arg(r.negatives));
    m_hist->xAxis->setRange(lo, hi);
    m_hist->yAxis->setRange(0, ymax * 1.1 + 1e-9);

    m_syncing = true;
    m_thresholdBox->setRange(std::min(lo, -1.0), std::max(hi, 1.0));
    m_syncing = false;

    QString summary = tr("%1 — %2 pairs (%3 same, %4 different), truth from %5")
                          .arg(p.describe())
                          .arg(r.pairs)
                          .arg(r.positives)
                          .arg(r.negatives)
                          .arg(eval::truthSourceName(p.source));
    if (p.withoutTruth || p.withoutScore)
        summary += tr("; left out: %1 without truth, %2 without a score").arg(p.withoutTruth).arg(p.withoutScore);
    summary += tr("<br>Starting threshold: %1").arg(m_data.primary.decision.describe().toHtmlEscaped());
    if (!r.notes.isEmpty())
        summary += QStringLiteral("<br>") + r.notes.join(QStringLiteral("; ")).toHtmlEscaped();
    m_summary->setText(summary);

    auto metricsText = [](const EvaluatedVersion &ev, const QString &heading) {
        const auto &res = ev.result;
        QString t = QStringLiteral("<b>%1</b><br>").arg(heading.toHtmlEscaped());
        t += tr("AUC %1<br>EER %2 (at %3)<br>Best threshold %4 (accuracy %5)<br>")
                 .arg(res.auc, 0, 'f', 4)
                 .arg(pct(res.eer))
                 .arg(res.eerThreshold, 0, 'f', 4)
                 .arg(res.best.threshold, 0, 'f', 4)
                 .arg(pct(res.best.accuracy()));
        for (const auto &ta : res.tarAtFar)
            t += tr("TAR@FAR=%1: %2<br>").arg(ta.far, 0, 'g', 1).arg(optPct(ta.tar));
        t += tr("%1-fold accuracy %2 ± %3").arg(res.kfold.folds).arg(pct(res.kfold.accuracyMean)).arg(pct(res.kfold.accuracyStd));
        return t;
    };
    m_metrics->setText(metricsText(m_data.primary, m_data.primary.pairs.version.name));
    if (m_data.compare) {
        m_compareMetrics->setVisible(true);
        m_compareMetrics->setText(m_data.compare->ok
                                      ? QStringLiteral("<span style='color:%1'>%2</span>")
                                            .arg(compareColor().name(),
                                                 metricsText(*m_data.compare, m_data.compare->pairs.version.name))
                                      : tr("<b>Compare:</b> %1").arg(m_data.compare->message.toHtmlEscaped()));
    } else {
        m_compareMetrics->setVisible(false);
    }

    plotRoc();
    const double t = keepThreshold ? m_threshold : m_data.primary.decision.value;
    m_threshold = std::nan("");   // recount even when unchanged
    setThreshold(t);
    updateThresholdViews();
}

void EvaluateView::plotRoc()
{
    if (!m_data.primary.ok)
        return;
    const bool logFar = m_logFar->isChecked();
    auto fill = [logFar](QCPGraph *g, const eval::RocCurve &roc) {
        QVector<double> x, y;
        for (const auto &pt : roc.points()) {
            if (logFar && pt.far <= 0)
                continue;
            x.push_back(pt.far);
            y.push_back(pt.tar);
        }
        g->setData(x, y, true);
    };
    fill(m_rocGraph, m_data.primary.result.roc);
    m_rocGraph->setName(tr("%1 (AUC %2)").arg(m_data.primary.pairs.version.name).arg(m_data.primary.result.auc, 0, 'f', 4));
    const bool cmp = m_data.compare && m_data.compare->ok;
    m_rocCompareGraph->setVisible(cmp);
    if (cmp) {
        fill(m_rocCompareGraph, m_data.compare->result.roc);
        m_rocCompareGraph->setName(
            tr("%1 (AUC %2)").arg(m_data.compare->pairs.version.name).arg(m_data.compare->result.auc, 0, 'f', 4));
        m_rocCompareGraph->addToLegend();
    } else {
        m_rocCompareGraph->data()->clear();
        m_rocCompareGraph->removeFromLegend();
    }
    double minFar = 1e-4;
    if (m_data.primary.result.negatives > 0)
        minFar = std::max(1e-6, std::min(1e-2, 0.5 / double(m_data.primary.result.negatives)));
    if (logFar) {
        m_roc->xAxis->setScaleType(QCPAxis::stLogarithmic);
        m_roc->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
        m_roc->xAxis->setRange(minFar, 1.0);
        m_diag->setData(QVector<double>{minFar, 1.0}, QVector<double>{minFar, 1.0});
    } else {
        m_roc->xAxis->setScaleType(QCPAxis::stLinear);
        m_roc->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        m_roc->xAxis->setRange(-0.01, 1.01);
        m_diag->setData(QVector<double>{0, 1}, QVector<double>{0, 1});
    }
    m_roc->yAxis->setRange(-0.01, 1.02);
    updateThresholdViews();
}

void EvaluateView::setThreshold(double t)
{
    if (!std::isfinite(t))
        return;
    const bool changed = t != m_threshold;
    m_threshold = t;
    if (m_data.primary.ok)
        m_confusion = eval::confusionAt(m_data.primary.pairs.scores, m_data.primary.pairs.same, t);
    updateThresholdViews();
    if (changed)
        emit thresholdChanged(t);
}

void EvaluateView::updateThresholdViews()
{
    if (!m_data.primary.ok)
        return;
    m_syncing = true;
    if (std::abs(m_thresholdBox->value() - m_threshold) > 0.5e-4)
        m_thresholdBox->setValue(m_threshold);
    const int s = int(std::lround((m_threshold - m_sliderMin) / (m_sliderMax - m_sliderMin) * kSliderSteps));
    m_slider->setValue(std::clamp(s, 0, kSliderSteps));
    m_syncing = false;

    m_histMouse->setThreshold(m_threshold);
    m_thresholdLine->point1->setCoords(m_threshold, 0);
    m_thresholdLine->point2->setCoords(m_threshold, 1);
    const auto &r = m_data.primary.result;
    const double far = r.negatives ? double(m_confusion.fp) / double(r.negatives) : 0;
    const double tar = r.positives ? double(m_confusion.tp) / double(r.positives) : 0;
    m_rocPoint->setData(QVector<double>{m_logFar->isChecked() ? std::max(far, m_roc->xAxis->range().lower) : far},
                        QVector<double>{tar});
    m_rocPoint->setName(tr("threshold %1").arg(m_threshold, 0, 'f', 3));
    updateMetricsText();
    m_roc->replot(QCustomPlot::rpQueuedReplot);
    m_hist->replot(QCustomPlot::rpQueuedReplot);
}

void EvaluateView::updateMetricsText()
{
    const auto &c = m_confusion;
    m_tp->setText(tr("TP %1").arg(c.tp));
    m_fn->setText(tr("FN %1").arg(c.fn));
    m_fp->setText(tr("FP %1").arg(c.fp));
    m_tn->setText(tr("TN %1").arg(c.tn));
    m_thresholdMetrics->setText(tr("<b>At threshold %1</b><br>Accuracy %2<br>Precision %3<br>Recall %4<br>F1 %5")
                                    .arg(m_threshold, 0, 'f', 4)
                                    .arg(pct(c.accuracy()))
                                    .arg(optPct(c.precision()))
                                    .arg(optPct(c.recall()))
                                    .arg(c.f1() ? QString::number(*c.f1(), 'f', 4) : QStringLiteral("—")));
}

bool EvaluateView::exportPng(const QString &rocFile, const QString &histFile)
{
    if (!m_data.primary.ok)
        return false;
    const bool a = m_roc->savePng(rocFile, 900, 700, 1.0);
    const bool b = m_hist->savePng(histFile, 900, 700, 1.0);
    return a && b;
}

bool EvaluateView::exportPdf(const QString &rocFile, const QString &histFile)
{
    if (!m_data.primary.ok)
        return false;
    const bool a = m_roc->savePdf(rocFile, 900, 700);
    const bool b = m_hist->savePdf(histFile, 900, 700);
    return a && b;
}

void EvaluateView::chooseAndExport(bool pdf)
{
    const QString ext = pdf ? QStringLiteral("pdf") : QStringLiteral("png");
    const QString base = m_data.primary.pairs.version.name.isEmpty() ? QStringLiteral("evaluation")
                                                                     : m_data.primary.pairs.version.name;
    const QString file = QFileDialog::getSaveFileName(
        this, pdf ? tr("Export plots as PDF") : tr("Export plots as PNG"),
        (m_store ? m_store->folder() + QLatin1Char('/') : QString()) + base + QStringLiteral("_roc.") + ext,
        pdf ? tr("PDF (*.pdf)") : tr("PNG image (*.png)"));
    if (file.isEmpty())
        return;
    QFileInfo fi(file);
    QString stem = fi.completeBaseName();
    if (stem.endsWith(QLatin1String("_roc")))
        stem.chop(4);
    const QString roc = fi.dir().filePath(stem + QStringLiteral("_roc.") + ext);
    const QString hist = fi.dir().filePath(stem + QStringLiteral("_hist.") + ext);
    const bool ok = pdf ? exportPdf(roc, hist) : exportPng(roc, hist);
    if (!ok)
        QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1 or %2.").arg(roc, hist));
}

void EvaluateView::setJobs(jobs::JobQueue *jobs, NotificationBar *notify)
{
    delete m_errorExport;
    m_errorExport = jobs ? new ErrorExportJob(jobs, notify, this) : nullptr;
    if (m_errorExport) {
        connect(m_errorExport, &ErrorExportJob::runningChanged, this, &EvaluateView::updateExportErrorsButton);
        connect(m_errorExport, &ErrorExportJob::exported, this, [this](const QString &dir) { emit errorsExported(dir); });
    }
    updateExportErrorsButton();
}

PairListing EvaluateView::pairsInBin(bool same, int bin) const
{
    PairListing l;
    if (!m_data.primary.ok || bin < 0 || bin >= m_histogram.bins)
        return l;
    const eval::EvalPairs &p = m_data.primary.pairs;
    l.pairs = m_histogram.pairsIn(p, bin, same);
    l.versionId = p.version.id;
    l.threshold = m_threshold;
    l.title = (same ? tr("Same-person pairs with similarity %1–%2 (%3)") : tr("Different-person pairs with similarity %1–%2 (%3)"))
                  .arg(m_histogram.low(bin), 0, 'f', 2)
                  .arg(m_histogram.high(bin), 0, 'f', 2)
                  .arg(l.pairs.size());
    qint64 wrong = 0;
    for (const eval::ErrorPair &e : l.pairs)
        wrong += (e.score >= m_threshold) != e.truthSame;
    l.hint = (same ? tr("One bar of the same-pair histogram (%1), lowest score first; %2 of them are below the "
                        "threshold %3 (false negatives).")
                   : tr("One bar of the different-pair histogram (%1), highest score first; %2 of them are at or "
                        "above the threshold %3 (false positives)."))
                 .arg(p.describe())
                 .arg(wrong)
                 .arg(m_threshold, 0, 'f', 4);
    return l;
}

PairListing EvaluateView::errorPairs(bool falsePositives) const
{
    return m_data.primary.ok ? errorListing(m_data.primary.pairs, m_threshold, falsePositives) : PairListing{};
}

jobs::Job *EvaluateView::exportErrorsTo(const QString &dir)
{
    if (!m_store || !m_data.primary.ok || !m_errorExport || dir.isEmpty())
        return nullptr;
    return m_errorExport->start(*m_store, m_data.primary.pairs, m_threshold, dir);
}

QString EvaluateView::errorExportFolder(const QString &chosen, const QString &version, double threshold)
{
    const QDir d(chosen);
    if (!d.exists() || d.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden) ||
        QFileInfo::exists(d.filePath(QStringLiteral("summary.json"))))
        return QDir::cleanPath(d.absolutePath());
    QString name = QStringLiteral("errors_%1_t%2").arg(version).arg(threshold, 0, 'f', 3);
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
    return d.absoluteFilePath(name);
}

void EvaluateView::chooseAndExportErrors()
{
    if (!m_store || !m_data.primary.ok)
        return;
    const QString chosen = QFileDialog::getExistingDirectory(
        this, tr("Export error folders into (an empty folder; a folder with other files gets a subfolder)"),
        m_store->folder());
    if (chosen.isEmpty())
        return;
    exportErrorsTo(errorExportFolder(chosen, m_data.primary.pairs.version.name, m_threshold));
}

void EvaluateView::updateExportErrorsButton()
{
    const bool running = m_errorExport && m_errorExport->isRunning();
    m_exportErrors->setEnabled(m_errorExport && m_data.primary.ok && !running);
    m_exportErrors->setText(running ? tr("Exporting errors…") : tr("Export error folders…"));
}

} // namespace facelab::ui

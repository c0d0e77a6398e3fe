#include "ui/training/QueueStrategyReport.h"

#include "ui/Theme.h"
#include "ui/widgets/PlotStyle.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <cmath>
#include <qcustomplot.h>

namespace facelab::ui {
namespace {

// One colour per strategy, random in grey so the queue's strategies stand out against it.
QColor strategyColour(const QString &s, int index)
{
    if (s == QLatin1String("random"))
        return theme::skip();
    static const QColor colours[] = {theme::accent(), theme::same(), theme::different(), theme::warning(),
                                     QColor(0xb3, 0x7f, 0xeb), QColor(0x4f, 0xc3, 0xd6)};
    return colours[index % 6];
}

} // namespace

QueueStrategyReport::QueueStrategyReport(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("queueStrategyReport"));
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    auto *head = new QHBoxLayout;
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("queueStrategySummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_open = new QPushButton(tr("Open report…"), this);
    m_open->setObjectName(QStringLiteral("queueStrategyOpen"));
    m_open->setToolTip(tr("An active_learning.json written by tests/bench/active_learning_benchmark.sh"));
    head->addWidget(m_summary, 1);
    head->addWidget(m_open, 0, Qt::AlignTop);
    v->addLayout(head);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("queueStrategyPlot"));
    m_plot->setMinimumHeight(220);
    stylePlot(m_plot, tr("training verdicts spent in the queue's order"), tr("AUC change on unseen people"));
    v->addWidget(m_plot, 1);
    connect(m_open, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Active-learning report"), m_folder,
                                                       tr("Reports (*.json)"));
        if (!f.isEmpty())
            load(f);
    });
    showMessage(tr("No active-learning benchmark for this project. tests/bench/active_learning_benchmark.sh spends the "
                   "same verdict budget in each queue strategy's order and in random order, fine-tunes on each, and "
                   "writes a report that shows here."));
}

void QueueStrategyReport::setProjectFolder(const QString &folder)
{
    m_folder = folder;
    const QString file = finetune::activeLearningReportPath(folder);
    // The project's own benchmark when it has one, else the measurement FaceLab ships (said so).
    load(QFileInfo::exists(file) ? file : QStringLiteral(":/facelab/reports/active_learning_faces112_24px.json"));
}

void QueueStrategyReport::load(const QString &file)
{
    try {
        show(finetune::readActiveLearningReport(file));
    } catch (const std::exception &e) {
        showMessage(QStringLiteral("⚠ ") + QString::fromUtf8(e.what()).toHtmlEscaped());
    }
}

QString QueueStrategyReport::summaryText() const { return m_summary->text(); }

void QueueStrategyReport::showMessage(const QString &text)
{
    m_loaded = false;
    m_summary->setText(text);
    m_plot->clearGraphs();
    m_plot->clearPlottables();
    m_plot->setVisible(false);
}

void QueueStrategyReport::show(const finetune::ActiveLearningReport &r)
{
    m_loaded = true;
    m_plot->clearPlottables();
    m_plot->setVisible(true);
    const QStringList strategies = r.strategies();
    const QVector<int> budgets = r.budgets();
    double low = 0, high = 0;
    // Strategies side by side at each budget (a small offset), so their intervals do not hide each other.
    const double spread = budgets.size() > 1 ? (budgets.last() - budgets.first()) * 0.012 : 1.0;
    for (int i = 0; i < strategies.size(); ++i) {
        const QString &s = strategies[i];
        QVector<double> x, y, errLow, errHigh;
        for (const finetune::ActiveLearningRun &run : r.runs) {
            if (run.strategy != s)
                continue;
            x << run.budget + (i - (strategies.size() - 1) / 2.0) * spread;
            y << run.deltaAuc;
            errLow << (std::isfinite(run.deltaAucLow) ? run.deltaAuc - run.deltaAucLow : 0);
            errHigh << (std::isfinite(run.deltaAucHigh) ? run.deltaAucHigh - run.deltaAuc : 0);
            low = std::min({low, run.deltaAucLow, run.deltaAuc});
            high = std::max({high, run.deltaAucHigh, run.deltaAuc});
        }
        const QColor c = strategyColour(s, i);
        QCPGraph *g = m_plot->addGraph();
        g->setName(s);
        g->setData(x, y, true);
        g->setPen(QPen(c, s == QLatin1String("random") ? 1.5 : 2.0,
                       s == QLatin1String("random") ? Qt::DashLine : Qt::SolidLine));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 7));
        auto *bars = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
        bars->removeFromLegend();
        bars->setDataPlottable(g);
        bars->setData(errLow, errHigh);
        bars->setPen(QPen(c, 1));
    }
    QCPGraph *zero = m_plot->addGraph();
    zero->setName(tr("no change"));
    zero->removeFromLegend();
    zero->setPen(QPen(theme::mutedText(), 1, Qt::DotLine));
    if (!budgets.isEmpty())
        zero->setData({budgets.first() - 4 * spread, budgets.last() + 4 * spread}, {0, 0});
    if (!budgets.isEmpty()) {
        QSharedPointer<QCPAxisTickerText> text(new QCPAxisTickerText);
        for (int b : budgets)
            text->addTick(b, QString::number(b));
        m_plot->xAxis->setTicker(text);
        const double pad = std::max(10.0, (budgets.last() - budgets.first()) * 0.08);
        m_plot->xAxis->setRange(budgets.first() - pad, budgets.last() + pad);
    }
    const double margin = std::max(0.005, (high - low) * 0.1);
    m_plot->yAxis->setRange(low - margin, high + margin);
    m_plot->legend->setVisible(true);
    m_plot->replot();

    // In words: the winner, its margin over random, and whether the intervals allow a claim.
    const QString best = r.best();
    const double bestMean = r.meanDeltaAuc(best);
    const double randomMean = r.meanDeltaAuc(QStringLiteral("random"));
    QStringList lines;
    if (!r.measured.isEmpty())
        lines << tr("<b>Not this project:</b> %1. Run the benchmark on your own faces for yours.").arg(r.measured.toHtmlEscaped());
    lines << tr("<b>%1 px faces, %2 epochs, %3 test pairs of people never trained on</b> (%4)")
                 .arg(r.sidePx).arg(r.epochs).arg(r.testPairs).arg(QFileInfo(r.source).fileName().toHtmlEscaped());
    if (std::isfinite(randomMean))
        lines << tr("Best: <b>%1</b>, mean AUC change %2 over the budgets against %3 for random order (%4).")
                     .arg(best.toHtmlEscaped())
                     .arg(bestMean, 0, 'f', 3)
                     .arg(randomMean, 0, 'f', 3)
                     .arg(best == QLatin1String("random") ? tr("the queue did not beat random order here")
                                                          : tr("%1 per run").arg(bestMean - randomMean, 0, 'f', 3));
    else
        lines << tr("Best: <b>%1</b>, mean AUC change %2 (no random-order runs to compare with).")
                     .arg(best.toHtmlEscaped()).arg(bestMean, 0, 'f', 3);
    for (const QString &u : r.untrained)
        lines << QStringLiteral("⚠ ") + tr("Nothing to train on: %1").arg(u.toHtmlEscaped());
    lines << tr("Bars: 95% paired-bootstrap intervals of each run's change; where they overlap the difference "
                "between strategies is within the noise of these pairs.");
    m_summary->setText(lines.join(QStringLiteral("<br>")));
}

} // namespace facelab::ui

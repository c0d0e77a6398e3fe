#include "ui/widgets/RankProgressPanel.h"
#include "ui/linearizer/LinearizerView.h"

#include "jobs/Job.h"
#include "jobs/JobQueue.h"
#include "store/ModelTable.h"
#include "ui/widgets/PlotStyle.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QToolTip>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <qcustomplot.h>

#include <cmath>
#include <map>

namespace facelab::ui {

namespace {

const char *const kStageNames[3] = {"g_x(x): image latent", "A g_x(x): after the linear map", "f(x) = g_y^-1(A g_x(x))"};

QColor identityColour(int k)
{
    // Golden-angle hues: neighbouring identities get distinct colours however many there are.
    return QColor::fromHsv(int(std::fmod(k * 137.508, 360.0)), 170, 210);
}

void setBars(QCustomPlot *plot, const cv::Mat &row, const QString &title, const QColor &colour, const cv::Mat *overlay = nullptr)
{
    plot->clearPlottables();
    QVector<double> x, y;
    for (int i = 0; i < row.cols; ++i) {
        x << i;
        y << row.at<float>(0, i);
    }
    auto *bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setData(x, y);
    bars->setWidth(1.0);
    bars->setPen(Qt::NoPen);
    bars->setBrush(colour);
    if (overlay) {
        QVector<double> t;
        for (int i = 0; i < overlay->cols; ++i)
            t << overlay->at<float>(0, i);
        QCPGraph *g = plot->addGraph();
        g->setData(x, t);
        g->setLineStyle(QCPGraph::lsStepCenter);
        g->setPen(QPen(QColor(230, 230, 230), 1.0));
        g->setName(QStringLiteral("teacher"));
    }
    plot->xAxis->setRange(-1, row.cols);
    plot->yAxis->rescale();
    plot->plotLayout()->elementCount();
    if (auto *t = qobject_cast<QCPTextElement *>(plot->plotLayout()->element(0, 0)))
        t->setText(title);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

QCustomPlot *titledPlot(const QString &title, QWidget *parent, const QString &xLabel = {}, const QString &yLabel = {})
{
    auto *p = new QCustomPlot(parent);
    stylePlot(p, xLabel, yLabel);
    p->legend->setVisible(false);
    p->plotLayout()->insertRow(0);
    auto *t = new QCPTextElement(p, title, QFont(p->font().family(), 9, QFont::DemiBold));
    t->setTextColor(p->xAxis->labelColor());
    p->plotLayout()->addElement(0, 0, t);
    p->setMinimumHeight(110);
    p->setMinimumWidth(200);
    return p;
}

} // namespace

LinearizerView::LinearizerView(QWidget *parent) : QWidget(parent)
{
    auto *root = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Surrogate:"), this));
    m_choice = new QComboBox(this);
    m_choice->setObjectName(QStringLiteral("linearizerChoice"));
    m_choice->setMinimumContentsLength(24);
    bar->addWidget(m_choice);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("linearizerStatus"));
    m_status->setWordWrap(true);   // a long status wraps instead of pushing the buttons off the screen
    bar->addWidget(m_status, 1);
    m_train = new QPushButton(tr("Train Linearizer…"), this);
    m_sweep = new QPushButton(tr("Rank sweep"), this);
    m_unlearn = new QPushButton(tr("Unlearn identity…"), this);
    m_sweep->setToolTip(tr("Verification AUC of the surrogate with A truncated to rank k, for k = 1, 2, 4, …"));
    m_unlearn->setToolTip(tr("Remove one person's direction(s) from A's range and save the edited surrogate"));
    m_addModel = new QPushButton(tr("Add the default model"), this);
    m_addModel->setObjectName(QStringLiteral("linearizerAddModel"));
    m_addModel->setProperty("primary", true);
    m_addModel->hide();
    connect(m_addModel, &QPushButton::clicked, this, &LinearizerView::addDefaultModelRequested);
    bar->addWidget(m_addModel);
    for (QPushButton *b : {m_train, m_sweep, m_unlearn})
        bar->addWidget(b);
    root->addLayout(bar);

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(buildTrainingTab(), tr("Training"));
    m_tabs->addTab(buildFlowTab(), tr("Sandwich flow"));
    m_tabs->addTab(buildProjectionTab(), tr("Projections"));
    m_tabs->addTab(buildSpectrumTab(), tr("Spectrum of A"));
    root->addWidget(m_tabs, 1);

    connect(m_train, &QPushButton::clicked, this, &LinearizerView::trainRequested);
    connect(m_sweep, &QPushButton::clicked, this, [this] { emit rankSweepRequested(currentSurrogate()); });
    connect(m_unlearn, &QPushButton::clicked, this, [this] { emit unlearnRequested(currentSurrogate()); });
    connect(m_choice, &QComboBox::activated, this, [this] {
        m_wanted = m_choice->currentText();
        reload();
    });
    connect(&m_watcher, &QFutureWatcher<linearize::SandwichFlowData>::finished, this, &LinearizerView::onLoaded);
    setProject(nullptr);
}

LinearizerView::~LinearizerView()
{
    m_cancel = true;   // stops the projection at its next chunk
    m_watcher.waitForFinished();
}

QWidget *LinearizerView::buildTrainingTab()
{
    auto *w = new QWidget(this);
    auto *l = new QVBoxLayout(w);
    m_trainText = new QLabel(tr("No Linearizer training in this session yet. Training > Train Linearizer… starts one."), w);
    m_trainText->setWordWrap(true);
    l->addWidget(m_trainText);
    m_ranks = new RankProgressPanel(w);
    l->addWidget(m_ranks);
    m_curves = new QCustomPlot(w);
    stylePlot(m_curves, tr("epoch"), tr("loss"));
    m_curves->yAxis2->setVisible(true);
    m_curves->yAxis2->setLabel(tr("cosine to the teacher (held out)"));
    m_curves->yAxis2->setRange(-0.1, 1.0);
    const QColor colours[3] = {QColor(70, 110, 200), QColor(220, 120, 40), QColor(40, 160, 90)};
    const QString names[3] = {tr("training loss"), tr("held-out loss"), tr("held-out cosine (mean)")};
    for (int k = 0; k < 3; ++k) {
        QCPGraph *g = m_curves->addGraph(m_curves->xAxis, k == 2 ? m_curves->yAxis2 : m_curves->yAxis);
        g->setPen(QPen(colours[k], 2));
        g->setName(names[k]);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    }
    m_curves->legend->setVisible(true);
    QSharedPointer<QCPAxisTickerFixed> whole(new QCPAxisTickerFixed);
    whole->setTickStep(1.0);
    whole->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);   // whole epochs, fewer ticks when many
    m_curves->xAxis->setTicker(whole);
    l->addWidget(m_curves, 1);
    return w;
}

QWidget *LinearizerView::buildFlowTab()
{
    auto *split = new QSplitter(Qt::Horizontal, this);
    m_faces = new QListWidget(split);
    m_faces->setObjectName(QStringLiteral("linearizerFaces"));
    auto *right = new QWidget(split);
    auto *l = new QVBoxLayout(right);
    auto *head = new QHBoxLayout;
    m_face = new QLabel(right);
    m_face->setFixedSize(112, 112);
    m_face->setFrameShape(QFrame::StyledPanel);
    head->addWidget(m_face);
    m_flowText = new QLabel(tr("Choose a face on the left."), right);
    m_flowText->setWordWrap(true);
    m_flowText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    head->addWidget(m_flowText, 1);
    l->addLayout(head);
    const QString titles[4] = {tr(kStageNames[0]), tr(kStageNames[1]), tr(kStageNames[2]), tr("f(x) − teacher")};
    // Two by two, so the tab fits the height a 1366x768 screen leaves it.
    auto *bars = new QGridLayout;
    for (int k = 0; k < 4; ++k) {
        m_bars[k] = titledPlot(titles[k], right);
        m_bars[k]->xAxis->setTickLabels(false);
        bars->addWidget(m_bars[k], k / 2, k % 2);
    }
    l->addLayout(bars, 1);
    split->setStretchFactor(1, 3);
    connect(m_faces, &QListWidget::currentRowChanged, this, &LinearizerView::fillFlow);
    return split;
}

QWidget *LinearizerView::buildProjectionTab()
{
    auto *w = new QWidget(this);
    auto *l = new QHBoxLayout(w);
    for (int k = 0; k < 3; ++k) {
        m_pca[k] = titledPlot(tr(kStageNames[k]), w, tr("PC 1"), tr("PC 2"));
        m_pca[k]->setMouseTracking(true);
        l->addWidget(m_pca[k], 1);
        QCustomPlot *plot = m_pca[k];
        // The nearest face under the pointer: its crop and identity as a tooltip; a click opens it.
        auto nearest = [this, k, plot](const QPoint &pos) {
            int best = -1;
            double bestD = 12.0 * 12.0;
            for (int i = 0; i < m_data.pca[k].rows; ++i) {
                const double px = plot->xAxis->coordToPixel(m_data.pca[k].at<float>(i, 0));
                const double py = plot->yAxis->coordToPixel(m_data.pca[k].at<float>(i, 1));
                const double d = (px - pos.x()) * (px - pos.x()) + (py - pos.y()) * (py - pos.y());
                if (d < bestD) {
                    bestD = d;
                    best = i;
                }
            }
            return best;
        };
        connect(plot, &QCustomPlot::mouseMove, this, [this, plot, nearest](QMouseEvent *e) {
            const int i = nearest(e->pos());
            if (i < 0) {
                QToolTip::hideText();
                return;
            }
            QToolTip::showText(plot->mapToGlobal(e->pos()),
                               QStringLiteral("<img src=\"%1\" width=96 height=96><br>%2<br><small>%3</small>")
                                   .arg(QUrl::fromLocalFile(m_data.paths[i]).toString(),
                                        m_data.identities[i].isEmpty() ? tr("(unknown identity)") : m_data.identities[i].toHtmlEscaped(),
                                        QFileInfo(m_data.paths[i]).fileName().toHtmlEscaped()),
                               plot);
        });
        connect(plot, &QCustomPlot::mousePress, this, [this, nearest](QMouseEvent *e) {
            const int i = nearest(e->pos());
            if (i < 0)
                return;
            selectFace(i);
            QDesktopServices::openUrl(QUrl::fromLocalFile(m_data.paths[i]));
        });
    }
    return w;
}

QWidget *LinearizerView::buildSpectrumTab()
{
    m_spectrum = new QCustomPlot(this);
    stylePlot(m_spectrum, tr("index i"), tr("singular value σ_i"));
    m_spectrum->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_spectrum->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_spectrum->yAxis2->setVisible(true);
    m_spectrum->yAxis2->setLabel(tr("cumulative energy Σσ²"));
    m_spectrum->yAxis2->setRange(0, 1.02);
    QCPGraph *s = m_spectrum->addGraph();
    s->setPen(QPen(QColor(70, 110, 200), 2));
    s->setName(tr("singular values of A"));
    QCPGraph *e = m_spectrum->addGraph(m_spectrum->xAxis, m_spectrum->yAxis2);
    e->setPen(QPen(QColor(220, 120, 40), 2, Qt::DashLine));
    e->setName(tr("cumulative energy"));
    m_spectrum->legend->setVisible(true);
    return m_spectrum;
}

void LinearizerView::setProject(const store::ProjectStore *store)
{
    m_folder = store ? store->folder() : QString();
    m_data = {};
    m_faces->clear();
    m_choice->clear();
    bool teacher = false;   // a model to imitate
    if (store) {
        for (const auto &v : store::ModelTable(*store).versions())
            if (v.family == QLatin1String("linearizer"))
                m_choice->addItem(v.name);
            else
                teacher = true;
    }
    const bool any = m_choice->count() > 0;
    m_train->setEnabled(store != nullptr && teacher);
    m_sweep->setEnabled(any);
    m_unlearn->setEnabled(any);
    m_addModel->setVisible(store != nullptr && !teacher);
    for (QPushButton *b : {m_train, m_sweep, m_unlearn})   // nothing they could do yet: room for the one that can
        b->setVisible(store == nullptr || teacher);
    m_status->setText(!store    ? tr("No project open.")
                      : any     ? QString()
                      : teacher ? tr("No surrogate yet: Train Linearizer… fits one to the project's model.")
                                : tr("A Linearizer imitates a model: add one first."));
    if (any) {
        m_choice->setCurrentIndex(m_choice->count() - 1);
        m_wanted = m_choice->currentText();
        reload();
    }
}

void LinearizerView::showSurrogate(const QString &name)
{
    if (m_folder.isEmpty())
        return;
    const store::ProjectStore st = store::ProjectStore::open(m_folder);
    m_wanted = name;
    setProject(&st);
    if (!name.isEmpty()) {
        m_choice->setCurrentText(name);
        m_wanted = name;
        reload();
    }
}

QString LinearizerView::currentSurrogate() const { return m_data.error.isEmpty() ? m_data.surrogate : QString(); }

void LinearizerView::reload()
{
    if (m_folder.isEmpty() || m_watcher.isRunning())
        return;   // onLoaded() reloads when the wanted surrogate changed meanwhile
    m_status->setText(tr("Projecting the faces through %1…").arg(m_wanted.isEmpty() ? tr("the newest surrogate") : m_wanted));
    const QString folder = m_folder, name = m_wanted;
    const std::atomic<bool> *cancel = &m_cancel;
    m_watcher.setFuture(
        QtConcurrent::run([folder, name, cancel] { return linearize::loadSandwichFlow(folder, name, 2000, cancel); }));
}

void LinearizerView::onLoaded()
{
    linearize::SandwichFlowData d = m_watcher.result();
    if (d.surrogate != m_wanted && !m_wanted.isEmpty() && d.error.isEmpty()) {
        reload();   // the choice changed while loading
        return;
    }
    m_data = std::move(d);
    if (!m_data.error.isEmpty()) {
        m_status->setText(tr("Cannot show the surrogate: %1").arg(m_data.error));
        return;
    }
    m_status->setText(tr("%1 (teacher %2): %3 faces, latent %4, embedding %5")
                          .arg(m_data.surrogate, m_data.teacher).arg(m_data.imageIds.size())
                          .arg(m_data.latent.cols).arg(m_data.embedding.cols));
    m_faces->clear();
    for (int i = 0; i < m_data.imageIds.size(); ++i)
        m_faces->addItem(QStringLiteral("%1 — %2").arg(m_data.identities[i].isEmpty() ? tr("(unknown)") : m_data.identities[i],
                                                       QFileInfo(m_data.paths[i]).fileName()));
    fillProjections();
    fillSpectrum();
    if (m_faces->count())
        m_faces->setCurrentRow(0);
}

void LinearizerView::selectFace(int row)
{
    if (row >= 0 && row < m_faces->count())
        m_faces->setCurrentRow(row);
}

void LinearizerView::fillFlow(int row)
{
    if (row < 0 || row >= m_data.embedding.rows)
        return;
    m_face->setPixmap(QPixmap(m_data.paths[row]).scaled(m_face->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
    const cv::Mat z = m_data.latent.row(row), az = m_data.transformed.row(row), f = m_data.embedding.row(row);
    cv::Mat t = m_data.teacherEmbedding.row(row).clone();
    const double nf = cv::norm(f), nt = cv::norm(t);
    const double cosine = linearize::teacherCosine(m_data, row);
    // The teacher's embedding is a unit vector; compare it with f(x) at f(x)'s own scale.
    if (nt > 0)
        t *= nf / nt;
    setBars(m_bars[0], z, tr("%1 — norm %2").arg(tr(kStageNames[0])).arg(cv::norm(z), 0, 'f', 3), QColor(70, 110, 200));
    setBars(m_bars[1], az, tr("%1 — norm %2").arg(tr(kStageNames[1])).arg(cv::norm(az), 0, 'f', 3), QColor(150, 90, 190));
    setBars(m_bars[2], f, tr("%1 — norm %2 (line: teacher, scaled to it)").arg(tr(kStageNames[2])).arg(nf, 0, 'f', 3),
            QColor(40, 160, 90), nt > 0 ? &t : nullptr);
    cv::Mat diff = f - t;
    setBars(m_bars[3], diff, tr("f(x) − teacher — norm %1").arg(cv::norm(diff), 0, 'f', 3), QColor(200, 80, 60));
    m_flowText->setText(tr("<b>%1</b><br>%2<br>cosine of f(x) to the teacher %3: <b>%4</b>")
                            .arg(m_data.identities[row].isEmpty() ? tr("(unknown identity)") : m_data.identities[row].toHtmlEscaped(),
                                 QFileInfo(m_data.paths[row]).fileName().toHtmlEscaped(), m_data.teacher.toHtmlEscaped(),
                                 std::isfinite(cosine) ? QString::number(cosine, 'f', 4) : tr("n/a (not embedded by the teacher)")));
}

void LinearizerView::fillProjections()
{
    std::map<QString, int> index;
    for (const QString &id : m_data.identities)
        index.emplace(id, 0);
    int k = 0;
    for (auto &kv : index)
        kv.second = k++;
    for (int s = 0; s < 3; ++s) {
        QCustomPlot *plot = m_pca[s];
        plot->clearGraphs();
        std::map<int, QCPGraph *> graphs;
        for (int i = 0; i < m_data.pca[s].rows; ++i) {
            const int c = index[m_data.identities[i]];
            QCPGraph *&g = graphs[c];
            if (!g) {
                g = plot->addGraph();
                g->setLineStyle(QCPGraph::lsNone);
                g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, identityColour(c), 6));
                g->setName(m_data.identities[i]);
            }
            g->addData(m_data.pca[s].at<float>(i, 0), m_data.pca[s].at<float>(i, 1));
        }
        plot->rescaleAxes();
        plot->xAxis->scaleRange(1.1, plot->xAxis->range().center());
        plot->yAxis->scaleRange(1.1, plot->yAxis->range().center());
        // Which colour is whom: the legend on the last panel (hover names any point too).
        plot->legend->setVisible(s == 2 && graphs.size() <= 30);
        if (s == 2) {
            plot->legend->setFont(QFont(plot->font().family(), 7));
            plot->legend->setIconSize(8, 8);
            plot->legend->setRowSpacing(-2);
            plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
        }
        if (auto *t = qobject_cast<QCPTextElement *>(plot->plotLayout()->element(0, 0)))
            t->setText(tr("%1 — PCA, %2% of the variance").arg(tr(kStageNames[s])).arg(100.0 * m_data.pcaExplained[s], 0, 'f', 0));
        plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

void LinearizerView::fillSpectrum()
{
    QVector<double> x, s, e;
    for (size_t i = 0; i < m_data.singularValues.size(); ++i) {
        x << double(i + 1);
        s << std::max(m_data.singularValues[i], 1e-12);
        e << m_data.energy[i];
    }
    m_spectrum->graph(0)->setData(x, s);
    m_spectrum->graph(1)->setData(x, e);
    m_spectrum->xAxis->setRange(0, double(x.size()) + 1);
    m_spectrum->graph(0)->rescaleValueAxis();
    m_spectrum->replot(QCustomPlot::rpQueuedReplot);
}

void LinearizerView::setJobs(jobs::JobQueue *queue)
{
    if (!queue)
        return;
    connect(queue, &jobs::JobQueue::started, this, [this](jobs::Job *job) {
        if (job->kind() == jobs::JobKind::TrainLinearizer)
            followJob(job);
    });
    connect(queue, &jobs::JobQueue::finished, this,
            [this](jobs::Job *job, const QString &, jobs::JobStatus status, const QString &error) {
                if (job->kind() == jobs::JobKind::TrainLinearizer) {
                    m_trainText->setText(status == jobs::JobStatus::Done ? tr("Training finished.")
                                         : status == jobs::JobStatus::Cancelled
                                             ? tr("Training cancelled: the best complete epoch was kept; "
                                                  "Train Linearizer… with Resume continues it.")
                                             : tr("Training failed: %1").arg(error));
                }
                if (job->kind() == jobs::JobKind::TrainLinearizer || job->kind() == jobs::JobKind::LinearizerRankSweep ||
                    job->kind() == jobs::JobKind::LinearizerUnlearn)
                    showSurrogate();
                else if (job->kind() == jobs::JobKind::ModelImport && m_choice->count() == 0 && !m_folder.isEmpty())
                    showSurrogate();   // a model to imitate may have arrived: the empty state follows
            });
}

void LinearizerView::followJob(jobs::Job *job)
{
    m_followed = job;
    m_curveEpochs = 0;
    for (int g = 0; g < 3; ++g)
        m_curves->graph(g)->data()->clear();
    m_trainText->setText(tr("Training started: %1").arg(job->spec().title));
    m_ranks->setRanks({}, QString());
    connect(job, &jobs::Job::snapshot, this, [this, job] { showTrainingSnapshot(job->latestSnapshot().toMap()); });
}

void LinearizerView::showTrainingSnapshot(const QVariantMap &snapshot)
{
    const QVariantList epochs = snapshot.value(QStringLiteral("epochs")).toList();
    QVector<double> x, train, held, cosine, xt;
    for (const QVariant &v : epochs) {
        const QVariantMap e = v.toMap();
        const double ep = e.value("epoch").toDouble();
        x << ep;
        held << e.value("heldout_loss").toDouble();
        cosine << e.value("cosine_mean").toDouble();
        const double t = e.value("train_loss").toDouble();
        if (std::isfinite(t)) {
            xt << ep;
            train << t;
        }
    }
    m_curveEpochs = int(x.size());
    m_curves->graph(0)->setData(xt, train);
    m_curves->graph(1)->setData(x, held);
    m_curves->graph(2)->setData(x, cosine);
    m_curves->xAxis->setRange(-0.2, std::max(1.0, x.isEmpty() ? 1.0 : x.back()) + 0.2);
    m_curves->graph(1)->rescaleValueAxis(false, true);
    m_curves->graph(0)->rescaleValueAxis(true, true);
    m_curves->yAxis->scaleRange(1.1, m_curves->yAxis->range().center());   // no point on the frame
    m_curves->replot(QCustomPlot::rpQueuedReplot);
    if (snapshot.contains("ranks"))
        m_ranks->setRanks(snapshot.value(QStringLiteral("ranks")).toList(), tr("img"));
    if (snapshot.contains("step")) {
        const qint64 step = snapshot.value("step").toLongLong(), steps = snapshot.value("steps").toLongLong();
        const double elapsed = snapshot.value("elapsed").toDouble();
        // Remaining steps at the pace so far (held-out passes make it a slight underestimate).
        const int eta = step > 0 ? int(elapsed / double(step) * double(steps - step)) : -1;
        m_trainText->setText(tr("Training a surrogate of %1: step %2 of %3, loss %4%5")
                                 .arg(snapshot.value("teacher").toString()).arg(step).arg(steps)
                                 .arg(snapshot.value("loss").toDouble(), 0, 'f', 4)
                                 .arg(eta >= 0 ? tr(", about %1:%2 left").arg(eta / 60).arg(eta % 60, 2, 10, QLatin1Char('0'))
                                               : QString()));
    }
    else if (!epochs.isEmpty()) {
        const QVariantMap last = epochs.back().toMap();
        m_trainText->setText(tr("Epoch %1: held-out loss %2, cosine to the teacher %3 (min %4)")
                                 .arg(last.value("epoch").toInt()).arg(last.value("heldout_loss").toDouble(), 0, 'f', 4)
                                 .arg(last.value("cosine_mean").toDouble(), 0, 'f', 4)
                                 .arg(last.value("cosine_min").toDouble(), 0, 'f', 4));
    }
}

} // namespace facelab::ui

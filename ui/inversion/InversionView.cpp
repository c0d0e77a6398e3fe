#include "ui/inversion/InversionView.h"

#include "invert/InvertJob.h"
#include "jobs/Job.h"
#include "jobs/JobQueue.h"
#include "store/ModelTable.h"
#include "store/ProjectStore.h"
#include "ui/widgets/PlotStyle.h"

#include <QComboBox>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <qcustomplot.h>

#include <cmath>

namespace facelab::ui {

namespace {

constexpr int kPreviewSize = 80, kPreviewColumns = 4, kTileImage = 112;
const QColor kGood(108, 192, 112), kBad(232, 163, 61);

QLabel *imageLabel(const QImage &img, int size, QWidget *parent)
{
    auto *l = new QLabel(parent);
    l->setFixedSize(size, size);
    l->setFrameShape(QFrame::StyledPanel);
    l->setAlignment(Qt::AlignCenter);
    if (!img.isNull())
        l->setPixmap(QPixmap::fromImage(img.scaled(size - 2, size - 2, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    else
        l->setText(QObject::tr("missing"));
    return l;
}

QString scoreHtml(const GalleryScore &s)
{
    const QString rank = s.rank > 0 ? QStringLiteral("<span style='color:%1'>rank %2</span>")
                                          .arg((s.rank == 1 ? kGood : kBad).name()).arg(s.rank)
                                    : QObject::tr("no rank");
    return QStringLiteral("cos %1 · %2").arg(std::isfinite(s.cosine) ? QString::number(s.cosine, 'f', 2) : QStringLiteral("–"), rank);
}

// One inversion image: the model's score under it and, beside it, each judge's.
QWidget *tile(const GalleryImage &im, QWidget *parent)
{
    auto *w = new QWidget(parent);
    auto *l = new QVBoxLayout(w);
    l->setContentsMargins(2, 2, 2, 2);
    l->setSpacing(2);
    auto *img = imageLabel(im.image, kTileImage, w);
    img->setToolTip(im.path);
    l->addWidget(img, 0, Qt::AlignLeft);
    QString cells = QStringLiteral("<td style='padding-right:8px'>%1<br>%2</td>").arg(im.own.version.toHtmlEscaped(), scoreHtml(im.own));
    for (const GalleryScore &j : im.judges)
        cells += QStringLiteral("<td style='padding-right:8px'>judge %1:<br>%2</td>").arg(j.version.toHtmlEscaped(), scoreHtml(j));
    auto *caption = new QLabel(QStringLiteral("<table cellspacing=0><tr>%1</tr></table>").arg(cells), w);
    caption->setObjectName(QStringLiteral("invCaption"));
    QFont f = caption->font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    caption->setFont(f);
    l->addWidget(caption);
    return w;
}

QString runHeader(const GalleryRun &r)
{
    // A cancelled run says where it stopped at the end, in colour.
    QString h = QObject::tr("<b>%1</b>%2 · seed %3 · start %4 · prior <b>%5</b>%6 · run %7, %8")
                    .arg(r.model.toHtmlEscaped(), r.cancelled() ? QString() : QObject::tr(" · %1 steps").arg(r.stepsRun))
                    .arg(r.seed, r.start, r.prior)
                    .arg(r.priorDetail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(r.priorDetail.toHtmlEscaped()))
                    .arg(r.runId).arg(r.createdAt.left(16).replace(QLatin1Char('T'), QLatin1Char(' ')));
    if (r.cancelled())
        h += QObject::tr(" · <span style='color:%1'>cancelled at step %2 of %3</span>").arg(kBad.name()).arg(r.stepsRun).arg(r.steps);
    return h;
}

} // namespace

InversionView::InversionView(QWidget *parent) : QWidget(parent)
{
    auto *root = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Identity:"), this));
    m_identity = new QComboBox(this);
    m_identity->setObjectName(QStringLiteral("inversionIdentity"));
    m_identity->setMinimumContentsLength(20);
    bar->addWidget(m_identity);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("inversionStatus"));
    m_status->setWordWrap(true);   // a long status wraps instead of pushing the buttons off the screen
    bar->addWidget(m_status, 1);
    m_invert = new QPushButton(tr("Invert identity…"), this);
    m_judge = new QPushButton(tr("Judge with…"), this);
    m_judge->setToolTip(tr("Score the images shown with another version: an image that only fools the model it was "
                           "made from is adversarial noise, not a face."));
    m_addModel = new QPushButton(tr("Add the default model"), this);
    m_addModel->setObjectName(QStringLiteral("inversionAddModel"));
    m_addModel->setProperty("primary", true);
    m_addModel->hide();
    connect(m_addModel, &QPushButton::clicked, this, &InversionView::addDefaultModelRequested);
    bar->addWidget(m_addModel);
    bar->addWidget(m_invert);
    bar->addWidget(m_judge);
    root->addLayout(bar);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_live = buildLive();
    split->addWidget(m_live);
    m_scroll = new QScrollArea(split);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    split->addWidget(m_scroll);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    root->addWidget(split, 1);

    connect(m_invert, &QPushButton::clicked, this, [this] { emit invertRequested(m_gallery.identity); });
    connect(m_judge, &QPushButton::clicked, this, [this] { emit judgeRequested(m_gallery.records()); });
    connect(m_identity, &QComboBox::activated, this, [this] { showIdentity(m_identity->currentData().toLongLong()); });
    m_relayout = new QTimer(this);
    m_relayout->setSingleShot(true);
    m_relayout->setInterval(150);
    connect(m_relayout, &QTimer::timeout, this, [this] {
        if (std::abs(m_scroll->viewport()->width() - m_filledWidth) > 40)
            fillGallery();
    });
    connect(&m_loader, &QFutureWatcher<InversionGallery>::finished, this, &InversionView::onLoaded);
    connect(&m_decoder, &QFutureWatcher<QVector<QImage>>::finished, this, &InversionView::onPreviewDecoded);
    setProject(nullptr);
}

InversionView::~InversionView()
{
    m_loader.waitForFinished();
    m_decoder.waitForFinished();
}

QWidget *InversionView::buildLive()
{
    auto *w = new QWidget(this);
    auto *l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    auto *left = new QVBoxLayout;
    m_liveText = new QLabel(tr("No inversion running. Training > Invert identity… starts one."), w);
    m_liveText->setObjectName(QStringLiteral("inversionLive"));
    m_liveText->setWordWrap(true);
    m_liveText->setFixedWidth(kPreviewColumns * (kPreviewSize + 6));
    left->addWidget(m_liveText);
    m_previewGrid = new QGridLayout;
    m_previewGrid->setSpacing(4);
    m_previewGrid->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    left->addLayout(m_previewGrid);
    left->addStretch(1);
    l->addLayout(left);

    m_plot = new QCustomPlot(w);
    stylePlot(m_plot, tr("step"), tr("loss term"));
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));   // 10³ rather than 1.000000·10³
    m_plot->yAxis->setNumberPrecision(0);
    QSharedPointer<QCPAxisTickerFixed> whole(new QCPAxisTickerFixed);
    whole->setTickStep(1.0);
    whole->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);   // whole steps, fewer ticks when many
    m_plot->xAxis->setTicker(whole);
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setLabel(tr("cosine to the target"));
    m_plot->yAxis2->setRange(-0.2, 1.0);
    const QString names[6] = {tr("total"), tr("target"), tr("prior"), tr("total variation"), tr("L2"), tr("cosine")};
    const QColor colours[6] = {QColor(230, 230, 230), QColor(70, 130, 220), QColor(220, 120, 40),
                               QColor(40, 160, 90), QColor(160, 100, 200), QColor(220, 70, 70)};
    for (int k = 0; k < 6; ++k) {
        QCPGraph *g = m_plot->addGraph(m_plot->xAxis, k == 5 ? m_plot->yAxis2 : m_plot->yAxis);
        g->setPen(QPen(colours[k], k == 5 ? 2.0 : 1.6, k == 5 ? Qt::DashLine : Qt::SolidLine));
        g->setName(names[k]);
    }
    // The legend above the plot, so it never hides the curves.
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(m_plot->font().family(), 8));
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setWrap(3);   // two rows of three: one row would make the view too wide
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_plot->setMinimumHeight(2 * (kPreviewSize + 4) + 60);
    l->addWidget(m_plot, 1);
    return w;
}

void InversionView::setProject(const store::ProjectStore *store)
{
    m_folder = store ? store->folder() : QString();
    m_gallery = {};
    m_live->hide();   // until an inversion runs: the gallery gets the room
    m_identity->clear();
    m_haveModel = false;
    try {
        m_haveModel = store && !store::ModelTable(*store).versions().isEmpty();
    } catch (const std::exception &) {
    }
    m_invert->setEnabled(m_haveModel);
    m_addModel->setVisible(store != nullptr && !m_haveModel);
    m_invert->setVisible(store == nullptr || m_haveModel);   // nothing to invert yet: room for the button that can
    m_judge->setVisible(store == nullptr || m_haveModel);
    m_judge->setEnabled(false);
    m_status->setText(!store ? tr("No project open.") : m_haveModel ? QString() : tr("Inversion shows what a model thinks a person looks like: add a model first."));
    fillGallery();
    if (store)
        showIdentity(0);
}

void InversionView::showIdentity(qint64 identityId)
{
    m_wanted = identityId;
    reload();
}

void InversionView::reload()
{
    if (m_folder.isEmpty())
        return;
    if (m_loader.isRunning()) {
        m_reloadAgain = true;   // onLoaded() loads again: the project changed meanwhile
        return;
    }
    m_status->setText(tr("Loading…"));
    const QString folder = m_folder;
    const qint64 id = m_wanted;
    m_loader.setFuture(QtConcurrent::run([folder, id] { return loadInversionGallery(folder, id); }));
}

void InversionView::onLoaded()
{
    InversionGallery g = m_loader.result();
    if (m_reloadAgain) {
        m_reloadAgain = false;
        reload();
        return;
    }
    if (m_folder.isEmpty())
        return;   // closed while loading
    m_gallery = std::move(g);
    m_wanted = m_gallery.identityId;
    m_identity->clear();
    for (const auto &[id, name] : m_gallery.identities)
        m_identity->addItem(name, id);
    m_identity->addItem(tr("(images of no identity)"), qint64(-1));
    m_identity->setCurrentIndex(std::max(0, m_identity->findData(m_gallery.identityId)));
    int images = 0;
    for (const auto &r : m_gallery.runs)
        images += r.images.size();
    m_judge->setEnabled(images > 0);
    m_status->setText(!m_gallery.error.isEmpty() ? tr("Cannot read the inversions: %1").arg(m_gallery.error)
                      : !m_haveModel            ? tr("Inversion shows what a model thinks a person looks like: add a model first.")
                      : m_gallery.runs.isEmpty() ? tr("No inversion yet: Invert identity… shows what the model thinks a person looks like.")
                                                 : tr("%1 runs, %2 images").arg(m_gallery.runs.size()).arg(images));
    fillGallery();
}

void InversionView::fillGallery()
{
    m_galleryBox = new QWidget;
    m_galleryBox->setObjectName(QStringLiteral("inversionGallery"));
    auto *col = new QVBoxLayout(m_galleryBox);
    m_filledWidth = m_scroll->viewport()->width();
    const int width = std::max(400, m_filledWidth - 30);
    // Rows of tiles that wrap at the view's width (a tile with judges is wider).
    auto addTiles = [width](QVBoxLayout *into, const QVector<QWidget *> &tiles) {
        auto *grid = new QGridLayout;
        grid->setHorizontalSpacing(6);
        int x = 0, row = 0, c = 0;
        for (QWidget *t : tiles) {
            const int w = t->sizeHint().width() + 6;
            if (c > 0 && x + w > width) {
                ++row;
                c = 0;
                x = 0;
            }
            grid->addWidget(t, row, c++, Qt::AlignLeft | Qt::AlignTop);
            x += w;
        }
        grid->setColumnStretch(grid->columnCount(), 1);
        into->addLayout(grid);
    };
    if (m_gallery.identityId > 0) {
        col->addWidget(new QLabel(tr("<b>%1</b>: real aligned faces (%2 shown)")
                                      .arg(m_gallery.identity.toHtmlEscaped()).arg(m_gallery.faces.size()), m_galleryBox));
        QVector<QWidget *> faces;
        for (const QImage &f : m_gallery.faces)
            faces << imageLabel(f, 96, m_galleryBox);
        addTiles(col, faces);
    }
    if (m_gallery.runs.isEmpty() && !m_folder.isEmpty())
        col->addWidget(new QLabel(tr("No inversion here yet: Invert identity… makes some."), m_galleryBox));
    QVBoxLayout *into = col;
    for (int i = 0; i < m_gallery.runs.size(); ++i) {
        const GalleryRun &r = m_gallery.runs[i];
        const bool opens = !r.compareGroup.isEmpty() && (i == 0 || m_gallery.runs[i - 1].compareGroup != r.compareGroup);
        if (r.compareGroup.isEmpty())
            into = col;
        else if (opens) {
            // The runs of a compare in one frame, in the order they ran.
            auto *frame = new QFrame(m_galleryBox);
            frame->setObjectName(QStringLiteral("inversionCompare"));
            frame->setFrameShape(QFrame::StyledPanel);
            into = new QVBoxLayout(frame);
            QStringList models;
            for (int j = i; j < m_gallery.runs.size() && m_gallery.runs[j].compareGroup == r.compareGroup; ++j)
                models << m_gallery.runs[j].model.toHtmlEscaped();
            into->addWidget(new QLabel(tr("<b>Compare</b> %1: the same target, seed and settings through each version")
                                           .arg(models.join(QStringLiteral(" / "))), frame));
            col->addWidget(frame);
        }
        auto *header = new QLabel(runHeader(r), m_galleryBox);
        header->setObjectName(QStringLiteral("inversionRunHeader"));
        header->setWordWrap(true);
        header->setTextInteractionFlags(Qt::TextSelectableByMouse);
        into->addWidget(header);
        QVector<QWidget *> tiles;
        for (const GalleryImage &im : r.images)
            tiles << tile(im, m_galleryBox);
        addTiles(into, tiles);
    }
    col->addStretch(1);
    m_scroll->setWidget(m_galleryBox);   // deletes the previous gallery
}

void InversionView::resizeEvent(QResizeEvent *e)
{
    QWidget::resizeEvent(e);
    m_relayout->start();
}

void InversionView::setJobs(jobs::JobQueue *queue)
{
    if (!queue)
        return;
    // Follow a job once it runs: the second run of a compare is queued at once but waits.
    connect(queue, &jobs::JobQueue::started, this, [this](jobs::Job *job) {
        if (job->kind() != jobs::JobKind::Invert)
            return;
        connect(job, &jobs::Job::statusChanged, this, [this, job](jobs::JobStatus s) {
            if (s == jobs::JobStatus::Running)
                followJob(job);
        });
    });
    connect(queue, &jobs::JobQueue::finished, this,
            [this](jobs::Job *job, const QString &, jobs::JobStatus status, const QString &error) {
                if (job->kind() == jobs::JobKind::JudgeInversions) {
                    reload();
                    return;
                }
                if (job->kind() == jobs::JobKind::ModelImport && !m_haveModel && !m_folder.isEmpty()) {
                    // A model arrived: the empty state gives way to the Invert button.
                    try {
                        const store::ProjectStore st = store::ProjectStore::open(m_folder);
                        setProject(&st);
                    } catch (const std::exception &) {
                    }
                    return;
                }
                if (job->kind() != jobs::JobKind::Invert)
                    return;
                const auto *r = job->result<invert::InvertReport>();
                if (job == m_followed)
                    m_liveText->setText(r && r->cancelled ? tr("%1 → %2: cancelled at step %3 of %4; the images of that step are kept.")
                                                                .arg(r->model, r->target).arg(r->stepsRun).arg(r->steps)
                                        : r ? tr("%1 → %2: done, %3 steps, cosine %4.")
                                                  .arg(r->model, r->target).arg(r->stepsRun).arg(r->targetCosineMean(), 0, 'f', 3)
                                        : status == jobs::JobStatus::Failed ? tr("Inversion failed: %1").arg(error)
                                                                            : tr("Inversion cancelled before its first step."));
                if (r)
                    showIdentity(0);   // the newest inversion is this one
            });
}

void InversionView::followJob(jobs::Job *job)
{
    m_followed = job;
    m_live->show();
    m_lossPoints = 0;
    for (int g = 0; g < m_plot->graphCount(); ++g)
        m_plot->graph(g)->data()->clear();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    m_liveText->setText(tr("%1: starting…").arg(job->title()));
    clearPreview();
    m_pendingStep = -1;
    m_previewStep = 0;
    m_decodingStep = 0;   // a decode still running for the previous job is dropped
    connect(job, &jobs::Job::snapshot, this, [this, job] {
        if (job == m_followed)
            showSnapshot(job->latestSnapshot().toMap());
    });
}

void InversionView::showSnapshot(const QVariantMap &s)
{
    auto series = [&s](const char *key) {
        QVector<double> v;
        for (const QVariant &e : s.value(QLatin1String(key)).toList())
            v << e.toDouble();
        return v;
    };
    const QVector<double> x = series("x");
    const char *keys[6] = {"total", "target_term", "prior_term", "tv_term", "l2_term", "cosine"};
    for (int k = 0; k < 6; ++k) {
        const QVector<double> y = series(keys[k]);
        QVector<double> px, py;
        for (int i = 0; i < std::min(x.size(), y.size()); ++i)
            if (k == 5 || y[i] > 0) {   // a log axis has no place for zero (a prior that is off)
                px << x[i];
                py << y[i];
            }
        m_plot->graph(k)->setData(px, py, true);
    }
    m_lossPoints = int(x.size());
    const int steps = s.value(QStringLiteral("steps")).toInt();
    m_plot->xAxis->setRange(0, std::max(1, steps));
    bool found = false;
    QCPRange range;
    for (int k = 0; k < 5; ++k) {
        bool ok = false;
        const QCPRange r = m_plot->graph(k)->getValueRange(ok, QCP::sdBoth);
        if (ok)
            range = found ? QCPRange(std::min(range.lower, r.lower), std::max(range.upper, r.upper)) : r;
        found = found || ok;
    }
    if (found)
        m_plot->yAxis->setRange(range.lower / 2, range.upper * 2);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
    const QVector<double> cos = series("cosine");
    m_liveText->setText(tr("%1 → %2: step %3 of %4, cosine %5")
                            .arg(s.value(QStringLiteral("model")).toString(), s.value(QStringLiteral("target")).toString())
                            .arg(s.value(QStringLiteral("step")).toInt()).arg(steps)
                            .arg(cos.isEmpty() ? 0.0 : cos.back(), 0, 'f', 3));
    const int ps = s.value(QStringLiteral("preview_step")).toInt();
    if (ps > 0 && ps != m_previewStep && ps != m_decodingStep && ps != m_pendingStep) {
        m_pendingPreview = s.value(QStringLiteral("preview")).toList();
        m_pendingStep = ps;
        decodePreview();
    }
}

void InversionView::decodePreview()
{
    if (m_decoder.isRunning() || m_pendingStep < 0)
        return;
    const QVariantList pngs = m_pendingPreview;
    m_decodingStep = m_pendingStep;
    m_pendingStep = -1;
    m_pendingPreview.clear();
    m_decoder.setFuture(QtConcurrent::run([pngs] {
        QVector<QImage> images;
        for (const QVariant &b : pngs)
            images << QImage::fromData(b.toByteArray(), "PNG");
        return images;
    }));
}

void InversionView::clearPreview()
{
    while (QLayoutItem *item = m_previewGrid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_previewCount = 0;
}

void InversionView::onPreviewDecoded()
{
    const QVector<QImage> images = m_decoder.result();
    if (m_decodingStep == 0) {   // of a job no longer followed
        decodePreview();
        return;
    }
    clearPreview();
    for (int i = 0; i < images.size(); ++i) {
        m_previewGrid->addWidget(imageLabel(images[i], kPreviewSize, this), i / kPreviewColumns, i % kPreviewColumns);
        m_previewCount += images[i].isNull() ? 0 : 1;
    }
    m_previewStep = m_decodingStep;
    m_decodingStep = 0;
    decodePreview();   // a newer one came meanwhile
}

} // namespace facelab::ui

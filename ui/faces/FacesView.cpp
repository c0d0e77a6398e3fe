#include "ui/faces/FacesView.h"

#include "data/ImageCache.h"
#include "store/EmbeddingTable.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "store/ProjectStore.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/annotate/FaceView.h"
#include "ui/faces/FacePicker.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

namespace facelab::ui {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kLowQualityShown = 20;
constexpr int kGroupRole = Qt::UserRole + 2;

QString num(qint64 n)
{
    return QLocale().toString(n);
}

// Runs on a worker thread with its own connection (ProjectStore::db() is per thread).
FaceListing readListing(const store::ProjectStore st, quint64 generation)
{
    FaceListing l;
    l.generation = generation;
    try {
        const store::FaceTable faces(st);
        l.counts = faces.counts();
        for (const store::ImageRecord &img : store::ImageTable(st).all()) {
            FaceListing::Entry e{img.id, img.absPath, img.relPath, {}, 0};
            if (img.faceStatus == QLatin1String("none")) {
                e.note = faces.note(img.id);
                l.none.push_back(e);
            } else if (img.faceStatus == QLatin1String("unreadable")) {
                e.note = faces.note(img.id);
                l.unreadable.push_back(e);
            } else if (img.faceStatus == QLatin1String("found")) {
                e.faces = int(faces.faces(img.id).size());
                if (e.faces > 1)
                    l.several.push_back(e);
            }
        }
        if (const auto current = store::ModelTable(st).current()) {
            const QHash<qint64, double> norms = store::EmbeddingTable(st).norms(current->id);
            QVector<QPair<double, qint64>> byNorm;
            for (auto it = norms.constBegin(); it != norms.constEnd(); ++it)
                byNorm.push_back({it.value(), it.key()});
            std::sort(byNorm.begin(), byNorm.end());
            byNorm.resize(std::min<qsizetype>(byNorm.size(), kLowQualityShown));
            l.qualityVersion = current->name;
            const store::ImageTable images(st);
            for (const auto &[norm, id] : byNorm) {
                const store::ImageRecord img = images.image(id);
                l.lowQuality.push_back({id, img.absPath, img.relPath, QStringLiteral("quality %1").arg(norm, 0, 'f', 2), 1});
            }
        }
    } catch (const std::exception &e) {
        l.error = QString::fromUtf8(e.what());
    }
    return l;
}

QLabel *tile(QWidget *parent, QHBoxLayout *row, const QString &name, const QString &caption, const QString &tip)
{
    auto *box = new QFrame(parent);
    box->setObjectName(QStringLiteral("statTile"));
    auto *v = new QVBoxLayout(box);
    v->setContentsMargins(14, 8, 14, 8);
    v->setSpacing(0);
    auto *value = new QLabel(QStringLiteral("0"), box);
    value->setObjectName(name);
    value->setProperty("role", QStringLiteral("stat"));
    auto *c = new QLabel(caption, box);
    c->setProperty("role", QStringLiteral("muted"));
    v->addWidget(value);
    v->addWidget(c);
    box->setToolTip(tip);
    row->addWidget(box);
    return value;
}

} // namespace

FacesView::FacesView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("facesView"));
    m_photos = new data::ImageCache(qint64(96) << 20, this);
    m_crops = new data::ImageCache(qint64(8) << 20, this);
    connect(&m_watcher, &QFutureWatcher<FaceListing>::finished, this, &FacesView::onLoaded);

    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(28, 18, 28, 18);
    root->setSpacing(12);
    auto *head = new QHBoxLayout;
    auto *title = new QLabel(tr("Faces"), this);
    title->setProperty("role", QStringLiteral("title"));
    m_summary = new QLabel(tr("What the face stage found. Images without a usable face are left out of pairs and scores."),
                           this);
    m_summary->setProperty("role", QStringLiteral("muted"));
    m_summary->setWordWrap(true);
    head->addWidget(title);
    head->addSpacing(12);
    head->addWidget(m_summary, 1);
    root->addLayout(head);

    m_tiles = new QWidget(this);
    auto *tr_ = new QHBoxLayout(m_tiles);
    tr_->setContentsMargins(0, 0, 0, 0);
    tr_->setSpacing(10);
    m_tileFound = tile(m_tiles, tr_, QStringLiteral("countFound"), tr("face found"),
                       tr("Images where a face was found and aligned"));
    m_tilePre = tile(m_tiles, tr_, QStringLiteral("countPrealigned"), tr("pre-aligned"),
                     tr("112×112 images used as they are (already aligned crops)"));
    m_tileSeveral = tile(m_tiles, tr_, QStringLiteral("countSeveral"), tr("several faces"),
                         tr("Images with more than one face: FaceLab kept the most confident one; you can pick another"));
    m_tileNone = tile(m_tiles, tr_, QStringLiteral("countNone"), tr("no face"),
                      tr("No face found: left out of pairs and scores"));
    m_tileUnreadable = tile(m_tiles, tr_, QStringLiteral("countUnreadable"), tr("unreadable"),
                            tr("Files that could not be decoded: left out of pairs and scores"));
    m_tilePending = tile(m_tiles, tr_, QStringLiteral("countPending"), tr("not looked at yet"),
                         tr("Images the face stage has not processed yet (Find faces, or Embed faces, does it)"));
    tr_->addStretch(1);
    root->addWidget(m_tiles);

    m_pendingNote = new QLabel(this);
    m_pendingNote->setObjectName(QStringLiteral("pendingNote"));
    m_pendingNote->setProperty("role", QStringLiteral("note"));
    m_pendingNote->setWordWrap(true);
    m_pendingNote->hide();
    root->addWidget(m_pendingNote);

    m_body = new QStackedWidget(this);
    m_mainPage = new QWidget(m_body);
    auto *mv = new QVBoxLayout(m_mainPage);
    mv->setContentsMargins(0, 0, 0, 0);
    auto *split = new QSplitter(Qt::Horizontal, m_mainPage);
    split->setChildrenCollapsible(false);
    m_list = new QTreeWidget(split);
    m_list->setObjectName(QStringLiteral("faceImageList"));
    m_list->setHeaderLabels({tr("Image"), tr("Why")});
    m_list->setUniformRowHeights(true);
    m_list->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_list->header()->setStretchLastSection(true);
    m_list->setColumnWidth(0, 190);
    m_list->setMinimumWidth(360);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &FacesView::showSelected);

    auto *detail = new QWidget(split);
    auto *dv = new QVBoxLayout(detail);
    dv->setContentsMargins(16, 0, 0, 0);
    dv->setSpacing(8);
    m_detailTitle = new QLabel(detail);
    m_detailTitle->setObjectName(QStringLiteral("faceDetailTitle"));
    m_detailTitle->setProperty("role", QStringLiteral("subtitle"));
    m_detailText = new QLabel(detail);
    m_detailText->setObjectName(QStringLiteral("faceDetailText"));
    m_detailText->setProperty("role", QStringLiteral("muted"));
    m_detailText->setWordWrap(true);
    m_detailText->setTextFormat(Qt::RichText);
    auto *pr = new QHBoxLayout;
    pr->setSpacing(14);
    m_picker = new FacePicker(m_photos, detail);
    connect(m_picker, &FacePicker::faceClicked, this, [this](qint64 faceId) {
        if (selectedImage() > 0)
            emit chooseFaceRequested(selectedImage(), faceId);
    });
    m_alignedBox = new QWidget(detail);
    auto *av = new QVBoxLayout(m_alignedBox);
    av->setContentsMargins(0, 0, 0, 0);
    av->setSpacing(6);
    m_aligned = new FaceView(m_crops, m_alignedBox);
    m_aligned->setObjectName(QStringLiteral("alignedCrop"));
    m_aligned->setFixedSize(200, 200);
    m_alignedCaption = new QLabel(tr("Aligned 112 × 112 crop\n(what the model sees)"), m_alignedBox);
    m_alignedCaption->setProperty("role", QStringLiteral("muted"));
    m_alignedCaption->setAlignment(Qt::AlignCenter);
    av->addWidget(m_aligned);
    av->addWidget(m_alignedCaption);
    av->addStretch(1);
    pr->addWidget(m_picker, 1);
    pr->addWidget(m_alignedBox);
    dv->addWidget(m_detailTitle);
    dv->addWidget(m_detailText);
    dv->addLayout(pr, 1);
    split->addWidget(m_list);
    split->addWidget(detail);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    mv->addWidget(split);

    m_emptyPage = new QWidget(m_body);
    auto *ev = new QVBoxLayout(m_emptyPage);
    ev->addStretch(2);
    auto *ic = new QLabel(m_emptyPage);
    ic->setPixmap(icon(QStringLiteral("faces")).pixmap(72, 72));
    ic->setAlignment(Qt::AlignCenter);
    m_emptyText = new QLabel(m_emptyPage);
    m_emptyText->setObjectName(QStringLiteral("facesEmptyText"));
    m_emptyText->setAlignment(Qt::AlignCenter);
    m_emptyText->setWordWrap(true);
    m_emptyText->setProperty("role", QStringLiteral("muted"));
    m_emptyAction = new QPushButton(m_emptyPage);
    m_emptyAction->setObjectName(QStringLiteral("facesEmptyAction"));
    m_emptyAction->setProperty("primary", true);
    m_emptyAction->hide();
    connect(m_emptyAction, &QPushButton::clicked, this, [this] {
        if (m_store && m_find && m_find->isEnabled() && m_emptyAction->property("find").toBool())
            m_find->trigger();
        else if (m_store)
            emit importIdentitiesRequested();
    });
    auto *eb = new QHBoxLayout;
    eb->addStretch(1);
    eb->addWidget(m_emptyAction);
    eb->addStretch(1);
    ev->addWidget(ic);
    ev->addSpacing(8);
    ev->addWidget(m_emptyText);
    ev->addSpacing(8);
    ev->addLayout(eb);
    ev->addStretch(3);
    m_body->addWidget(m_mainPage);
    m_body->addWidget(m_emptyPage);
    root->addWidget(m_body, 1);
}

FacesView::~FacesView()
{
    m_watcher.waitForFinished();
}

void FacesView::setFindFacesAction(QAction *a)
{
    m_find = a;
    auto *b = new QPushButton(this);
    b->setObjectName(QStringLiteral("findFacesButton"));
    b->setCursor(Qt::PointingHandCursor);
    auto sync = [a, b] {
        b->setText(a->text().remove(QLatin1Char('&')));
        b->setIcon(a->icon());
        b->setEnabled(a->isEnabled());
        b->setToolTip(a->toolTip());
    };
    sync();
    connect(a, &QAction::changed, b, sync);
    connect(b, &QPushButton::clicked, a, &QAction::trigger);
    static_cast<QHBoxLayout *>(layout()->itemAt(0)->layout())->addWidget(b);
    m_findButton = b;
}

void FacesView::setProject(const store::ProjectStore *store)
{
    m_store = store;
    ++m_generation;   // a read still running for the previous project is dropped
    m_photos->clear();
    m_crops->clear();
    m_listing = {};
    m_list->clear();
    m_picker->setImage({}, {}, 0);
    m_aligned->setImagePath({});
    refresh();
}

bool FacesView::isLoading() const
{
    return m_watcher.isRunning() || m_reloadPending;
}

void FacesView::showEvent(QShowEvent *e)
{
    QWidget::showEvent(e);
    refresh();
}

void FacesView::refresh()
{
    if (!m_store) {
        m_listing = {};
        applyListing();
        return;
    }
    if (m_watcher.isRunning()) {
        m_reloadPending = true;   // read again when the running read ends
        return;
    }
    m_reloadPending = false;
    m_watcher.setFuture(QtConcurrent::run(readListing, *m_store, m_generation));
}

void FacesView::onLoaded()
{
    FaceListing l = m_watcher.result();
    const bool current = m_store && l.generation == m_generation;   // not a read of a closed project
    if (m_reloadPending || !current) {
        refresh();
        if (!current)
            return;
    }
    m_listing = std::move(l);
    applyListing();
}

void FacesView::applyListing()
{
    const store::FaceStatusCounts &c = m_listing.counts;
    m_tileFound->setText(num(c.found));
    m_tilePre->setText(num(c.prealigned));
    m_tileSeveral->setText(num(m_listing.several.size()));
    m_tileNone->setText(num(c.none));
    m_tileUnreadable->setText(num(c.unreadable));
    m_tilePending->setText(num(c.pending));
    m_tileNone->setProperty("tone", c.none > 0 ? QStringLiteral("warn") : QString());
    m_tileUnreadable->setProperty("tone", c.unreadable > 0 ? QStringLiteral("bad") : QString());
    m_tilePending->setProperty("tone", c.pending > 0 ? QStringLiteral("warn") : QString());
    for (QLabel *l : {m_tileNone, m_tileUnreadable, m_tilePending}) {
        l->style()->unpolish(l);
        l->style()->polish(l);
    }
    const qint64 total = c.found + c.prealigned + c.none + c.unreadable + c.pending;
    // (When nothing was looked at yet the empty page says it.)
    m_pendingNote->setVisible(c.pending > 0 && c.pending < total);
    m_pendingNote->setText((c.pending == 1 ? tr("1 image has not been looked at yet.")
                                           : tr("%1 images have not been looked at yet.").arg(num(c.pending))) +
                           tr(" Find faces processes them (Embed faces does it first too); until then they are in no "
                              "score."));
    if (m_findButton) {
        m_findButton->setProperty("primary", c.pending > 0);
        m_findButton->style()->unpolish(m_findButton);
        m_findButton->style()->polish(m_findButton);
    }
    if (!m_listing.error.isEmpty()) {
        m_pendingNote->setVisible(true);
        m_pendingNote->setText(tr("Could not read the faces: %1").arg(m_listing.error));
    }

    // Keep the selection across reloads.
    const qint64 keep = selectedImage();
    {
        const QSignalBlocker block(m_list);
        m_list->clear();
        auto group = [this](Group g, const QString &title, const QVector<FaceListing::Entry> &entries) {
            if (entries.isEmpty())
                return;
            auto *top = new QTreeWidgetItem(m_list);
            top->setText(0, title.arg(entries.size()));
            top->setData(0, kGroupRole, int(g));
            top->setFlags(Qt::ItemIsEnabled);
            QFont f = top->font(0);
            f.setBold(true);
            top->setFont(0, f);
            top->setFirstColumnSpanned(true);
            for (const FaceListing::Entry &e : entries) {
                auto *it = new QTreeWidgetItem(top);
                it->setText(0, QFileInfo(e.relPath).fileName());
                it->setToolTip(0, QDir::toNativeSeparators(e.path));
                it->setData(0, kIdRole, e.imageId);
                it->setData(0, kGroupRole, int(g));
                it->setText(1, g == GroupSeveral ? tr("%1 faces").arg(e.faces) : e.note);
                it->setToolTip(1, it->text(1));
                it->setForeground(1, g == GroupUnreadable ? theme::different()
                                     : g == GroupNone     ? theme::warning()
                                                          : theme::mutedText());
                it->setIcon(0, icon(g == GroupSeveral || g == GroupLowQuality ? QStringLiteral("faces")
                                    : g == GroupNone                       ? QStringLiteral("warning")
                                                                           : QStringLiteral("broken-image")));
            }
        };
        group(GroupSeveral, tr("Several faces — pick one (%1)"), m_listing.several);
        group(GroupNone, tr("No face found — left out of pairs (%1)"), m_listing.none);
        group(GroupUnreadable, tr("Unreadable — left out of pairs (%1)"), m_listing.unreadable);
        if (!m_listing.lowQuality.isEmpty())
            group(GroupLowQuality,
                  tr("Lowest quality under %1 (%2)").arg(m_listing.qualityVersion),
                  m_listing.lowQuality);
        m_list->expandAll();
    }
    const bool any = m_list->topLevelItemCount() > 0;
    m_body->setCurrentWidget(any ? m_mainPage : m_emptyPage);
    QString action;
    m_emptyAction->setProperty("find", false);
    if (!m_store) {
        m_emptyText->setText(tr("Open a project to see its faces."));
    } else if (total == 0) {
        m_emptyText->setText(tr("No images yet: import a folder of identities (one sub-folder per person)."));
        action = tr("Import identities…");
    } else if (c.pending == total) {
        m_emptyText->setText(tr("The face stage has not run yet: find, choose and align one face per image."));
        action = m_find ? m_find->text().remove(QLatin1Char('&')) : QString();
        m_emptyAction->setProperty("find", true);
    } else {
        m_emptyText->setText(tr("Nothing needs you here: every image that was looked at has exactly one usable face."));
    }
    m_emptyAction->setText(action);
    m_emptyAction->setVisible(!action.isEmpty());
    if (!(keep > 0 && selectImage(keep))) {
        // First image of the first group.
        if (any && m_list->topLevelItem(0)->childCount() > 0)
            m_list->setCurrentItem(m_list->topLevelItem(0)->child(0));
    }
    showSelected();
    emit loaded();
}

qint64 FacesView::selectedImage() const
{
    const QTreeWidgetItem *it = m_list->currentItem();
    return it ? it->data(0, kIdRole).toLongLong() : 0;
}

bool FacesView::selectImage(qint64 imageId)
{
    for (QTreeWidgetItemIterator it(m_list); *it; ++it)
        if ((*it)->data(0, kIdRole).toLongLong() == imageId) {
            m_list->setCurrentItem(*it);
            return true;
        }
    return false;
}

void FacesView::setRealigning(qint64 imageId, bool busy)
{
    m_realigning = busy ? imageId : 0;
    if (!busy)
        m_crops->clear();   // the crop file changed: decode it again
    if (selectedImage() == imageId)
        showSelected();
}

void FacesView::showSelected()
{
    const QTreeWidgetItem *it = m_list->currentItem();
    const qint64 id = selectedImage();
    if (!m_store || !it || id <= 0) {
        m_detailTitle->clear();
        m_detailText->clear();
        m_picker->setImage({}, {}, 0);
        m_aligned->setImagePath({});
        m_alignedBox->hide();
        return;
    }
    const Group g = Group(it->data(0, kGroupRole).toInt());
    const QString path = it->toolTip(0);
    m_detailTitle->setText(it->text(0));
    QVector<store::FaceRecord> faces;
    qint64 chosen = 0;
    try {
        const store::FaceTable ft(*m_store);
        if (g == GroupSeveral) {
            faces = ft.faces(id);
            if (const auto c = ft.chosen(id))
                chosen = c->id;
        }
    } catch (const std::exception &e) {
        m_detailText->setText(tr("Could not read the faces of this image: %1").arg(QString::fromUtf8(e.what())));
    }
    m_picker->setImage(path, faces, chosen);
    m_picker->setBusy(m_realigning == id);
    switch (g) {
    case GroupSeveral: {
        int chosenIndex = 0;
        for (int i = 0; i < faces.size(); ++i)
            if (faces[i].id == chosen)
                chosenIndex = i + 1;
        m_detailText->setText(tr("%1 faces found. The <b style=\"color:%2\">green</b> box (face %3) stands for this "
                                 "image in pairs and scores; click another box to use that face instead.")
                                  .arg(faces.size())
                                  .arg(theme::same().name())
                                  .arg(chosenIndex));
        m_aligned->setImagePath(store::FaceTable::alignedPath(*m_store, id));
        m_alignedBox->show();
        break;
    }
    case GroupNone:
        m_detailText->setText(tr("%1. This image is left out of pairs and scores.").arg(it->text(1).toHtmlEscaped()));
        m_aligned->setImagePath({});
        m_alignedBox->hide();
        break;
    case GroupUnreadable:
        m_detailText->setText(tr("%1. This file is left out of pairs and scores.").arg(it->text(1).toHtmlEscaped()));
        m_aligned->setImagePath({});
        m_alignedBox->hide();
        break;
    case GroupLowQuality:
        m_detailText->setText(tr("Embedding norm %1 under %2, among the lowest of the project. For MagFace models the "
                                 "norm is the face's quality: blurred, dark or turned faces score low, and their "
                                 "verdicts are the least reliable. Pairs > Queue strategy > low-quality shows them first.")
                                  .arg(it->text(1).section(QLatin1Char(' '), 1), m_listing.qualityVersion.toHtmlEscaped()));
        m_aligned->setImagePath(store::FaceTable::alignedPath(*m_store, id));
        m_alignedBox->show();
        break;
    }
    m_detailText->setToolTip(QDir::toNativeSeparators(path));
}

} // namespace facelab::ui

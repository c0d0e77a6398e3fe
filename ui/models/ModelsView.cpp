#include "ui/models/ModelsView.h"

#include "store/ModelTable.h"
#include "store/ProjectStore.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/models/ModelEngine.h"

#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace facelab::ui {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kFlagRole = Qt::UserRole + 2;

QLabel *label(QWidget *parent, const QString &role = {}, const QString &name = {})
{
    auto *l = new QLabel(parent);
    if (!role.isEmpty())
        l->setProperty("role", role);
    if (!name.isEmpty())
        l->setObjectName(name);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

// A push button that mirrors an action (text, icon, enabled, tooltip) and triggers it.
// A path that word-wraps at its separators: the details panel is narrower than most paths, and a
// label cannot break a word, so it would run past the panel's right edge.
QString breakablePath(const QString &path)
{
    QString out;
    out.reserve(path.size() + path.size() / 8);
    for (const QChar c : path) {
        out += c;
        if (c == QLatin1Char('/') || c == QLatin1Char('\\') || c == QLatin1Char('_') || c == QLatin1Char('-'))
            out += QChar(0x200B);   // zero-width space: a break opportunity, invisible
    }
    return out;
}

QPushButton *buttonFor(QAction *a, QWidget *parent)
{
    auto *b = new QPushButton(parent);
    b->setCursor(Qt::PointingHandCursor);
    auto sync = [a, b] {
        b->setText(a->text().remove(QLatin1Char('&')));
        b->setIcon(a->icon());
        b->setEnabled(a->isEnabled());
        b->setToolTip(a->toolTip());
    };
    sync();
    QObject::connect(a, &QAction::changed, b, sync);
    QObject::connect(b, &QPushButton::clicked, a, &QAction::trigger);
    return b;
}

QString when(const QString &iso)
{
    const QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    return t.isValid() ? QLocale().toString(t.toLocalTime(), QStringLiteral("d MMM yyyy, HH:mm")) : iso;
}

QString shapes(const QJsonArray &a)
{
    QStringList out;
    for (const QJsonValue &v : a) {
        QStringList dims;
        for (const QJsonValue &d : v.toObject().value(QStringLiteral("shape")).toArray())
            dims << (d.toInteger() > 0 ? QString::number(d.toInteger()) : QStringLiteral("N"));
        out << QStringLiteral("%1 [%2]").arg(v.toObject().value(QStringLiteral("name")).toString(), dims.join(QLatin1Char(',')));
    }
    return out.join(QStringLiteral(", "));
}

QString pct(double v) { return QStringLiteral("%1%").arg(v * 100.0, 0, 'f', 1); }

// "val 91.2% · test 88.0%" from a fine-tuning run's metrics ("" when none were recorded).
QString accuracyText(const QMap<QString, double> &m)
{
    QStringList parts;
    if (m.contains(QStringLiteral("val_accuracy")))
        parts << QObject::tr("val %1").arg(pct(m.value(QStringLiteral("val_accuracy"))));
    if (m.contains(QStringLiteral("test_accuracy")))
        parts << QObject::tr("test %1").arg(pct(m.value(QStringLiteral("test_accuracy"))));
    return parts.join(QStringLiteral(" · "));
}

// "91.2 / 88.0%": validation / test accuracy for the version list ("" when none were recorded).
QString shortAccuracy(const QMap<QString, double> &m)
{
    const QString val = QStringLiteral("val_accuracy"), test = QStringLiteral("test_accuracy");
    if (!m.contains(val) && !m.contains(test))
        return QString();
    auto one = [&m](const QString &k) { return m.contains(k) ? QString::number(m.value(k) * 100.0, 'f', 1) : QStringLiteral("–"); };
    return QStringLiteral("%1 / %2%").arg(one(val), one(test));
}

// "91.2% (parent 88.0%, +3.2)" with the change coloured.
QString withParent(const VersionInfo &v, const QString &key, bool percent)
{
    if (!v.metrics.contains(key))
        return QString();
    const double c = v.metrics.value(key);
    QString text = percent ? pct(c) : QString::number(c, 'f', 4);
    if (v.parentMetrics.contains(key)) {
        const double p = v.parentMetrics.value(key), d = c - p;
        const QColor col = d > 0 ? theme::same() : d < 0 ? theme::different() : theme::mutedText();
        text += QObject::tr(" (parent %1, <span style=\"color:%2\">%3%4</span>)")
                    .arg(percent ? pct(p) : QString::number(p, 'f', 4), col.name(), d >= 0 ? QStringLiteral("+") : QString(),
                         percent ? QString::number(d * 100.0, 'f', 1) : QString::number(d, 'f', 4));
    }
    return text;
}

QString compactCount(qint64 n)
{
    if (n >= 1000000)
        return QStringLiteral("%1 M").arg(n / 1e6, 0, 'f', 2);
    if (n >= 10000)
        return QStringLiteral("%1 k").arg(n / 1e3, 0, 'f', 0);
    return QLocale().toString(n);
}

} // namespace

ModelsView::ModelsView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("modelsView"));
    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(28, 18, 28, 18);
    root->setSpacing(12);

    auto *head = new QHBoxLayout;
    auto *title = new QLabel(tr("Models"), this);
    title->setProperty("role", QStringLiteral("title"));
    m_summary = label(this, QStringLiteral("muted"), QStringLiteral("modelsSummary"));
    m_headRow = head;
    head->addWidget(title);
    head->addSpacing(12);
    head->addWidget(m_summary, 1);
    root->addLayout(head);
    m_engineNote = label(this, QStringLiteral("note"), QStringLiteral("noEngineNote"));
    m_engineNote->setWordWrap(true);
    m_engineNote->setText(engine::unavailableText());
    m_engineNote->setVisible(!engine::available());
    root->addWidget(m_engineNote);

    m_pages = new QStackedWidget(this);
    // Versions and details.
    m_listPage = new QWidget(m_pages);
    auto *lv = new QVBoxLayout(m_listPage);
    lv->setContentsMargins(0, 0, 0, 0);
    auto *split = new QSplitter(Qt::Horizontal, m_listPage);
    split->setChildrenCollapsible(false);
    m_list = new QTreeWidget(split);
    m_list->setObjectName(QStringLiteral("versionList"));
    m_list->setHeaderLabels({tr("Version"), tr("Created"), tr("Threshold"), tr("Cross-check"), tr("Embedded"),
                             tr("Made by"), tr("Val / test")});
    m_list->headerItem()->setToolTip(ColRun, tr("The run that made the version: an import, or a fine-tuning run (see Runs)"));
    m_list->headerItem()->setToolTip(ColMetrics, tr("A fine-tuned version's accuracy on the validation pairs of its "
                                                    "run (best epoch) and on the held-out test split"));
    m_list->headerItem()->setToolTip(ColCheck, tr("max |LibTorch − OpenCV dnn| on the same input, measured at import; "
                                                  "red above 1e-4 or when no comparison ran"));
    m_list->headerItem()->setToolTip(ColEmbeddings, tr("Faces embedded by the version / images with a usable face"));
    m_list->setRootIsDecorated(true);
    m_list->setUniformRowHeights(true);
    m_list->setIndentation(18);
    m_list->setIconSize(QSize(14, 14));
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(ColName, QHeaderView::Stretch);
    m_list->header()->setMinimumSectionSize(60);
    m_list->setMinimumWidth(560);
    // The creation time is in the details; its column would squeeze the version names out.
    m_list->setColumnHidden(ColCreated, true);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &ModelsView::showDetails);
    auto *details = new QScrollArea(split);
    details->setWidgetResizable(true);
    details->setFrameShape(QFrame::NoFrame);
    details->setWidget(buildDetails());
    details->setMinimumWidth(380);
    split->addWidget(m_list);
    split->addWidget(details);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({720, 440});
    lv->addWidget(split, 1);
    m_emptyPage = buildEmpty();
    m_pages->addWidget(m_listPage);
    m_pages->addWidget(m_emptyPage);
    root->addWidget(m_pages, 1);
}

QWidget *ModelsView::buildEmpty()
{
    auto *page = new QWidget(this);
    auto *v = new QVBoxLayout(page);
    v->addStretch(2);
    auto *ic = new QLabel(page);
    ic->setPixmap(icon(QStringLiteral("model")).pixmap(72, 72));
    ic->setAlignment(Qt::AlignCenter);
    auto *t = new QLabel(tr("No model in this project yet"), page);
    t->setProperty("role", QStringLiteral("hero"));
    t->setAlignment(Qt::AlignCenter);
    auto *text = new QLabel(tr("Add the default model (MobileFaceNet) or one of your own, then embed the faces to "
                               "score every pair."),
                            page);
    text->setToolTip(tr("The default model is fr_feature.onnx, fetched by packaging/fetch-models.sh. FaceLab checks "
                        "every import against OpenCV dnn before it is trusted; Annotate then shows you the pairs the "
                        "model is least sure about first."));
    text->setWordWrap(true);
    text->setAlignment(Qt::AlignCenter);
    text->setProperty("role", QStringLiteral("muted"));
    text->setFixedWidth(760);
    auto *row = new QHBoxLayout;
    m_emptyRow = row;
    row->addStretch(1);
    row->addStretch(1);
    auto *tr_ = new QHBoxLayout;
    tr_->addStretch(1);
    tr_->addWidget(text);
    tr_->addStretch(1);
    v->addWidget(ic);
    v->addSpacing(8);
    v->addWidget(t);
    v->addLayout(tr_);
    v->addSpacing(16);
    v->addLayout(row);
    v->addStretch(3);
    return page;
}

QWidget *ModelsView::buildDetails()
{
    auto *w = new QWidget(this);
    w->setObjectName(QStringLiteral("versionDetails"));
    auto *v = new QVBoxLayout(w);
    v->setContentsMargins(18, 0, 4, 0);
    v->setSpacing(6);
    auto *titleRow = new QHBoxLayout;
    m_title = label(w, QStringLiteral("subtitle"), QStringLiteral("versionTitle"));
    m_badge = label(w, QStringLiteral("badge"), QStringLiteral("currentBadge"));
    m_badge->setText(tr("CURRENT"));
    m_badge->setToolTip(tr("The version whose scores Annotate shows and orders the queue by"));
    titleRow->addWidget(m_title);
    titleRow->addWidget(m_badge);
    titleRow->addStretch(1);
    v->addLayout(titleRow);
    m_lineage = label(w, QStringLiteral("muted"), QStringLiteral("versionLineage"));
    m_lineage->setWordWrap(true);
    m_lineage->setTextFormat(Qt::RichText);
    v->addWidget(m_lineage);

    auto section = [&](const QString &text) {
        auto *s = new QLabel(text, w);
        s->setProperty("role", QStringLiteral("section"));
        v->addSpacing(8);
        v->addWidget(s);
    };
    auto grid = [&]() {
        auto *g = new QGridLayout;
        g->setHorizontalSpacing(16);
        g->setVerticalSpacing(5);
        g->setColumnStretch(1, 1);
        v->addLayout(g);
        return g;
    };
    auto row = [&](QGridLayout *g, const QString &name, QLabel *&value, const QString &objectName) {
        auto *n = new QLabel(name, w);
        n->setProperty("role", QStringLiteral("muted"));
        value = label(w, {}, objectName);
        value->setWordWrap(true);
        const int r = g->rowCount();
        g->addWidget(n, r, 0, Qt::AlignTop);
        g->addWidget(value, r, 1);
    };

    section(tr("File"));
    QGridLayout *g1 = grid();
    row(g1, tr("File"), m_file, QStringLiteral("versionFile"));
    row(g1, tr("Created"), m_created, QStringLiteral("versionCreated"));
    row(g1, tr("Parameters"), m_params, QStringLiteral("versionParams"));
    row(g1, tr("Input / output"), m_io, QStringLiteral("versionIO"));
    row(g1, tr("Made by"), m_training, QStringLiteral("versionTraining"));
    m_training->setTextFormat(Qt::RichText);

    section(tr("Preprocessing (as recorded, never guessed)"));
    QGridLayout *g2 = grid();
    row(g2, tr("Channel order"), m_order, QStringLiteral("prepOrder"));
    row(g2, tr("Mean"), m_mean, QStringLiteral("prepMean"));
    row(g2, tr("Std"), m_std, QStringLiteral("prepStd"));
    row(g2, tr("Input size"), m_size, QStringLiteral("prepSize"));

    section(tr("Decision"));
    auto *th = new QHBoxLayout;
    auto *thName = new QLabel(tr("Threshold"), w);
    thName->setProperty("role", QStringLiteral("muted"));
    m_threshold = new QDoubleSpinBox(w);
    m_threshold->setObjectName(QStringLiteral("versionThreshold"));
    m_threshold->setRange(-1.0, 1.0);
    m_threshold->setDecimals(3);
    m_threshold->setSingleStep(0.01);
    m_threshold->setKeyboardTracking(false);
    m_threshold->setToolTip(tr("Cosine similarity at or above which this version says \"same person\""));
    connect(m_threshold, &QDoubleSpinBox::valueChanged, this, &ModelsView::onThresholdEdited);
    m_thresholdHint = label(w, QStringLiteral("muted"), QStringLiteral("thresholdHint"));
    m_thresholdHint->setWordWrap(true);
    th->addWidget(thName);
    th->addSpacing(8);
    th->addWidget(m_threshold);
    th->addSpacing(8);
    th->addWidget(m_thresholdHint, 1);
    v->addLayout(th);

    section(tr("Cross-check with a second runtime"));
    m_check = label(w, {}, QStringLiteral("versionCheck"));
    m_check->setTextFormat(Qt::RichText);
    m_check->setWordWrap(true);
    m_checkNote = label(w, QStringLiteral("muted"), QStringLiteral("versionCheckNote"));
    m_checkNote->setWordWrap(true);
    v->addWidget(m_check);
    v->addWidget(m_checkNote);

    section(tr("This project"));
    m_embedded = label(w, {}, QStringLiteral("versionEmbedded"));
    m_embedded->setWordWrap(true);
    m_embedded->setTextFormat(Qt::RichText);
    v->addWidget(m_embedded);

    v->addSpacing(14);
    auto *buttons = new QHBoxLayout;
    buttons->setSpacing(8);
    m_makeCurrent = new QPushButton(icon(QStringLiteral("star")), tr("Make current"), w);
    m_makeCurrent->setObjectName(QStringLiteral("makeCurrentButton"));
    m_embed = new QPushButton(icon(QStringLiteral("embed")), tr("Embed faces now"), w);
    m_embed->setObjectName(QStringLiteral("embedButton"));
    m_export = new QPushButton(icon(QStringLiteral("export")), tr("Export as .onnx…"), w);
    m_export->setObjectName(QStringLiteral("exportButton"));
    m_delete = new QPushButton(icon(QStringLiteral("close")), tr("Delete…"), w);
    m_delete->setObjectName(QStringLiteral("deleteVersionButton"));
    connect(m_delete, &QPushButton::clicked, this, &ModelsView::confirmAndRemove);
    for (QPushButton *b : {m_makeCurrent, m_embed, m_export, m_delete})
        b->setCursor(Qt::PointingHandCursor);
    connect(m_makeCurrent, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedVersion();
        if (!m_store || id <= 0)
            return;
        try {
            store::ModelTable(*m_store).setCurrent(id);
        } catch (const std::exception &e) {
            QMessageBox::critical(this, tr("Current model not changed"), QString::fromUtf8(e.what()));
            return;
        }
        refresh();
        emit currentChanged(id);
    });
    connect(m_embed, &QPushButton::clicked, this, [this] {
        if (selectedVersion() > 0)
            emit embedRequested(selectedVersion());
    });
    connect(m_export, &QPushButton::clicked, this, [this] {
        if (selectedVersion() > 0)
            emit exportRequested(selectedVersion());
    });
    // Two rows, so the panel fits beside the list on a 1366 px screen.
    buttons->addWidget(m_makeCurrent);
    buttons->addWidget(m_embed);
    buttons->addStretch(1);
    v->addLayout(buttons);
    auto *second = new QHBoxLayout;
    second->addWidget(m_export);
    second->addStretch(1);
    second->addWidget(m_delete);   // apart from the everyday actions
    v->addLayout(second);
    v->addStretch(1);
    return w;
}

void ModelsView::setActions(QAction *addFile, QAction *addDefault)
{
    QPushButton *b = buttonFor(addDefault, this);
    b->setObjectName(QStringLiteral("headAddDefaultModel"));
    m_headRow->addWidget(b);
    b = buttonFor(addFile, this);
    b->setObjectName(QStringLiteral("headAddModelFile"));
    m_headRow->addWidget(b);
    b = buttonFor(addDefault, m_emptyPage);
    b->setObjectName(QStringLiteral("emptyAddDefaultModel"));
    b->setProperty("primary", true);
    m_emptyRow->insertWidget(1, b);
    b = buttonFor(addFile, m_emptyPage);
    b->setObjectName(QStringLiteral("emptyAddModelFile"));
    m_emptyRow->insertWidget(2, b);
}

void ModelsView::setProject(const store::ProjectStore *store)
{
    m_store = store;
    m_embedding = 0;
    refresh();
}

void ModelsView::showEvent(QShowEvent *e)
{
    QWidget::showEvent(e);
    refresh();
}

qint64 ModelsView::selectedVersion() const
{
    const QTreeWidgetItem *it = m_list->currentItem();
    return it ? it->data(ColName, kIdRole).toLongLong() : 0;
}

void ModelsView::selectVersion(qint64 versionId)
{
    for (QTreeWidgetItemIterator it(m_list); *it; ++it)
        if ((*it)->data(ColName, kIdRole).toLongLong() == versionId) {
            m_list->setCurrentItem(*it);
            return;
        }
}

bool ModelsView::isFlagged(qint64 versionId) const
{
    for (QTreeWidgetItemIterator it(m_list); *it; ++it)
        if ((*it)->data(ColName, kIdRole).toLongLong() == versionId)
            return (*it)->data(ColCheck, kFlagRole).toBool();
    return false;
}

void ModelsView::setEmbedding(qint64 versionId)
{
    m_embedding = versionId;
    showDetails();
}

void ModelsView::setFineTuning(qint64 versionId)
{
    m_fineTuning = versionId;
    showDetails();
}

QString ModelsView::deleteRefusal(qint64 versionId) const
{
    const VersionInfo *v = m_models.find(versionId);
    if (!v)
        return tr("No such version.");
    if (v->current)
        return tr("%1 is the current version: Annotate scores and orders the pairs with it. Make another version "
                  "current first.").arg(v->record.name);
    if (!v->children.isEmpty())
        return tr("%1 has versions fine-tuned from it (%2). Delete those first: FaceLab keeps every version's "
                  "parent, so the lineage always says where weights came from.")
            .arg(v->record.name, v->children.join(QStringLiteral(", ")));
    if (versionId == m_embedding)
        return tr("%1 is embedding faces right now; delete it when that job has finished or been cancelled.")
            .arg(v->record.name);
    if (versionId == m_fineTuning)
        return tr("A fine-tuning job is training from %1; delete it when that job has finished or been cancelled.")
            .arg(v->record.name);
    return QString();
}

bool ModelsView::removeVersion(qint64 versionId)
{
    if (!m_store)
        return false;
    const QString why = deleteRefusal(versionId);
    if (!why.isEmpty()) {
        QMessageBox::information(this, tr("Version not deleted"), why);
        return false;
    }
    try {
        store::ModelTable(*m_store).removeVersion(versionId);
    } catch (const std::exception &e) {
        QMessageBox::critical(this, tr("Version not deleted"), QString::fromUtf8(e.what()));
        return false;
    }
    refresh();
    emit versionRemoved(versionId);
    return true;
}

void ModelsView::confirmAndRemove()
{
    const VersionInfo *v = m_models.find(selectedVersion());
    if (!v)
        return;
    const QString why = deleteRefusal(v->record.id);
    if (!why.isEmpty()) {
        QMessageBox::information(this, tr("Version not deleted"), why);
        return;
    }
    const auto answer = QMessageBox::question(
        this, tr("Delete %1?").arg(v->record.name),
        tr("Delete model version %1? Its file (%2), %3 cached embeddings and %4 pair scores are removed. Your verdicts "
           "and the runs that used it stay. This cannot be undone.")
            .arg(v->record.name, QDir::toNativeSeparators(v->record.file), QLocale().toString(v->embeddings),
                 QLocale().toString(v->pairsScored)),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        removeVersion(v->record.id);
}

void ModelsView::refresh()
{
    const qint64 keep = selectedVersion();
    m_models = {};
    if (m_store) {
        try {
            m_models = readProjectModels(*m_store);
        } catch (const std::exception &e) {
            m_summary->setText(tr("Could not read the models: %1").arg(QString::fromUtf8(e.what())));
        }
    }
    const QSignalBlocker block(m_list);
    m_list->clear();
    QHash<qint64, QTreeWidgetItem *> items;
    for (const VersionInfo &v : std::as_const(m_models.versions)) {
        QTreeWidgetItem *parent = items.value(v.record.parentId);
        auto *it = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_list);
        items.insert(v.record.id, it);
        it->setData(ColName, kIdRole, v.record.id);
        it->setText(ColName, v.record.name);
        it->setIcon(ColName, v.current ? icon(QStringLiteral("star")) : QIcon());
        if (v.current) {
            QFont f = it->font(ColName);
            f.setBold(true);
            it->setFont(ColName, f);
        }
        it->setToolTip(ColName, v.current ? tr("%1 — the current version").arg(v.record.name) : v.record.name);
        it->setText(ColCreated, when(v.record.createdAt));
        it->setForeground(ColCreated, theme::mutedText());
        // A threshold not stored with the version is shown with where it comes from, muted.
        it->setText(ColThreshold, v.record.threshold ? QString::number(v.threshold.value, 'f', 3)
                                                     : tr("%1 (%2)").arg(v.threshold.value, 0, 'f', 3).arg(v.threshold.originShort()));
        it->setToolTip(ColThreshold, v.threshold.describe());
        if (!v.record.threshold)
            it->setForeground(ColThreshold, theme::mutedText());
        const bool flagged = v.check.flagged() || v.partial || (v.check.applicable && !v.check.compared);
        it->setData(ColCheck, kFlagRole, flagged);
        if (v.check.compared || v.check.applicable) {
            it->setText(ColCheck, (flagged ? QStringLiteral("✗ ") : QStringLiteral("✓ ")) + v.check.shortText());
            it->setForeground(ColCheck, flagged ? theme::different() : theme::same());
        } else {   // no second runtime reads this family: not a failure
            it->setText(ColCheck, tr("— not applicable"));
            it->setForeground(ColCheck, theme::mutedText());
        }
        if (v.partial) {
            it->setText(ColCheck, tr("✗ partial load"));
            it->setForeground(ColCheck, theme::different());
        }
        it->setToolTip(ColCheck, (v.check.flagged() ? tr("Disagree: max |FaceLab − %1| = %2, above %3")
                                                          .arg(v.check.runtime).arg(v.check.maxDiff, 0, 'e', 2)
                                                          .arg(v.check.tolerance, 0, 'e', 0)
                                  : v.check.compared ? tr("Agree: max |FaceLab − %1| = %2").arg(v.check.runtime).arg(v.check.maxDiff, 0, 'e', 2)
                                  : v.check.applicable ? tr("No comparison with %1 ran").arg(v.check.runtime)
                                                       : tr("No second runtime reads a %1 model").arg(v.family))
                                     + (v.check.note.isEmpty() ? QString() : QStringLiteral("\n") + v.check.note)
                                     + (v.partial ? tr("\nPARTIAL load: %1; the missing weights are random").arg(v.tensorsText) : QString()));
        if (v.partial)
            it->setText(ColName, it->text(ColName) + tr(" (partial)"));
        it->setText(ColEmbeddings, QStringLiteral("%1 / %2").arg(QLocale().toString(v.embeddings),
                                                                 QLocale().toString(m_models.usableImages)));
        it->setToolTip(ColEmbeddings, tr("%1 of %2 images with a face embedded · %3 of %4 pairs scored")
                                          .arg(QLocale().toString(v.embeddings), QLocale().toString(m_models.usableImages),
                                               QLocale().toString(v.pairsScored), QLocale().toString(m_models.pairs)));
        if (v.record.parentId > 0 && v.report.isEmpty()) {   // fine-tuned: never compared, not a disagreement
            it->setText(ColCheck, tr("— not compared"));
            it->setForeground(ColCheck, theme::mutedText());
            it->setToolTip(ColCheck, v.check.note);
        }
        if (v.runKind == QLatin1String("finetune")) {
            it->setText(ColRun, v.runStatus == QLatin1String("done") ? tr("fine-tune #%1").arg(v.runId)
                                                                     : tr("fine-tune #%1, %2").arg(v.runId).arg(v.runStatus));
            it->setToolTip(ColRun, tr("Fine-tuned from %1 by run #%2: %3 epochs, lr %4, seed %5")
                                       .arg(v.record.parentName)
                                       .arg(v.runId)
                                       .arg(v.runParams.value(QStringLiteral("epochs")).toInt())
                                       .arg(v.runParams.value(QStringLiteral("lr")).toDouble())
                                       .arg(v.runParams.value(QStringLiteral("seed")).toString()));
        } else {
            it->setText(ColRun, v.runKind == QLatin1String("model-import") ? tr("import") : v.runKind);
        }
        it->setForeground(ColRun, theme::mutedText());
        it->setText(ColMetrics, shortAccuracy(v.metrics));
        it->setTextAlignment(ColMetrics, Qt::AlignRight | Qt::AlignVCenter);
        it->setToolTip(ColMetrics, v.metrics.isEmpty() ? QString()
                                   : accuracyText(v.metrics) +
                                         (v.parentMetrics.isEmpty() ? QString()
                                                                    : tr("\n%1 before fine-tuning: %2")
                                                                          .arg(v.record.parentName, accuracyText(v.parentMetrics))));
        it->setTextAlignment(ColThreshold, Qt::AlignRight | Qt::AlignVCenter);
        it->setTextAlignment(ColEmbeddings, Qt::AlignRight | Qt::AlignVCenter);
    }
    m_list->expandAll();
    const int n = int(m_models.versions.size());
    if (m_store) {
        const VersionInfo *cur = m_models.find(m_models.currentId);
        m_summary->setText(n == 0 ? tr("No model yet.")
                                  : (n == 1 ? tr("1 version") : tr("%1 versions").arg(n)) +
                                        tr(" · current: %1 · %2 of %3 images have a face")
                                            .arg(cur ? cur->record.name : tr("none"),
                                                 QLocale().toString(m_models.usableImages),
                                                 QLocale().toString(m_models.images)));
    } else {
        m_summary->clear();
    }
    m_pages->setCurrentWidget(n == 0 ? m_emptyPage : m_listPage);
    if (keep > 0)
        selectVersion(keep);
    if (!m_list->currentItem() && n > 0)
        selectVersion(m_models.currentId > 0 ? m_models.currentId : m_models.versions.front().record.id);
    showDetails();
}

void ModelsView::showDetails()
{
    const VersionInfo *v = m_models.find(selectedVersion());
    for (QPushButton *b : {m_makeCurrent, m_embed, m_export, m_delete})
        b->setEnabled(v != nullptr);
    m_threshold->setEnabled(v != nullptr);
    if (!v) {
        m_title->clear();
        m_badge->hide();
        return;
    }
    const store::ModelVersionRecord &r = v->record;
    m_title->setText(r.name);
    m_badge->setVisible(v->current);

    // Lineage: the chain of parents down to this version.
    QStringList chain;
    for (const VersionInfo *p = v; p; p = m_models.find(p->record.parentId)) {
        chain.prepend(p == v ? QStringLiteral("<b>%1</b>").arg(p->record.name.toHtmlEscaped()) : p->record.name.toHtmlEscaped());
        if (chain.size() > 32)
            break;
    }
    const QString source = v->report.value(QStringLiteral("file")).toString();
    if (r.parentId > 0)
        m_lineage->setText(tr("Fine-tuned from <b>%1</b> &nbsp;·&nbsp; %2").arg(r.parentName.toHtmlEscaped(),
                                                                               chain.join(QStringLiteral(" ▸ "))));
    else
        m_lineage->setText(tr("Imported (%1 model)%2").arg(r.family.toHtmlEscaped(),
                                                          source.isEmpty() ? QString()
                                                                           : tr(" from %1").arg(breakablePath(QDir::toNativeSeparators(source)).toHtmlEscaped())));

    const QString abs = m_store ? QDir(m_store->folder()).filePath(r.file) : r.file;
    const QFileInfo fi(abs);
    m_file->setText(fi.exists() ? tr("%1 (%2 MB)").arg(breakablePath(QDir::toNativeSeparators(r.file))).arg(fi.size() / 1e6, 0, 'f', 1)
                                : tr("%1 — missing").arg(breakablePath(QDir::toNativeSeparators(r.file))));
    m_file->setToolTip(QDir::toNativeSeparators(abs));
    m_created->setText(when(r.createdAt));
    // A fine-tuned version has its ancestor's graph: parameters and shapes come from that import.
    const VersionInfo *imported = v;
    for (int hops = 0; imported->report.isEmpty() && imported->record.parentId > 0 && hops < 32; ++hops) {
        const VersionInfo *p = m_models.find(imported->record.parentId);
        if (!p)
            break;
        imported = p;
    }
    const QJsonValue params = imported->report.value(QStringLiteral("parameters"));
    m_params->setText(params.isDouble() ? tr("%1 (%2 exactly)").arg(compactCount(params.toInteger()),
                                                                    QLocale().toString(params.toInteger()))
                                        : tr("not recorded"));
    const QString in = shapes(imported->report.value(QStringLiteral("inputs")).toArray());
    const QString out = shapes(imported->report.value(QStringLiteral("outputs")).toArray());
    if (in.isEmpty() && out.isEmpty() && imported->report.contains(QStringLiteral("embedding_dim"))) {
        // Native families: the network's own input size and embedding width.
        const QJsonArray size = imported->report.value(QStringLiteral("input")).toArray();
        m_io->setText(tr("3 × %1 × %2 → %3 · %4")
                          .arg(size.at(1).toInt()).arg(size.at(0).toInt())
                          .arg(imported->report.value(QStringLiteral("embedding_dim")).toInt())
                          .arg(imported->report.value(QStringLiteral("architecture")).toString()));
    } else {
        m_io->setText(in.isEmpty() && out.isEmpty() ? tr("not recorded") : QStringLiteral("%1 → %2").arg(in, out));
    }
    if (v->runKind == QLatin1String("finetune")) {
        const QJsonObject &rp = v->runParams;
        QString t = tr("fine-tuning run #%1 (%2): %3 epochs, batch %4, lr %5, margin %6, seed %7")
                        .arg(v->runId)
                        .arg(v->runStatus)
                        .arg(rp.value(QStringLiteral("epochs")).toInt())
                        .arg(rp.value(QStringLiteral("batch")).toInt())
                        .arg(rp.value(QStringLiteral("lr")).toDouble())
                        .arg(rp.value(QStringLiteral("margin")).toDouble())
                        .arg(rp.value(QStringLiteral("seed")).toString());
        const QString val = withParent(*v, QStringLiteral("val_accuracy"), true);
        const QString test = withParent(*v, QStringLiteral("test_accuracy"), true);
        const QString auc = withParent(*v, QStringLiteral("test_auc"), false);
        if (!val.isEmpty())
            t += tr("<br>validation accuracy %1").arg(val);
        if (!test.isEmpty())
            t += tr("<br>test accuracy %1").arg(test);
        if (!auc.isEmpty())
            t += tr("<br>test AUC %1").arg(auc);
        if (test.isEmpty())
            t += tr("<br><span style=\"color:%1\">no test-split comparison recorded</span>").arg(theme::mutedText().name());
        m_training->setText(t);
    } else {
        m_training->setText(v->runId > 0 ? tr("%1 run #%2").arg(v->runKind.toHtmlEscaped()).arg(v->runId) : tr("not recorded"));
    }

    const PreprocessingInfo &p = v->preprocessing;
    m_order->setText(p.valid ? p.channelOrder : tr("not recorded"));
    m_mean->setText(p.valid ? p.meanText() : QStringLiteral("—"));
    m_std->setText(p.valid ? p.stdText() : QStringLiteral("—"));
    m_size->setText(p.valid ? tr("%1 px").arg(p.sizeText()) : QStringLiteral("—"));
    m_order->setToolTip(p.raw);

    {
        const QSignalBlocker block(m_threshold);
        m_threshold->setValue(v->threshold.value);
    }
    m_thresholdHint->setText(r.threshold ? tr("cosine ≥ threshold → same person")
                                         : tr("Not stored: %1. Edit to store one.")
                                               .arg(v->threshold.describe()));

    const CrossCheckInfo &c = v->check;
    if (c.agrees()) {
        m_check->setText(tr("<span style=\"color:%1\"><b>✓ Agrees with %2</b></span> &nbsp;max |diff| = %3 (limit %4)")
                             .arg(theme::same().name(), c.runtime)
                             .arg(c.maxDiff, 0, 'e', 2)
                             .arg(c.tolerance, 0, 'e', 0));
    } else if (c.compared) {
        m_check->setText(tr("<span style=\"color:%1\"><b>✗ Disagrees with %2</b></span> &nbsp;max |diff| = %3, above %4: "
                            "scores from this version may not be what the model computes elsewhere")
                             .arg(theme::different().name(), c.runtime)
                             .arg(c.maxDiff, 0, 'e', 2)
                             .arg(c.tolerance, 0, 'e', 0));
    } else if (!c.applicable && !v->report.isEmpty()) {   // a family no second runtime reads
        m_check->setText(tr("<span style=\"color:%1\"><b>Not applicable</b></span> — no second runtime reads "
                            "%2 models; %3 loaded")
                             .arg(theme::mutedText().name(), v->family, v->tensorsText));
    } else if (r.parentId > 0 && v->report.isEmpty()) {   // fine-tuned: its note says why, not alarming
        m_check->setText(tr("<span style=\"color:%1\"><b>No comparison ran</b></span> for this fine-tuned version")
                             .arg(theme::mutedText().name()));
    } else {
        m_check->setText(tr("<span style=\"color:%1\"><b>✗ No comparison ran</b></span> — nothing confirms that "
                            "FaceLab computes what the model file means")
                             .arg(theme::different().name()));
    }
    const QString note = v->partial ? tr("PARTIAL load (%1): imported on request; the missing weights are random. %2")
                                          .arg(v->tensorsText, c.note)
                                    : c.note;
    m_checkNote->setText(note);
    m_checkNote->setVisible(!note.isEmpty());

    QString emb = tr("<b>%1</b> of %2 images with a face embedded &nbsp;·&nbsp; <b>%3</b> of %4 pairs scored")
                      .arg(QLocale().toString(v->embeddings), QLocale().toString(m_models.usableImages),
                           QLocale().toString(v->pairsScored), QLocale().toString(m_models.pairs));
    if (m_models.images > m_models.usableImages)
        emb += tr("<br><span style=\"color:%1\">%2 images have no usable face (or were not looked at yet): see Faces.</span>")
                   .arg(theme::mutedText().name())
                   .arg(m_models.images - m_models.usableImages);
    m_embedded->setText(emb);

    m_makeCurrent->setEnabled(!v->current);
    m_makeCurrent->setText(v->current ? tr("Current") : tr("Make current"));
    const bool engineOk = engine::available();
    m_embed->setEnabled(engineOk && m_embedding == 0);
    m_embed->setText(m_embedding == r.id ? tr("Embedding…") : tr("Embed faces now"));
    m_embed->setToolTip(engineOk ? tr("Embed every face with %1 (cached faces are skipped) and score all pairs").arg(r.name)
                                 : engine::unavailableText());
    m_export->setEnabled(engineOk && fi.exists());
    m_export->setToolTip(engineOk ? tr("Write this version as a standard .onnx file and check it with OpenCV dnn")
                                  : engine::unavailableText());
    m_threshold->setEnabled(true);
    const QString why = deleteRefusal(r.id);
    m_delete->setToolTip(why.isEmpty() ? tr("Delete this version, its file, embeddings and scores (asks first)") : why);
}

void ModelsView::onThresholdEdited(double t)
{
    const qint64 id = selectedVersion();
    if (!m_store || id <= 0)
        return;
    try {
        store::ModelTable(*m_store).setThreshold(id, t);
    } catch (const std::exception &e) {
        QMessageBox::critical(this, tr("Threshold not saved"), QString::fromUtf8(e.what()));
        return;
    }
    refresh();
    emit thresholdChanged(id, t);
}

} // namespace facelab::ui

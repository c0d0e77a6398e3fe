#include "ui/annotate/AnnotateView.h"

#include "data/ImageCache.h"
#include "data/PairQueue.h"
#include "store/FeedbackTable.h"
#include "store/ModelTable.h"
#include "store/ProjectStore.h"
#include "store/ScoreTable.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/annotate/FaceView.h"
#include "ui/annotate/ModelStrip.h"
#include "ui/annotate/VerdictButton.h"
#include "ui/models/ModelEngine.h"
#include "ui/models/ModelVersions.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QMouseEvent>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace facelab::ui {

namespace {

QString num(qint64 n)
{
    return QLocale().toString(n);
}

QString verdictText(store::Verdict v)
{
    switch (v) {
    case store::Verdict::Same: return AnnotateView::tr("Same person");
    case store::Verdict::Different: return AnnotateView::tr("Different people");
    case store::Verdict::Skip: return AnnotateView::tr("Skipped");
    }
    return {};
}

QColor verdictColor(store::Verdict v)
{
    switch (v) {
    case store::Verdict::Same: return theme::same();
    case store::Verdict::Different: return theme::different();
    case store::Verdict::Skip: return theme::skip();
    }
    return {};
}

QLabel *makeLabel(const QString &objectName, QWidget *parent)
{
    auto *l = new QLabel(parent);
    l->setObjectName(objectName);
    return l;
}

QToolButton *makeToolButton(QAction *a, QWidget *parent)
{
    auto *b = new QToolButton(parent);
    b->setDefaultAction(a);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setFocusPolicy(Qt::NoFocus);
    b->setAutoRaise(true);
    b->setCursor(Qt::PointingHandCursor);
    return b;
}

} // namespace

AnnotateView::AnnotateView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("annotateView"));
    setFocusPolicy(Qt::StrongFocus);
    const qint64 budget = qint64(std::max(32, setting(QStringLiteral("annotate/cacheMegabytes")).toInt())) << 20;
    m_cache = new data::ImageCache(budget, this);
    m_showIdentities = setting(QStringLiteral("annotate/showIdentities")).toBool();
    m_showModelEarly = setting(QStringLiteral("annotate/showModelBeforeVerdict")).toBool();

    // Actions first: buttons and menus share them.
    auto makeAction = [this](const QString &text, const QString &iconName, const QList<QKeySequence> &keys) {
        auto *a = new QAction(icon(iconName), text, this);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
        return a;
    };
    m_actSame = makeAction(tr("Same person"), QStringLiteral("same"), {QKeySequence(Qt::Key_S), QKeySequence(Qt::Key_Left)});
    m_actDifferent = makeAction(tr("Different people"), QStringLiteral("different"),
                                {QKeySequence(Qt::Key_D), QKeySequence(Qt::Key_Right)});
    m_actSkip = makeAction(tr("Skip (not sure)"), QStringLiteral("skip"),
                           {QKeySequence(Qt::Key_Space), QKeySequence(Qt::Key_Down)});
    m_actBack = makeAction(tr("Back"), QStringLiteral("back"),
                           {QKeySequence(Qt::Key_Backspace), QKeySequence(Qt::Key_PageUp)});
    m_actForward = makeAction(tr("Forward"), QStringLiteral("forward"), {QKeySequence(Qt::Key_PageDown)});
    m_actUndo = makeAction(tr("Undo verdict"), QStringLiteral("undo"), {QKeySequence::Undo});
    m_actShowIds = makeAction(tr("Show identity names"), QStringLiteral("eye"), {QKeySequence(Qt::CTRL | Qt::Key_I)});
    m_actShowIds->setCheckable(true);
    m_actShowIds->setChecked(m_showIdentities);
    m_actShowModel = new QAction(icon(QStringLiteral("model")), tr("Show model score before answering"), this);
    m_actShowModel->setObjectName(QStringLiteral("actionShowModelBeforeVerdict"));
    m_actShowModel->setCheckable(true);
    m_actShowModel->setChecked(m_showModelEarly);
    m_actShowModel->setToolTip(tr("Show the model's cosine similarity and prediction before you answer. Off by "
                                  "default: they appear once the pair has your verdict, so they do not anchor it."));
    m_actShowModel->setStatusTip(m_actShowModel->toolTip());
    m_actBack->setToolTip(tr("Back to the previous pair (Backspace)"));
    m_actForward->setToolTip(tr("Next pair without answering (Page Down)"));
    m_actUndo->setToolTip(tr("Undo the last verdict and go back to its pair (Ctrl+Z, repeatable)"));
    m_actShowIds->setToolTip(tr("Show the ground-truth identity names (Ctrl+I). Hidden by default: "
                                "they bias the labeller."));

    connect(m_actSame, &QAction::triggered, this, [this] { answer(store::Verdict::Same); });
    connect(m_actDifferent, &QAction::triggered, this, [this] { answer(store::Verdict::Different); });
    connect(m_actSkip, &QAction::triggered, this, [this] { answer(store::Verdict::Skip); });
    connect(m_actBack, &QAction::triggered, this, &AnnotateView::back);
    connect(m_actForward, &QAction::triggered, this, &AnnotateView::forward);
    connect(m_actUndo, &QAction::triggered, this, &AnnotateView::undo);
    connect(m_actShowIds, &QAction::toggled, this, &AnnotateView::setIdentitiesShown);
    connect(m_actShowModel, &QAction::toggled, this, &AnnotateView::setModelShownBeforeVerdict);

    // A threshold typed or spun in the model line re-orders the queue once it settles.
    m_reorderTimer = new QTimer(this);
    m_reorderTimer->setSingleShot(true);
    m_reorderTimer->setInterval(700);
    connect(m_reorderTimer, &QTimer::timeout, this, [this] {
        if (!m_queue || !m_hasScores)
            return;
        m_queue->setModelOrder(m_versionId, m_threshold);
        reloadQueue(true);
    });

    auto *root = new QVBoxLayout(this);
    root->setContentsMargins(28, 18, 28, 18);
    root->setSpacing(10);

    // Header: position, counts, progress, identity toggle.
    m_header = new QWidget(this);
    auto *hl = new QHBoxLayout(m_header);
    hl->setContentsMargins(0, 0, 0, 0);
    hl->setSpacing(16);
    m_position = makeLabel(QStringLiteral("pairPosition"), m_header);
    m_position->setProperty("role", QStringLiteral("title"));
    m_counts = makeLabel(QStringLiteral("pairCounts"), m_header);
    m_counts->setProperty("role", QStringLiteral("muted"));
    m_counts->setTextFormat(Qt::RichText);
    m_idsButton = new QToolButton(m_header);
    m_idsButton->setObjectName(QStringLiteral("showIdentitiesButton"));
    m_idsButton->setDefaultAction(m_actShowIds);
    m_idsButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_idsButton->setFocusPolicy(Qt::NoFocus);
    m_idsButton->setCursor(Qt::PointingHandCursor);
    hl->addWidget(m_position);
    hl->addStretch(1);
    hl->addWidget(m_counts);
    hl->addSpacing(8);
    hl->addWidget(m_idsButton);
    root->addWidget(m_header);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("queueProgress"));
    m_progress->setTextVisible(false);
    m_progress->setFixedHeight(6);
    root->addWidget(m_progress);

    m_pages = new QStackedWidget(this);
    m_pairPage = buildPairPage();
    m_donePage = buildDonePage();
    m_emptyPage = buildEmptyPage();
    m_noProjectPage = buildNoProjectPage();
    m_pages->addWidget(m_pairPage);
    m_pages->addWidget(m_donePage);
    m_pages->addWidget(m_emptyPage);
    m_pages->addWidget(m_noProjectPage);
    root->addWidget(m_pages, 1);

    setIdentitiesShown(m_showIdentities);
    showCurrent();
}

AnnotateView::~AnnotateView() = default;

QWidget *AnnotateView::buildPairPage()
{
    auto *page = new QWidget(this);
    auto *v = new QVBoxLayout(page);
    v->setContentsMargins(0, 8, 0, 0);
    v->setSpacing(12);

    auto *faces = new QHBoxLayout;
    faces->setSpacing(20);
    auto column = [&](FaceView *&face, QLabel *&name, const QString &side) {
        auto *c = new QVBoxLayout;
        c->setSpacing(8);
        face = new FaceView(m_cache, page);
        face->setObjectName(QStringLiteral("face") + side);
        name = makeLabel(QStringLiteral("identity") + side, page);
        name->setAlignment(Qt::AlignCenter);
        name->setProperty("role", QStringLiteral("identity"));
        c->addWidget(face, 1);
        c->addWidget(name);
        faces->addLayout(c, 1);
    };
    column(m_faceA, m_nameA, QStringLiteral("A"));
    column(m_faceB, m_nameB, QStringLiteral("B"));
    connect(m_faceA, &FaceView::decodeSizeChanged, this, &AnnotateView::prefetch);
    v->addLayout(faces, 1);

    m_modelStrip = new ModelStrip(page);
    connect(m_modelStrip, &ModelStrip::addDefaultModelRequested, this, &AnnotateView::addDefaultModelRequested);
    connect(m_modelStrip, &ModelStrip::addModelFileRequested, this, &AnnotateView::addModelFileRequested);
    connect(m_modelStrip, &ModelStrip::embedRequested, this, &AnnotateView::embedRequested);
    connect(m_modelStrip, &ModelStrip::thresholdEdited, this, &AnnotateView::onThresholdEdited);
    // Enter in the threshold box hands the keys back to the verdicts.
    connect(m_modelStrip->thresholdBox(), &QAbstractSpinBox::editingFinished, this, [this] {
        if (m_modelStrip->thresholdBox()->hasFocus())
            setFocus(Qt::OtherFocusReason);
    });
    // As wide as the verdict buttons below (same stretch factors).
    auto *strip = new QHBoxLayout;
    strip->setSpacing(14);
    strip->addStretch(1);
    strip->addWidget(m_modelStrip, 8);
    strip->addStretch(1);
    v->addLayout(strip);

    m_verdictNote = makeLabel(QStringLiteral("verdictNote"), page);
    m_verdictNote->setAlignment(Qt::AlignCenter);
    m_verdictNote->setTextFormat(Qt::RichText);
    m_verdictNote->setMinimumHeight(m_verdictNote->fontMetrics().height() + 6);
    v->addWidget(m_verdictNote);

    auto *buttons = new QHBoxLayout;
    buttons->setSpacing(14);
    m_btnSame = new VerdictButton(tr("Same"), {QStringLiteral("S"), QStringLiteral("←")}, theme::same(),
                                  icon(QStringLiteral("same")), page);
    m_btnSkip = new VerdictButton(tr("Skip"), {tr("Space"), QStringLiteral("↓")}, theme::skip(),
                                  icon(QStringLiteral("skip")), page);
    m_btnDifferent = new VerdictButton(tr("Different"), {QStringLiteral("D"), QStringLiteral("→")},
                                       theme::different(), icon(QStringLiteral("different")), page);
    m_btnSame->setObjectName(QStringLiteral("sameButton"));
    m_btnSkip->setObjectName(QStringLiteral("skipButton"));
    m_btnDifferent->setObjectName(QStringLiteral("differentButton"));
    m_btnSame->setToolTip(tr("Same person (S or ←)"));
    m_btnDifferent->setToolTip(tr("Different people (D or →)"));
    m_btnSkip->setToolTip(tr("Skip: not sure, decide later (Space or ↓)"));
    connect(m_btnSame, &QAbstractButton::clicked, this, [this] { answer(store::Verdict::Same); });
    connect(m_btnDifferent, &QAbstractButton::clicked, this, [this] { answer(store::Verdict::Different); });
    connect(m_btnSkip, &QAbstractButton::clicked, this, [this] { answer(store::Verdict::Skip); });
    buttons->addStretch(1);
    buttons->addWidget(m_btnSame, 3);
    buttons->addWidget(m_btnSkip, 2);
    buttons->addWidget(m_btnDifferent, 3);
    buttons->addStretch(1);
    v->addLayout(buttons);

    auto *nav = new QHBoxLayout;
    nav->setSpacing(6);
    // Tool buttons show the action's iconText: name plus key hint (menus keep the plain text).
    m_actBack->setIconText(tr("Back   ⌫"));
    m_actForward->setIconText(tr("Forward   PgDown"));
    m_actUndo->setIconText(tr("Undo   Ctrl+Z"));
    m_btnBack = makeToolButton(m_actBack, page);
    m_btnForward = makeToolButton(m_actForward, page);
    m_btnUndo = makeToolButton(m_actUndo, page);
    m_btnBack->setObjectName(QStringLiteral("backButton"));
    m_btnForward->setObjectName(QStringLiteral("forwardButton"));
    m_btnUndo->setObjectName(QStringLiteral("undoButton"));
    m_lastAnswer = new QLabel(tr("Every answer is saved at once."), page);
    m_lastAnswer->setObjectName(QStringLiteral("lastAnswer"));
    m_lastAnswer->setProperty("role", QStringLiteral("muted"));
    m_lastAnswer->setTextFormat(Qt::RichText);
    nav->addWidget(m_btnBack);
    nav->addWidget(m_btnForward);
    nav->addStretch(1);
    nav->addWidget(m_lastAnswer);
    nav->addStretch(1);
    nav->addWidget(m_btnUndo);
    v->addLayout(nav);
    return page;
}

QWidget *AnnotateView::buildDonePage()
{
    auto *page = new QWidget(this);
    auto *v = new QVBoxLayout(page);
    v->addStretch(2);
    auto *ic = new QLabel(page);
    ic->setPixmap(icon(QStringLiteral("done")).pixmap(72, 72));
    ic->setAlignment(Qt::AlignCenter);
    m_doneTitle = makeLabel(QStringLiteral("doneTitle"), page);
    m_doneTitle->setProperty("role", QStringLiteral("hero"));
    m_doneTitle->setAlignment(Qt::AlignCenter);
    m_doneText = makeLabel(QStringLiteral("doneText"), page);
    m_doneText->setAlignment(Qt::AlignCenter);
    m_doneText->setWordWrap(true);
    m_doneText->setTextFormat(Qt::RichText);
    m_doneText->setProperty("role", QStringLiteral("muted"));
    auto *row = new QHBoxLayout;
    m_doneReview = new QPushButton(icon(QStringLiteral("recent")), QString(), page);
    m_doneReview->setObjectName(QStringLiteral("reviewButton"));
    m_doneReview->setProperty("primary", true);
    m_doneLast = new QPushButton(icon(QStringLiteral("back")), tr("Back to the last pair"), page);
    connect(m_doneReview, &QPushButton::clicked, this, [this] {
        if (!m_queue)
            return;
        m_queue->reload();
        if (m_queue->atEnd())
            m_queue->setCursor(0);   // everything has a verdict: review from the first pair
        showCurrent();
        emit progressChanged();
    });
    connect(m_doneLast, &QPushButton::clicked, this, &AnnotateView::back);
    row->addStretch(1);
    row->addWidget(m_doneLast);
    row->addWidget(m_doneReview);
    row->addStretch(1);
    v->addWidget(ic);
    v->addSpacing(8);
    v->addWidget(m_doneTitle);
    v->addWidget(m_doneText);
    v->addSpacing(16);
    v->addLayout(row);
    v->addStretch(3);
    return page;
}

QWidget *AnnotateView::buildEmptyPage()
{
    auto *page = new QWidget(this);
    auto *v = new QVBoxLayout(page);
    v->addStretch(2);
    auto *ic = new QLabel(page);
    ic->setPixmap(icon(QStringLiteral("annotate")).pixmap(72, 72));
    ic->setAlignment(Qt::AlignCenter);
    auto *title = new QLabel(tr("No pairs to label yet"), page);
    title->setProperty("role", QStringLiteral("hero"));
    title->setAlignment(Qt::AlignCenter);
    auto *text = new QLabel(tr("Import a folder of identities (one sub-folder of face images per person) and "
                               "generate pairs from it, or import a pairs list (LFW pairs.txt or a CSV of "
                               "path1,path2,same)."),
                            page);
    text->setWordWrap(true);
    text->setAlignment(Qt::AlignCenter);
    text->setProperty("role", QStringLiteral("muted"));
    text->setFixedWidth(600);
    auto *row = new QHBoxLayout;
    auto *imp = new QPushButton(icon(QStringLiteral("import-identities")), tr("Import identities…"), page);
    auto *pairs = new QPushButton(icon(QStringLiteral("import-pairs")), tr("Import pairs…"), page);
    auto *gen = new QPushButton(icon(QStringLiteral("generate")), tr("Generate pairs…"), page);
    gen->setObjectName(QStringLiteral("emptyGenerateButton"));
    imp->setProperty("primary", true);
    connect(imp, &QPushButton::clicked, this, &AnnotateView::importIdentitiesRequested);
    connect(pairs, &QPushButton::clicked, this, &AnnotateView::importPairsRequested);
    connect(gen, &QPushButton::clicked, this, &AnnotateView::generatePairsRequested);
    row->addStretch(1);
    row->addWidget(imp);
    row->addWidget(pairs);
    row->addWidget(gen);
    row->addStretch(1);
    v->addWidget(ic);
    v->addSpacing(8);
    v->addWidget(title);
    auto *tr_ = new QHBoxLayout;
    tr_->addStretch(1);
    tr_->addWidget(text);
    tr_->addStretch(1);
    v->addLayout(tr_);
    v->addSpacing(16);
    v->addLayout(row);
    v->addStretch(3);
    return page;
}

QWidget *AnnotateView::buildNoProjectPage()
{
    auto *page = new QWidget(this);
    auto *v = new QVBoxLayout(page);
    auto *l = new QLabel(tr("Open a project to start labelling."), page);
    l->setAlignment(Qt::AlignCenter);
    l->setProperty("role", QStringLiteral("muted"));
    v->addWidget(l);
    return page;
}

void AnnotateView::setProject(const store::ProjectStore *store)
{
    m_queue.reset();
    m_cache->clear();
    m_store = store;
    m_reorderTimer->stop();
    m_lastAnswer->setText(tr("Every answer is saved at once."));
    readModel();
    updateModelStrip();
    if (m_store) {
        const int radius = std::max(5, setting(QStringLiteral("annotate/queueRadius")).toInt());
        // Most uncertain pairs first when the current model has scored the project.
        m_queue = std::make_unique<data::PairQueue>(*m_store, radius, m_hasScores ? m_versionId : 0, m_threshold);
    }
    showCurrent();
    emit progressChanged();
}

void AnnotateView::reloadQueue(bool keepPosition)
{
    if (!m_queue)
        return;
    const qint64 id = currentPairId();
    const bool wasAtEnd = m_queue->atEnd();
    m_queue->reload();
    if (keepPosition && id > 0 && !wasAtEnd)
        m_queue->jumpTo(id);
    showCurrent();
    emit progressChanged();
}

qint64 AnnotateView::currentPairId() const
{
    return m_queue && !m_queue->atEnd() ? m_queue->currentId() : 0;
}

AnnotateView::Page AnnotateView::page() const
{
    QWidget *w = m_pages->currentWidget();
    if (w == m_pairPage)
        return Page::Pair;
    if (w == m_donePage)
        return Page::Done;
    if (w == m_emptyPage)
        return Page::Empty;
    return Page::NoProject;
}

void AnnotateView::answer(store::Verdict v)
{
    if (!m_queue || !m_store || m_queue->atEnd())
        return;
    const auto rec = m_queue->current();
    if (!rec) {
        // Deleted since the queue was read: move on.
        m_queue->next();
        showCurrent();
        return;
    }
    try {
        store::FeedbackTable(*m_store).add(rec->id, v);   // committed when it returns
    } catch (const std::exception &e) {
        QMessageBox::critical(this, tr("Verdict not saved"),
                              tr("The verdict for this pair could not be written to the project:\n%1")
                                  .arg(QString::fromUtf8(e.what())));
        return;
    }
    flash(v);
    {
        // What was just answered, next to the model's view of it (now that the verdict is given).
        const QColor c = verdictColor(v);
        QString text = tr("Last: <b style=\"color:%1\">%2</b>").arg(c.name(), verdictText(v).toHtmlEscaped());
        if (m_versionId > 0) {
            if (const auto sc = scoreOf(rec->id)) {
                const bool modelSame = *sc >= m_threshold;
                text += tr(" &nbsp;·&nbsp; %1 %2 → %3").arg(m_versionName.toHtmlEscaped(), QString::number(*sc, 'f', 3),
                                                           modelSame ? tr("same") : tr("different"));
                if (v != store::Verdict::Skip)
                    text += (modelSame == (v == store::Verdict::Same))
                                ? tr(" <span style=\"color:%1\">✓</span>").arg(theme::same().name())
                                : tr(" <span style=\"color:%1\">✗ disagrees</span>").arg(theme::warning().name());
            } else {
                text += tr(" &nbsp;·&nbsp; %1: not scored yet").arg(m_versionName.toHtmlEscaped());
            }
        }
        m_lastAnswer->setText(text);
    }
    const qint64 openBefore = m_queue->unlabelled() + m_queue->skipped();
    m_queue->refresh(rec->id);
    if (openBefore > 0 && m_queue->unlabelled() + m_queue->skipped() == 0)
        m_queue->setCursor(m_queue->size());   // that was the last open pair: say so
    else
        m_queue->next();                       // (also while reviewing labelled pairs)
    showCurrent();
    emit progressChanged();
}

void AnnotateView::undo()
{
    if (!m_queue || !m_store)
        return;
    qint64 pairId = 0;
    try {
        pairId = store::FeedbackTable(*m_store).undoLast();
    } catch (const std::exception &e) {
        QMessageBox::critical(this, tr("Undo failed"), QString::fromUtf8(e.what()));
        return;
    }
    if (pairId == 0) {
        emit statusMessage(tr("Nothing to undo"), 3000);
        return;
    }
    m_lastAnswer->setText(tr("Every answer is saved at once."));
    m_queue->refresh(pairId);
    if (!m_queue->jumpTo(pairId)) {
        m_queue->reload();   // a pair added after the snapshot
        m_queue->jumpTo(pairId);
    }
    showCurrent();
    const auto rec = m_queue->current();
    const QString now = rec && rec->verdict ? verdictText(*rec->verdict).toLower() : tr("no verdict");
    emit statusMessage(tr("Undone. Pair %1 is back to %2.").arg(num(m_queue->cursor() + 1), now), 4000);
    emit progressChanged();
}

void AnnotateView::back()
{
    if (!m_queue)
        return;
    if (!m_queue->previous()) {
        emit statusMessage(tr("This is the first pair"), 2000);
        return;
    }
    showCurrent();
    emit progressChanged();
}

void AnnotateView::forward()
{
    if (!m_queue || m_queue->atEnd())
        return;
    m_queue->next();
    showCurrent();
    emit progressChanged();
}

void AnnotateView::setIdentitiesShown(bool shown)
{
    m_showIdentities = shown;
    if (m_actShowIds->isChecked() != shown)
        m_actShowIds->setChecked(shown);
    if (setting(QStringLiteral("annotate/showIdentities")).toBool() != shown)
        setSetting(QStringLiteral("annotate/showIdentities"), shown);
    m_actShowIds->setIcon(icon(shown ? QStringLiteral("eye") : QStringLiteral("eye-off")));
    m_idsButton->setText(shown ? tr("Names shown") : tr("Names hidden"));
    showCurrent();
}

void AnnotateView::setModelShownBeforeVerdict(bool shown)
{
    m_showModelEarly = shown;
    if (m_actShowModel->isChecked() != shown)
        m_actShowModel->setChecked(shown);
    if (setting(QStringLiteral("annotate/showModelBeforeVerdict")).toBool() != shown)
        setSetting(QStringLiteral("annotate/showModelBeforeVerdict"), shown);
    showCurrent();
}

QString AnnotateView::lastAnswerText() const
{
    QString t = m_lastAnswer->text();
    t.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
    return t.replace(QStringLiteral("&nbsp;"), QStringLiteral(" "));
}

void AnnotateView::readModel()
{
    m_versionId = 0;
    m_versionName.clear();
    m_threshold = 0.0;
    m_thresholdRule = {};
    m_hasScores = false;
    if (!m_store)
        return;
    try {
        if (const auto v = store::ModelTable(*m_store).current()) {
            m_versionId = v->id;
            m_versionName = v->name;
            m_thresholdRule = store::decisionThreshold(*m_store, *v);
            m_threshold = m_thresholdRule.value;
            m_hasScores = store::ScoreTable(*m_store).count(v->id) > 0;
        }
    } catch (const std::exception &e) {
        emit statusMessage(tr("Could not read the project's model: %1").arg(QString::fromUtf8(e.what())), 8000);
    }
}

void AnnotateView::updateModelStrip()
{
    if (!m_store)
        return;
    if (m_versionId > 0)
        m_modelStrip->setModel(m_versionName, m_thresholdRule, m_hasScores);
    else if (engine::available())
        m_modelStrip->showNoModel(engine::defaultModelPresent());
    else
        m_modelStrip->showNoEngine();
}

std::optional<double> AnnotateView::scoreOf(qint64 pairId) const
{
    if (!m_store || m_versionId <= 0 || !m_hasScores)
        return std::nullopt;
    try {
        return store::ScoreTable(*m_store).get(m_versionId, pairId);
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

void AnnotateView::onThresholdEdited(double t)
{
    if (!m_store || m_versionId <= 0)
        return;
    try {
        store::ModelTable(*m_store).setThreshold(m_versionId, t);
    } catch (const std::exception &e) {
        QMessageBox::critical(this, tr("Threshold not saved"),
                              tr("The threshold of %1 could not be written to the project:\n%2")
                                  .arg(m_versionName, QString::fromUtf8(e.what())));
        return;
    }
    m_threshold = t;
    const bool wasStored = m_thresholdRule.origin == store::DecisionThreshold::Origin::Version;
    m_thresholdRule.value = t;
    m_thresholdRule.origin = store::DecisionThreshold::Origin::Version;
    if (!wasStored) {
        m_modelStrip->setModel(m_versionName, m_thresholdRule, m_hasScores);
        showCurrent();
    }
    emit thresholdChanged(m_versionId, t);
    if (m_hasScores)
        m_reorderTimer->start();
}

void AnnotateView::refreshModel(bool scoresUpdated)
{
    readModel();
    updateModelStrip();
    if (!m_queue) {
        showCurrent();
        return;
    }
    // The queue is ordered by the current version only once it has scores.
    const qint64 orderVersion = m_hasScores ? m_versionId : 0;
    const bool newOrder = orderVersion != m_queue->modelVersion() || (scoresUpdated && orderVersion > 0);
    const bool newThreshold = orderVersion > 0 && m_threshold != m_queue->modelThreshold();
    if (newOrder || newThreshold) {
        m_reorderTimer->stop();
        m_queue->setModelOrder(orderVersion, m_threshold);
        // A new model or new scores: start again at the most uncertain open pair.
        reloadQueue(/*keepPosition=*/!newOrder);
        if (newOrder && orderVersion > 0)
            emit statusMessage(tr("Queue ordered by %1: the pairs it is least sure about come first.").arg(m_versionName),
                               6000);
    } else {
        showCurrent();
    }
}

void AnnotateView::flash(store::Verdict v)
{
    switch (v) {
    case store::Verdict::Same: m_btnSame->flash(); break;
    case store::Verdict::Different: m_btnDifferent->flash(); break;
    case store::Verdict::Skip: m_btnSkip->flash(); break;
    }
}

void AnnotateView::updateVerdictButtons(const std::optional<store::Verdict> &v)
{
    m_btnSame->setChecked(v == store::Verdict::Same);
    m_btnDifferent->setChecked(v == store::Verdict::Different);
    m_btnSkip->setChecked(v == store::Verdict::Skip);
    if (v) {
        const QColor c = verdictColor(*v);
        m_verdictNote->setText(tr("Your verdict: <b style=\"color:%1\">%2</b> &nbsp;·&nbsp; answer again to change it")
                                   .arg(c.name(), verdictText(*v)));
        m_faceA->setFrameColor(c);
        m_faceB->setFrameColor(c);
    } else {
        m_verdictNote->setText(tr("Same person or different people?"));
        m_faceA->setFrameColor({});
        m_faceB->setFrameColor({});
    }
}

void AnnotateView::showCurrent()
{
    const bool haveQueue = m_store && m_queue;
    m_header->setVisible(haveQueue && !m_queue->isEmpty());
    m_progress->setVisible(haveQueue && !m_queue->isEmpty());
    for (QAction *a : {m_actSame, m_actDifferent, m_actSkip, m_actForward})
        a->setEnabled(haveQueue && !m_queue->atEnd());
    m_actBack->setEnabled(haveQueue && m_queue->cursor() > 0);
    m_actUndo->setEnabled(haveQueue);

    if (!haveQueue) {
        m_pages->setCurrentWidget(m_noProjectPage);
        return;
    }
    if (m_queue->isEmpty()) {
        m_faceA->setImagePath({});
        m_faceB->setImagePath({});
        m_pages->setCurrentWidget(m_emptyPage);
        return;
    }
    updateHeader();
    if (m_queue->atEnd()) {
        m_faceA->setImagePath({});
        m_faceB->setImagePath({});
        const qint64 skipped = m_queue->skipped(), unl = m_queue->unlabelled();
        if (skipped == 0 && unl == 0) {
            m_doneTitle->setText(tr("All %1 pairs have a verdict").arg(num(m_queue->total())));
            m_doneReview->setText(tr("Review from the start"));
        } else {
            m_doneTitle->setText(tr("End of the queue"));
            m_doneReview->setText(unl > 0 ? tr("Next pass: %1 without a verdict").arg(num(unl))
                                          : tr("Review %1 skipped").arg(num(skipped)));
        }
        QString text = tr("<span style=\"color:%1\"><b>%2</b> same</span> &nbsp;·&nbsp; "
                          "<span style=\"color:%3\"><b>%4</b> different</span> &nbsp;·&nbsp; <b>%5</b> skipped")
                           .arg(theme::same().name(), num(m_queue->same()), theme::different().name(),
                                num(m_queue->different()), num(skipped));
        if (unl > 0)
            text += tr(" &nbsp;·&nbsp; <b>%1</b> without a verdict").arg(num(unl));
        text += tr("<br><br>Your verdicts are saved in the project. Fine-tuning the model on them arrives with "
                   "Training.");
        m_doneText->setText(text);
        m_pages->setCurrentWidget(m_donePage);
        return;
    }

    const auto rec = m_queue->current();
    m_pages->setCurrentWidget(m_pairPage);
    if (!rec) {
        m_faceA->setImagePath({});
        m_faceB->setImagePath({});
        m_verdictNote->setText(tr("This pair was removed from the project."));
        return;
    }
    m_faceA->setImagePath(rec->a.absPath);
    m_faceB->setImagePath(rec->b.absPath);
    auto name = [](const store::ImageRecord &r) {
        return r.identity.isEmpty() ? tr("(unknown identity)") : r.identity;
    };
    m_nameA->setVisible(m_showIdentities);
    m_nameB->setVisible(m_showIdentities);
    m_nameA->setText(m_showIdentities ? name(rec->a) : QString());
    m_nameB->setText(m_showIdentities ? name(rec->b) : QString());
    // File names often carry the identity (LFW: Name_0001.jpg): only show them with the names.
    m_faceA->setToolTip(m_showIdentities ? rec->a.relPath : QString());
    m_faceB->setToolTip(m_showIdentities ? rec->b.relPath : QString());
    updateVerdictButtons(rec->verdict);
    std::optional<bool> userSame;
    if (rec->verdict == store::Verdict::Same)
        userSame = true;
    else if (rec->verdict == store::Verdict::Different)
        userSame = false;
    m_modelStrip->setPair(scoreOf(rec->id), m_showModelEarly || rec->verdict.has_value(), userSame);
    prefetch();
}

void AnnotateView::updateHeader()
{
    if (!m_queue)
        return;
    const int n = m_queue->size();
    if (m_queue->atEnd())
        m_position->setText(tr("Done"));
    else
        m_position->setText(tr("Pair %1 of %2").arg(num(m_queue->cursor() + 1), num(n)));
    const qint64 total = m_queue->total();
    m_counts->setText(tr("<b>%1</b> labelled &nbsp;·&nbsp; <b>%2</b> skipped &nbsp;·&nbsp; <b>%3</b> to go")
                          .arg(num(m_queue->labelled()), num(m_queue->skipped()), num(m_queue->unlabelled())));
    m_progress->setRange(0, int(std::max<qint64>(1, total)));
    m_progress->setValue(int(m_queue->labelled() + m_queue->skipped()));
    m_progress->setToolTip(tr("%1 of %2 pairs have a verdict").arg(num(m_queue->labelled() + m_queue->skipped()),
                                                                     num(total)));
}

void AnnotateView::prefetch()
{
    if (!m_queue)
        return;
    const int n = std::clamp(setting(QStringLiteral("annotate/prefetchPairs")).toInt(), 0, 10);
    QStringList paths;
    for (const store::PairRecord &r : m_queue->upcoming(n))
        paths << r.a.absPath << r.b.absPath;
    // The previous pair too, so Back is instant.
    if (m_queue->cursor() > 0)
        if (auto prev = m_queue->at(m_queue->cursor() - 1))
            paths << prev->a.absPath << prev->b.absPath;
    m_cache->prefetch(paths, m_faceA->decodeSize());
}

void AnnotateView::mousePressEvent(QMouseEvent *e)
{
    setFocus(Qt::MouseFocusReason);
    QWidget::mousePressEvent(e);
}

void AnnotateView::showEvent(QShowEvent *e)
{
    QWidget::showEvent(e);
    setFocus(Qt::OtherFocusReason);
}

} // namespace facelab::ui

#include "ui/start/StartPage.h"

#include "store/ProjectStore.h"
#include "ui/RecentProjects.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/widgets/ActionCard.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QProgressBar>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace facelab::ui {

namespace {
constexpr int kPathRole = Qt::UserRole + 1;
constexpr int kMissingRole = Qt::UserRole + 2;

// Two lines per project: its name, and its folder in muted text.
class RecentDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QSize sizeHint(const QStyleOptionViewItem &opt, const QModelIndex &) const override
    {
        return {opt.rect.width(), opt.fontMetrics.height() * 2 + 22};
    }
    void paint(QPainter *p, const QStyleOptionViewItem &opt, const QModelIndex &idx) const override
    {
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        const QRectF r = QRectF(opt.rect).adjusted(2, 2, -2, -2);
        if (opt.state & (QStyle::State_Selected | QStyle::State_MouseOver)) {
            QColor bg = (opt.state & QStyle::State_Selected) ? theme::accent() : theme::card();
            if (opt.state & QStyle::State_Selected)
                bg.setAlphaF(0.25);
            p->setPen(Qt::NoPen);
            p->setBrush(bg);
            p->drawRoundedRect(r, 8, 8);
        }
        const bool missing = idx.data(kMissingRole).toBool();
        const QIcon ic = icon(missing ? QStringLiteral("warning") : QStringLiteral("open"));
        ic.paint(p, QRect(int(r.left() + 12), int(r.center().y() - 11), 22, 22));
        QFont f = opt.font;
        f.setBold(true);
        p->setFont(f);
        p->setPen(missing ? theme::mutedText() : theme::text());
        const qreal x = r.left() + 46;
        const qreal lh = opt.fontMetrics.height();
        const QRectF nameRect(x, r.top() + 8, r.width() - 56, lh);
        p->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, idx.data(Qt::DisplayRole).toString());
        p->setFont(opt.font);
        p->setPen(theme::mutedText());
        QString path = QDir::toNativeSeparators(idx.data(kPathRole).toString());
        if (missing)
            path = StartPage::tr("%1 (not found)").arg(path);
        const QRectF pathRect(x, nameRect.bottom() + 2, r.width() - 56, lh);
        p->drawText(pathRect, Qt::AlignLeft | Qt::AlignVCenter,
                    opt.fontMetrics.elidedText(path, Qt::ElideMiddle, int(pathRect.width())));
        p->restore();
    }
};
} // namespace

StartPage::StartPage(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("startPage"));
    auto *outer = new QHBoxLayout(this);
    outer->addStretch(1);
    auto *col = new QWidget(this);
    col->setMaximumWidth(780);
    col->setMinimumWidth(560);
    outer->addWidget(col, 6);
    outer->addStretch(1);

    auto *v = new QVBoxLayout(col);
    v->setContentsMargins(0, 48, 0, 32);
    v->setSpacing(14);

    auto *brand = new QHBoxLayout;
    brand->setSpacing(16);
    auto *logo = new QLabel(col);
    logo->setPixmap(icon(QStringLiteral("facelab")).pixmap(64, 64));
    auto *titles = new QVBoxLayout;
    titles->setSpacing(2);
    auto *title = new QLabel(tr("FaceLab"), col);
    title->setProperty("role", QStringLiteral("brand"));
    auto *tag = new QLabel(tr("Label face pairs, audit recognition models, see where they are still wrong."), col);
    tag->setProperty("role", QStringLiteral("muted"));
    titles->addWidget(title);
    titles->addWidget(tag);
    brand->addWidget(logo);
    brand->addLayout(titles, 1);
    v->addLayout(brand);
    v->addSpacing(18);

    auto *cards = new QHBoxLayout;
    cards->setSpacing(14);
    auto *newCard = new ActionCard(icon(QStringLiteral("new")), tr("New project…"),
                                   tr("Start from a folder of identities or a pairs list."), col);
    newCard->setObjectName(QStringLiteral("newProjectCard"));
    auto *openCard = new ActionCard(icon(QStringLiteral("open")), tr("Open project…"),
                                    tr("Continue labelling: a folder with project.sqlite."), col);
    openCard->setObjectName(QStringLiteral("openProjectCard"));
    m_demo = new ActionCard(icon(QStringLiteral("demo")), tr("Open demo project"),
                            tr("Real faces from sample photos, ready to label."), col);
    m_demo->setObjectName(QStringLiteral("demoProjectCard"));
    connect(newCard, &QAbstractButton::clicked, this, &StartPage::newProjectRequested);
    connect(openCard, &QAbstractButton::clicked, this, &StartPage::openProjectRequested);
    connect(m_demo, &QAbstractButton::clicked, this, &StartPage::openDemoRequested);
    cards->addWidget(newCard);
    cards->addWidget(openCard);
    cards->addWidget(m_demo);
    v->addLayout(cards);

    auto *demoRow = new QHBoxLayout;
    m_demoText = new QLabel(col);
    m_demoText->setProperty("role", QStringLiteral("muted"));
    m_demoBar = new QProgressBar(col);
    m_demoBar->setFixedWidth(220);
    m_demoBar->setFixedHeight(8);
    m_demoBar->setTextVisible(false);
    demoRow->addStretch(1);
    demoRow->addWidget(m_demoText);
    demoRow->addWidget(m_demoBar);
    v->addLayout(demoRow);
    setDemoProgress(false);
    v->addSpacing(12);

    auto *recentTitle = new QLabel(tr("Recent projects"), col);
    recentTitle->setProperty("role", QStringLiteral("section"));
    v->addWidget(recentTitle);
    m_recent = new QListWidget(col);
    m_recent->setObjectName(QStringLiteral("recentList"));
    m_recent->setItemDelegate(new RecentDelegate(m_recent));
    m_recent->setMouseTracking(true);
    m_recent->setFrameShape(QFrame::NoFrame);
    m_recent->setProperty("role", QStringLiteral("recent"));
    m_recent->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem *it) {
        emit openRecentRequested(it->data(kPathRole).toString());
    });
    m_noRecent = new QLabel(tr("No recent projects yet. Create one, or open the demo project to look around."), col);
    m_noRecent->setProperty("role", QStringLiteral("muted"));
    v->addWidget(m_recent, 1);
    v->addWidget(m_noRecent);
    v->addStretch(0);
    refreshRecent();
}

void StartPage::refreshRecent()
{
    m_recent->clear();
    for (const QString &folder : RecentProjects::list()) {
        auto *it = new QListWidgetItem(QFileInfo(folder).fileName(), m_recent);
        it->setData(kPathRole, folder);
        const bool missing = !store::ProjectStore::exists(folder);
        it->setData(kMissingRole, missing);
        it->setToolTip(missing ? tr("%1 is not there any more").arg(folder) : folder);
    }
    m_recent->setVisible(m_recent->count() > 0);
    m_noRecent->setVisible(m_recent->count() == 0);
}

void StartPage::setDemoProgress(bool busy, int percent, const QString &text)
{
    m_demo->setEnabled(!busy);
    m_demoBar->setVisible(busy);
    m_demoText->setVisible(busy);
    if (percent < 0)
        m_demoBar->setRange(0, 0);
    else {
        m_demoBar->setRange(0, 100);
        m_demoBar->setValue(percent);
    }
    m_demoText->setText(text);
}

} // namespace facelab::ui

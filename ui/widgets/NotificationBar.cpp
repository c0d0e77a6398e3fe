#include "ui/widgets/NotificationBar.h"

#include "ui/Resources.h"
#include "ui/Theme.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QTimer>
#include <QToolButton>

namespace facelab::ui {

NotificationBar::NotificationBar(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("notificationBar"));
    auto *h = new QHBoxLayout(this);
    h->setContentsMargins(14, 8, 8, 8);
    h->setSpacing(10);
    m_icon = new QLabel(this);
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_action = new QPushButton(this);
    m_action->setCursor(Qt::PointingHandCursor);
    m_close = new QToolButton(this);
    m_close->setIcon(icon(QStringLiteral("close")));
    m_close->setAutoRaise(true);
    m_close->setToolTip(tr("Dismiss"));
    h->addWidget(m_icon);
    h->addWidget(m_text, 1);
    h->addWidget(m_action);
    h->addWidget(m_close);
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &QWidget::hide);
    connect(m_close, &QToolButton::clicked, this, &QWidget::hide);
    connect(m_action, &QPushButton::clicked, this, [this] {
        if (m_callback)
            m_callback();
        hide();
    });
    hide();
}

void NotificationBar::showMessage(Kind kind, const QString &text, const QString &actionText,
                                  std::function<void()> action, int autoHideMs)
{
    m_kind = kind;
    m_text->setText(text);
    m_callback = std::move(action);
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty() && m_callback);
    const char *ic = kind == Kind::Success ? "done" : kind == Kind::Info ? "info" : "warning";
    m_icon->setPixmap(icon(QString::fromLatin1(ic)).pixmap(20, 20));
    if (autoHideMs > 0)
        m_timer->start(autoHideMs);
    else
        m_timer->stop();
    show();
    update();
}

QString NotificationBar::text() const
{
    return isVisible() ? m_text->text() : QString();
}

void NotificationBar::paintEvent(QPaintEvent *)
{
    QColor c = m_kind == Kind::Success ? theme::same()
               : m_kind == Kind::Error ? theme::different()
               : m_kind == Kind::Warning ? theme::warning()
                                         : theme::accent();
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    QPainterPath path;
    path.addRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8);
    QColor fill = c;
    fill.setAlphaF(0.14);
    p.fillPath(path, theme::surface());
    p.fillPath(path, fill);
    QColor edge = c;
    edge.setAlphaF(0.6);
    p.setPen(QPen(edge, 1));
    p.drawPath(path);
}

} // namespace facelab::ui

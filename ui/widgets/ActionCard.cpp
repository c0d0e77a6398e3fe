#include "ui/widgets/ActionCard.h"

#include "ui/Theme.h"

#include <QPainter>
#include <QPainterPath>

namespace facelab::ui {

ActionCard::ActionCard(const QIcon &icon, const QString &title, const QString &description, QWidget *parent)
    : QAbstractButton(parent), m_description(description)
{
    setIcon(icon);
    setText(title);
    setCursor(Qt::PointingHandCursor);
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(description);
}

void ActionCard::enterEvent(QEnterEvent *e)
{
    m_hover = true;
    update();
    QAbstractButton::enterEvent(e);
}

void ActionCard::leaveEvent(QEvent *e)
{
    m_hover = false;
    update();
    QAbstractButton::leaveEvent(e);
}

void ActionCard::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF r = QRectF(rect()).adjusted(1, 1, -1, -1);
    QPainterPath path;
    path.addRoundedRect(r, 12, 12);
    QColor bg = theme::card();
    if (isDown())
        bg = bg.darker(110);
    else if (m_hover)
        bg = bg.lighter(118);
    p.fillPath(path, bg);
    p.setPen(QPen(hasFocus() || m_hover ? theme::accent() : theme::border(), hasFocus() ? 1.6 : 1));
    p.drawPath(path);

    // Icon in a tinted circle.
    const QRectF circle(r.left() + 18, r.top() + 18, 40, 40);
    QColor tint = theme::accent();
    tint.setAlphaF(0.18);
    p.setPen(Qt::NoPen);
    p.setBrush(tint);
    p.drawEllipse(circle);
    QPixmap pm = icon().pixmap(22, 22);
    {
        QPainter ip(&pm);
        ip.setCompositionMode(QPainter::CompositionMode_SourceIn);
        ip.fillRect(pm.rect(), theme::accent().lighter(125));
    }
    p.drawPixmap(QRectF(circle.center() - QPointF(11, 11), QSizeF(22, 22)).toRect(), pm);

    QFont tf = font();
    tf.setBold(true);
    tf.setPointSizeF(tf.pointSizeF() * 1.1);
    p.setFont(tf);
    p.setPen(theme::text());
    const QRectF title(r.left() + 18, circle.bottom() + 10, r.width() - 36, QFontMetricsF(tf).height());
    p.drawText(title, Qt::AlignLeft | Qt::AlignVCenter, text());
    p.setFont(font());
    p.setPen(theme::mutedText());
    const QRectF desc(title.left(), title.bottom() + 2, title.width(), r.bottom() - title.bottom() - 8);
    p.drawText(desc, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, m_description);
}

} // namespace facelab::ui

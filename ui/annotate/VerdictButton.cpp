#include "ui/annotate/VerdictButton.h"

#include "ui/Theme.h"

#include <QPainter>
#include <QPainterPath>
#include <QTimer>

namespace facelab::ui {

VerdictButton::VerdictButton(const QString &title, const QStringList &keys, const QColor &tint, const QIcon &icon,
                             QWidget *parent)
    : QAbstractButton(parent), m_keys(keys), m_tint(tint)
{
    setText(title);
    setIcon(icon);
    setCheckable(true);
    setFocusPolicy(Qt::NoFocus);   // Space must reach the view's Skip shortcut, not "click focused button"
    setCursor(Qt::PointingHandCursor);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(tr("%1 (%2)").arg(title, keys.join(tr(" or "))));
}

void VerdictButton::flash()
{
    m_flash = true;
    update();
    QTimer::singleShot(180, this, [this] {
        m_flash = false;
        update();
    });
}

QSize VerdictButton::sizeHint() const
{
    return {240, 60};
}

QSize VerdictButton::minimumSizeHint() const
{
    return {170, 60};
}

void VerdictButton::enterEvent(QEnterEvent *e)
{
    m_hover = true;
    update();
    QAbstractButton::enterEvent(e);
}

void VerdictButton::leaveEvent(QEvent *e)
{
    m_hover = false;
    update();
    QAbstractButton::leaveEvent(e);
}

void VerdictButton::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF r = QRectF(rect()).adjusted(1, 1, -1, -1);
    const bool filled = isChecked() || isDown() || m_flash;

    QColor bg = theme::card();
    if (!isEnabled())
        bg = theme::surface();
    else if (filled)
        bg = m_tint;
    else if (m_hover) {
        bg = m_tint;
        bg.setAlphaF(0.22);
    }
    QColor edge = m_tint;
    edge.setAlphaF(isEnabled() ? (filled ? 1.0 : 0.55) : 0.2);

    QPainterPath path;
    path.addRoundedRect(r, 12, 12);
    p.fillPath(path, theme::card());
    p.fillPath(path, bg);
    p.setPen(QPen(edge, 1.5));
    p.drawPath(path);

    const QColor fg = !isEnabled() ? palette().color(QPalette::Disabled, QPalette::ButtonText)
                      : filled     ? QColor(Qt::white)
                                   : theme::text();

    // Key caps on the right.
    QFont capFont = font();
    capFont.setPointSizeF(capFont.pointSizeF() * 0.85);
    capFont.setBold(true);
    const QFontMetricsF cfm(capFont);
    qreal x = r.right() - 14;
    const qreal capH = cfm.height() + 8;
    for (int i = m_keys.size() - 1; i >= 0; --i) {
        const qreal w = std::max(capH, cfm.horizontalAdvance(m_keys[i]) + 14);
        const QRectF cap(x - w, r.center().y() - capH / 2, w, capH);
        QColor capBg = filled ? QColor(255, 255, 255, 50) : QColor(255, 255, 255, 18);
        QColor capEdge = filled ? QColor(255, 255, 255, 120) : theme::border().lighter(130);
        p.setPen(QPen(capEdge, 1));
        p.setBrush(capBg);
        p.drawRoundedRect(cap, 5, 5);
        p.setFont(capFont);
        p.setPen(fg);
        p.drawText(cap, Qt::AlignCenter, m_keys[i]);
        x = cap.left() - 6;
    }

    // Icon and title on the left.
    const int is = 22;
    qreal left = r.left() + 18;
    if (!icon().isNull()) {
        const QRect ir(int(left), int(r.center().y() - is / 2.0), is, is);
        QPixmap pm = icon().pixmap(is, is, isEnabled() ? QIcon::Normal : QIcon::Disabled);
        if (filled || isEnabled()) {
            // Tint the line icon with the text colour (icons are drawn in one light grey).
            QPainter ip(&pm);
            ip.setCompositionMode(QPainter::CompositionMode_SourceIn);
            ip.fillRect(pm.rect(), filled ? QColor(Qt::white) : m_tint.lighter(125));
        }
        p.drawPixmap(ir, pm);
        left += is + 12;
    }
    QFont tf = font();
    tf.setPointSizeF(tf.pointSizeF() * 1.2);
    tf.setBold(true);
    p.setFont(tf);
    p.setPen(fg);
    p.drawText(QRectF(left, r.top(), x - left, r.height()), Qt::AlignVCenter | Qt::AlignLeft, text());
}

} // namespace facelab::ui

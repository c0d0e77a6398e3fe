#include "ui/faces/FacePicker.h"

#include "data/ImageCache.h"
#include "ui/Resources.h"
#include "ui/Theme.h"

#include <QFileInfo>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

namespace facelab::ui {

namespace {
constexpr qreal kPad = 12.0;
}

FacePicker::FacePicker(data::ImageCache *cache, QWidget *parent) : QWidget(parent), m_cache(cache)
{
    setObjectName(QStringLiteral("facePicker"));
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    if (m_cache)
        connect(m_cache, &data::ImageCache::decoded, this, [this](const QString &path, const QSize &) {
            if (path == m_path)
                update();
        });
}

void FacePicker::setImage(const QString &path, const QVector<store::FaceRecord> &faces, qint64 chosenFaceId)
{
    m_path = path;
    m_faces = faces;
    m_chosen = chosenFaceId;
    m_hover = 0;
    if (m_cache && !m_path.isEmpty())
        m_cache->request(m_path, decodeSize());
    update();
}

void FacePicker::setBusy(bool busy)
{
    m_busy = busy;
    setCursor(Qt::ArrowCursor);
    update();
}

QSize FacePicker::decodeSize() const
{
    const QSizeF s = QRectF(rect()).adjusted(kPad, kPad, -kPad, -kPad).size() * devicePixelRatioF();
    return QSize(std::max(64, int(s.width())), std::max(64, int(s.height())));
}

bool FacePicker::isShown() const
{
    if (!m_cache || m_path.isEmpty())
        return false;
    auto d = m_cache->find(m_path, decodeSize());
    if (!d)
        d = m_cache->findAnySize(m_path);
    return d && d->ok();
}

QString FacePicker::errorText() const
{
    if (!m_cache || m_path.isEmpty())
        return {};
    auto d = m_cache->find(m_path, decodeSize());
    if (!d)
        d = m_cache->findAnySize(m_path);
    return d && !d->ok() ? d->error : QString();
}

QRectF FacePicker::photoRect() const
{
    if (!m_cache || m_path.isEmpty())
        return {};
    auto d = m_cache->find(m_path, decodeSize());
    if (!d)
        d = m_cache->findAnySize(m_path);
    if (!d || !d->ok())
        return {};
    const QRectF area = QRectF(rect()).adjusted(kPad, kPad, -kPad, -kPad);
    const QSizeF img = QSizeF(d->image.size()) / d->image.devicePixelRatio();
    const QSizeF fit = img.scaled(area.size(), Qt::KeepAspectRatio);
    return QRectF(area.center() - QPointF(fit.width() / 2, fit.height() / 2), fit);
}

QRectF FacePicker::boxRect(qint64 faceId) const
{
    const QRectF photo = photoRect();
    if (photo.isEmpty())
        return {};
    auto d = m_cache->find(m_path, decodeSize());
    if (!d)
        d = m_cache->findAnySize(m_path);
    const QSizeF src = d && d->sourceSize.isValid() ? QSizeF(d->sourceSize) : QSizeF(d->image.size());
    const qreal sx = photo.width() / src.width(), sy = photo.height() / src.height();
    for (const store::FaceRecord &f : m_faces)
        if (f.id == faceId)
            return QRectF(photo.left() + f.box.x() * sx, photo.top() + f.box.y() * sy, f.box.width() * sx,
                          f.box.height() * sy);
    return {};
}

qint64 FacePicker::faceAt(const QPointF &pos) const
{
    // The smallest box under the point wins (boxes may nest).
    qint64 best = 0;
    qreal bestArea = 0;
    for (const store::FaceRecord &f : m_faces) {
        const QRectF r = boxRect(f.id);
        if (r.contains(pos) && (best == 0 || r.width() * r.height() < bestArea)) {
            best = f.id;
            bestArea = r.width() * r.height();
        }
    }
    return best;
}

void FacePicker::mouseMoveEvent(QMouseEvent *e)
{
    const qint64 id = m_busy ? 0 : faceAt(e->position());
    if (id != m_hover) {
        m_hover = id;
        setCursor(id && id != m_chosen ? Qt::PointingHandCursor : Qt::ArrowCursor);
        update();
    }
}

void FacePicker::mousePressEvent(QMouseEvent *e)
{
    if (m_busy || e->button() != Qt::LeftButton)
        return;
    const qint64 id = faceAt(e->position());
    if (id && id != m_chosen)
        emit faceClicked(id);
}

void FacePicker::leaveEvent(QEvent *)
{
    m_hover = 0;
    update();
}

void FacePicker::resizeEvent(QResizeEvent *)
{
    if (m_cache && !m_path.isEmpty())
        m_cache->request(m_path, decodeSize());
}

void FacePicker::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    QPainterPath card;
    card.addRoundedRect(QRectF(rect()).adjusted(1, 1, -1, -1), 12, 12);
    p.fillPath(card, QColor(0x14, 0x16, 0x19));
    if (m_path.isEmpty() || !m_cache)
        return;

    auto d = m_cache->find(m_path, decodeSize());
    if (!d)
        d = m_cache->findAnySize(m_path);
    if (!d) {
        m_cache->request(m_path, decodeSize());
        p.setPen(theme::mutedText());
        p.drawText(rect(), Qt::AlignCenter, tr("Loading…"));
        return;
    }
    if (!d->ok()) {
        const QRectF box = QRectF(rect()).adjusted(30, 40, -30, -40);
        icon(QStringLiteral("broken-image")).paint(&p, QRect(int(box.center().x()) - 24, int(box.top()), 48, 48));
        p.setPen(theme::warning());
        QFont f = font();
        f.setBold(true);
        p.setFont(f);
        p.drawText(box.adjusted(0, 60, 0, 0), Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
                   tr("Cannot show %1").arg(QFileInfo(m_path).fileName()) + QStringLiteral("\n\n") + d->error);
        return;
    }
    const QRectF photo = photoRect();
    p.drawImage(photo, d->image);

    // Dim the photo outside the chosen face a little, so the choice reads at a glance.
    const QRectF chosen = boxRect(m_chosen);
    if (!chosen.isEmpty() && m_faces.size() > 1) {
        QPainterPath dim;
        dim.addRect(photo);
        QPainterPath hole;
        hole.addRect(chosen);
        p.fillPath(dim.subtracted(hole), QColor(0, 0, 0, 70));
    }

    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    small.setBold(true);
    p.setFont(small);
    const QFontMetricsF fm(small);
    for (int i = 0; i < m_faces.size(); ++i) {
        const store::FaceRecord &f = m_faces[i];
        const QRectF r = boxRect(f.id);
        const bool isChosen = f.id == m_chosen, isHover = f.id == m_hover && !m_busy;
        QColor c = isChosen ? theme::same() : isHover ? theme::accent() : QColor(255, 255, 255, 200);
        QPen pen(c, isChosen ? 3.0 : isHover ? 2.5 : 1.6);
        if (!isChosen && !isHover)
            pen.setStyle(Qt::DashLine);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(r, 3, 3);
        // Tag: number, confidence, and "chosen".
        QString tag = QStringLiteral("%1 · %2%").arg(i + 1).arg(qRound(f.score * 100));
        if (isChosen)
            tag += tr(" · chosen");
        else if (isHover)
            tag += tr(" · click to choose");
        const QSizeF ts(fm.horizontalAdvance(tag) + 10, fm.height() + 4);
        QRectF tr_(QPointF(r.left(), r.top() - ts.height() - 2), ts);
        if (tr_.top() < photo.top())
            tr_.moveTop(r.bottom() + 2);
        QPainterPath tagPath;
        tagPath.addRoundedRect(tr_, 4, 4);
        QColor fill = isChosen || isHover ? c : QColor(0x14, 0x16, 0x19, 210);
        p.fillPath(tagPath, fill);
        p.setPen(isChosen || isHover ? QColor(Qt::white) : theme::text());
        p.drawText(tr_, Qt::AlignCenter, tag);
    }
    if (m_busy) {
        p.fillPath(card, QColor(0, 0, 0, 90));
        p.setPen(Qt::white);
        p.drawText(rect(), Qt::AlignCenter, tr("Aligning the chosen face…"));
    }
}

} // namespace facelab::ui

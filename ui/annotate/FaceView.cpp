#include "ui/annotate/FaceView.h"

#include "data/ImageCache.h"
#include "ui/Resources.h"
#include "ui/Theme.h"

#include <QDir>
#include <QFileInfo>
#include <QPainter>
#include <QPainterPath>
#include <QTimer>

namespace facelab::ui {

namespace {
constexpr qreal kRadius = 14.0;
constexpr qreal kPad = 10.0;
} // namespace

FaceView::FaceView(data::ImageCache *cache, QWidget *parent) : QWidget(parent), m_cache(cache)
{
    setAttribute(Qt::WA_OpaquePaintEvent, false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    if (m_cache)
        connect(m_cache, &data::ImageCache::decoded, this, &FaceView::onDecoded);
    // While a window is being resized, paint the image we have (scaled) and decode the new size
    // only once the size settles.
    m_resizeSettle = new QTimer(this);
    m_resizeSettle->setSingleShot(true);
    m_resizeSettle->setInterval(80);
    connect(m_resizeSettle, &QTimer::timeout, this, [this] {
        if (m_cache && !m_path.isEmpty())
            m_cache->request(m_path, decodeSize());
        emit decodeSizeChanged();
    });
}

void FaceView::setImagePath(const QString &path)
{
    m_path = path;
    if (m_cache && !m_path.isEmpty())
        m_cache->request(m_path, decodeSize());
    update();
}

QRectF FaceView::imageArea() const
{
    return QRectF(rect()).adjusted(kPad, kPad, -kPad, -kPad);
}

QSize FaceView::decodeSize() const
{
    const QSizeF s = imageArea().size() * devicePixelRatioF();
    return QSize(std::max(64, int(s.width())), std::max(64, int(s.height())));
}

FaceView::State FaceView::state() const
{
    if (m_path.isEmpty() || !m_cache)
        return State::Empty;
    auto d = m_cache->find(m_path, decodeSize());
    if (!d)
        d = m_cache->findAnySize(m_path);
    if (!d)
        return State::Loading;
    return d->ok() ? State::Shown : State::Failed;
}

QString FaceView::errorText() const
{
    if (m_path.isEmpty() || !m_cache)
        return {};
    auto d = m_cache->find(m_path, decodeSize());
    if (!d)
        d = m_cache->findAnySize(m_path);
    return d && !d->ok() ? d->error : QString();
}

void FaceView::setFrameColor(const QColor &c)
{
    if (c == m_frame)
        return;
    m_frame = c;
    update();
}

void FaceView::resizeEvent(QResizeEvent *)
{
    m_resizeSettle->start();
}

void FaceView::onDecoded(const QString &path, const QSize &)
{
    if (path == m_path)
        update();
}

void FaceView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::SmoothPixmapTransform);

    const QRectF cardRect = QRectF(rect()).adjusted(1, 1, -1, -1);
    QPainterPath card;
    card.addRoundedRect(cardRect, kRadius, kRadius);
    p.fillPath(card, QColor(0x14, 0x16, 0x19));

    const QRectF area = imageArea();
    std::optional<data::DecodedImage> d;
    if (m_cache && !m_path.isEmpty()) {
        d = m_cache->find(m_path, decodeSize());
        if (!d)
            d = m_cache->findAnySize(m_path);   // another size, scaled, until the exact one arrives
        if (!d && !m_resizeSettle->isActive())
            m_cache->request(m_path, decodeSize());   // nothing at all (evicted): ask again
    }

    if (d && d->ok()) {
        // Aspect kept: fit the image inside the area (small crops are scaled up smoothly).
        const QSizeF img = QSizeF(d->image.size()) / d->image.devicePixelRatio();
        QSizeF target = img.scaled(area.size(), Qt::KeepAspectRatio);
        const QRectF r(area.center() - QPointF(target.width() / 2, target.height() / 2), target);
        QPainterPath clip;
        clip.addRoundedRect(r, kRadius - 4, kRadius - 4);
        p.save();
        p.setClipPath(clip);
        p.drawImage(r, d->image);
        p.restore();
    } else if (d && !d->ok()) {
        // Placeholder: what failed, which file, why.
        p.setPen(Qt::NoPen);
        const QRectF box = area.adjusted(area.width() * 0.08, area.height() * 0.2, -area.width() * 0.08,
                                         -area.height() * 0.2);
        const QIcon ic = icon(QStringLiteral("broken-image"));
        const int is = 48;
        ic.paint(&p, QRect(int(box.center().x() - is / 2), int(box.top()), is, is));
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 1.15);
        f.setBold(true);
        p.setFont(f);
        p.setPen(theme::warning());
        QRectF t = box.adjusted(0, is + 12, 0, 0);
        p.drawText(t, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
                   tr("Cannot show %1").arg(QFileInfo(m_path).fileName()));
        QFont small = font();
        p.setFont(small);
        p.setPen(theme::text());
        const QFontMetricsF fm(f);
        t.adjust(0, fm.height() * 2.2, 0, 0);
        p.drawText(t, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, d->error);
        p.setPen(theme::mutedText());
        t.adjust(0, QFontMetricsF(small).height() * 2.2, 0, 0);
        p.drawText(t, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWrapAnywhere, QDir::toNativeSeparators(m_path));
    } else if (!m_path.isEmpty()) {
        p.setPen(theme::mutedText());
        p.drawText(area, Qt::AlignCenter, tr("Loading…"));
    }

    if (m_frame.isValid()) {
        QPen pen(m_frame, 3);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(cardRect.adjusted(1.5, 1.5, -1.5, -1.5), kRadius, kRadius);
    }
}

} // namespace facelab::ui

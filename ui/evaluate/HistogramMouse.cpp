#include "ui/evaluate/HistogramMouse.h"

#include <QApplication>
#include <QMouseEvent>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

namespace facelab::ui {

namespace {
constexpr double kBarTopPixels = 3;   // a click this far above a bar's top still hits it
}

HistogramMouse::HistogramMouse(QCustomPlot *plot, QObject *parent) : QObject(parent), m_plot(plot)
{
    m_plot->setMouseTracking(true);   // the cursor follows what a click would do
    connect(m_plot, &QCustomPlot::mousePress, this, &HistogramMouse::press);
    connect(m_plot, &QCustomPlot::mouseMove, this, &HistogramMouse::move);
    connect(m_plot, &QCustomPlot::mouseRelease, this, &HistogramMouse::release);
}

bool HistogramMouse::nearThreshold(QPointF pixel) const
{
    return m_histogram && std::abs(pixel.x() - m_plot->xAxis->coordToPixel(m_threshold)) <= kLineGrabPixels;
}

std::optional<HistogramMouse::Bar> HistogramMouse::barAt(QPointF pixel) const
{
    if (!m_histogram || !m_plot->axisRect()->rect().contains(pixel.toPoint()))
        return std::nullopt;
    const double x = m_plot->xAxis->pixelToCoord(pixel.x());
    if (x < m_histogram->lo || x >= m_histogram->hi())
        return std::nullopt;
    const int bin = m_histogram->binOf(x);
    const double y = m_plot->yAxis->pixelToCoord(pixel.y());
    const double slack = std::abs(m_plot->yAxis->pixelToCoord(pixel.y() - kBarTopPixels) - y);
    std::optional<Bar> hit;
    double hitTop = 0;
    for (const bool same : {true, false}) {
        const double top = (same ? m_histogram->sameShare : m_histogram->differentShare)[bin];
        const qint64 count = (same ? m_histogram->sameCount : m_histogram->differentCount)[bin];
        if (count > 0 && y <= top + slack && (!hit || top < hitTop)) {
            hit = Bar{same, bin};
            hitTop = top;
        }
    }
    return hit;
}

void HistogramMouse::press(QMouseEvent *e)
{
    if (!m_histogram || e->button() != Qt::LeftButton)
        return;
    m_pressAt = e->position();
    m_press = nearThreshold(m_pressAt) ? Press::Drag : Press::MaybeClick;
}

void HistogramMouse::move(QMouseEvent *e)
{
    if (!(e->buttons() & Qt::LeftButton) || m_press == Press::None) {
        m_press = Press::None;
        updateCursor(e->position());
        return;
    }
    if (m_press == Press::MaybeClick &&
        (e->position() - m_pressAt).manhattanLength() >= QApplication::startDragDistance())
        m_press = Press::Drag;
    if (m_press == Press::Drag)
        moveThresholdTo(e->position());
}

void HistogramMouse::release(QMouseEvent *e)
{
    const Press was = m_press;
    m_press = Press::None;
    if (was != Press::MaybeClick || e->button() != Qt::LeftButton)
        return;
    if (const auto bar = barAt(e->position()))
        emit barClicked(bar->same, bar->bin);
    else
        moveThresholdTo(e->position());
}

void HistogramMouse::moveThresholdTo(QPointF pixel)
{
    if (!m_histogram)
        return;
    const double x = m_plot->xAxis->pixelToCoord(pixel.x());
    emit thresholdMoved(std::clamp(x, m_histogram->lo, m_histogram->hi()));
}

void HistogramMouse::updateCursor(QPointF pixel)
{
    if (nearThreshold(pixel))
        m_plot->setCursor(Qt::SizeHorCursor);
    else if (barAt(pixel))
        m_plot->setCursor(Qt::PointingHandCursor);
    else
        m_plot->setCursor(Qt::CrossCursor);
}

} // namespace facelab::ui

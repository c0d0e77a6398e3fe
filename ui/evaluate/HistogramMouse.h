#pragma once
// The mouse on the Evaluate view's similarity histogram. A drag (starting anywhere) or a press on
// the threshold line moves the threshold; a plain click on a bar asks for that bar's pairs; a plain
// click beside the bars moves the threshold there. The cursor says which will happen.
#include "ui/evaluate/ScoreHistogram.h"

#include <QObject>
#include <QPointF>
#include <optional>

class QCustomPlot;
class QMouseEvent;

namespace facelab::ui {

class HistogramMouse : public QObject
{
    Q_OBJECT
public:
    static constexpr double kLineGrabPixels = 6;   // a press this close to the line grabs it

    HistogramMouse(QCustomPlot *plot, QObject *parent = nullptr);

    // What the plot shows (nullptr: nothing plotted, the mouse does nothing). Not owned.
    void setHistogram(const ScoreHistogram *histogram) { m_histogram = histogram; }
    void setThreshold(double t) { m_threshold = t; }

    struct Bar
    {
        bool same = false;
        int bin = 0;
    };
    // The bar drawn under a widget pixel. Where the two classes' bars overlap, the lower bar wins:
    // its top is the one nearest above the pointer.
    std::optional<Bar> barAt(QPointF pixel) const;
    bool nearThreshold(QPointF pixel) const;

signals:
    void thresholdMoved(double threshold);
    void barClicked(bool same, int bin);

private:
    enum class Press { None, MaybeClick, Drag };
    void press(QMouseEvent *e);
    void move(QMouseEvent *e);
    void release(QMouseEvent *e);
    void moveThresholdTo(QPointF pixel);
    void updateCursor(QPointF pixel);

    QCustomPlot *m_plot;
    const ScoreHistogram *m_histogram = nullptr;
    double m_threshold = 0;
    Press m_press = Press::None;
    QPointF m_pressAt;
};

} // namespace facelab::ui

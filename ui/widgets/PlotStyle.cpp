#include "ui/widgets/PlotStyle.h"

#include "ui/Theme.h"

#include <qcustomplot.h>

namespace facelab::ui {

namespace {

void styleAxis(QCPAxis *a, const QString &label)
{
    a->setLabel(label);
    a->setBasePen(QPen(theme::border()));
    a->setTickPen(QPen(theme::border()));
    a->setSubTickPen(QPen(theme::border()));
    a->setTickLabelColor(theme::mutedText());
    a->setLabelColor(theme::text());
    a->grid()->setPen(QPen(QColor(0x2c, 0x30, 0x36), 1, Qt::DotLine));
    a->grid()->setZeroLinePen(Qt::NoPen);
}

} // namespace

void stylePlot(QCustomPlot *p, const QString &xLabel, const QString &yLabel)
{
    p->setBackground(QBrush(theme::surface()));
    p->axisRect()->setBackground(QBrush(theme::window()));
    styleAxis(p->xAxis, xLabel);
    styleAxis(p->yAxis, yLabel);
    p->legend->setVisible(true);
    p->legend->setBrush(QBrush(QColor(0x23, 0x26, 0x2b, 220)));
    p->legend->setBorderPen(QPen(theme::border()));
    p->legend->setTextColor(theme::text());
    p->setMinimumHeight(220);
    p->setMinimumWidth(280);
}

} // namespace facelab::ui

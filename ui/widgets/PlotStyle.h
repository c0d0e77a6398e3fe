#pragma once
// The dark QCustomPlot styling FaceLab's plots share (axes, grid, legend in the theme colours).
// The Evaluate view still has its own copy of these lines; it can switch to this helper.
#include <QString>

class QCustomPlot;

namespace facelab::ui {

void stylePlot(QCustomPlot *plot, const QString &xLabel, const QString &yLabel);

} // namespace facelab::ui

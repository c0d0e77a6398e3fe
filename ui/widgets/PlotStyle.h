#pragma once
// The dark QCustomPlot styling FaceLab's plots share (axes, grid, legend in the theme colours).
#include <QString>

class QCustomPlot;

namespace facelab::ui {

void stylePlot(QCustomPlot *plot, const QString &xLabel, const QString &yLabel);

} // namespace facelab::ui

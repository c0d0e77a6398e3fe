#pragma once
// Training view > Queue strategies: does FaceLab's queue make a verdict worth more than a random
// one? Plots the active-learning benchmark's report (core/finetune/ActiveLearningReport.h): the
// child's AUC change on people never trained on against the verdict budget, one line per queue
// strategy with its 95% interval, and says which strategy won and by how much.
#include "finetune/ActiveLearningReport.h"

#include <QWidget>

class QCustomPlot;
class QLabel;
class QPushButton;

namespace facelab::ui {

class QueueStrategyReport : public QWidget
{
    Q_OBJECT
public:
    explicit QueueStrategyReport(QWidget *parent = nullptr);

    // Loads <project>/reports/active_learning.json when there is one (else shows how to make it).
    void setProjectFolder(const QString &folder);
    // Loads a report file; a bad file is shown as its error.
    void load(const QString &file);

    bool hasReport() const { return m_loaded; }
    QString summaryText() const;
    QCustomPlot *plot() const { return m_plot; }

private:
    void show(const finetune::ActiveLearningReport &r);
    void showMessage(const QString &text);

    QString m_folder;
    bool m_loaded = false;
    QLabel *m_summary;
    QCustomPlot *m_plot;
    QPushButton *m_open;
};

} // namespace facelab::ui

#pragma once
// Parent and child side by side on the held-out test split: accuracy, AUC, false positives and
// false negatives at each version's threshold, with the change coloured (better green, worse red).
#include "finetune/FineTuneJob.h"

#include <QWidget>

class QGridLayout;
class QLabel;

namespace facelab::ui {

class VersionComparisonTable : public QWidget
{
    Q_OBJECT
public:
    explicit VersionComparisonTable(QWidget *parent = nullptr);

    // Shows the comparison, or its note when none was possible.
    void setComparison(const QString &parentName, const QString &childName, const finetune::VersionComparison &c);
    void clear();
    // The text of a cell (row: 0 = header, 1.. = metrics; column: 0 = name, 1 parent, 2 child, 3 change).
    QString cellText(int row, int column) const;

private:
    QGridLayout *m_grid;
    QLabel *m_note;
};

} // namespace facelab::ui

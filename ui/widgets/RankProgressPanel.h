#pragma once
// Every process of a data-parallel training run, one row each: its rank, the step it finished,
// its throughput and how much of its time it spent waiting for the others (a bar: busy share).
// A rank that computes slower shows the least waiting; the others wait for it. Hidden while the
// run has one process. Fed with parallel::rankProgressList maps (the jobs publish them).
#include <QVariantList>
#include <QWidget>

class QGridLayout;
class QLabel;

namespace facelab::ui {

class RankProgressPanel : public QWidget
{
    Q_OBJECT
public:
    explicit RankProgressPanel(QWidget *parent = nullptr);
    // unit names the samples ("img", "pairs"); an empty or one-entry list hides the panel.
    void setRanks(const QVariantList &ranks, const QString &unit);
    int rankCount() const { return m_shown; }
    QString rowText(int rank) const;   // what row `rank` says (tests, screenshots)

private:
    QGridLayout *m_grid;
    QLabel *m_title;
    int m_shown = 0;
};

} // namespace facelab::ui

#include "ui/widgets/RankProgressPanel.h"

#include "ui/Theme.h"

#include <QGridLayout>
#include <QLabel>
#include <QProgressBar>
#include <QVariantMap>

namespace facelab::ui {

RankProgressPanel::RankProgressPanel(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("rankProgress"));
    m_grid = new QGridLayout(this);
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_grid->setHorizontalSpacing(12);
    m_grid->setVerticalSpacing(2);
    m_title = new QLabel(this);
    m_title->setStyleSheet(QStringLiteral("color: %1").arg(theme::mutedText().name()));
    m_grid->addWidget(m_title, 0, 0, 1, 4);
    m_grid->setColumnStretch(3, 1);
    hide();
}

void RankProgressPanel::setRanks(const QVariantList &ranks, const QString &unit)
{
    setVisible(ranks.size() > 1);
    if (ranks.size() < 2)
        return;
    m_title->setText(tr("%1 processes; the bar is the share of its time each spends working rather than waiting "
                        "for the others").arg(ranks.size()));
    for (int r = 0; r < ranks.size(); ++r) {
        const QVariantMap m = ranks[r].toMap();
        const int row = r + 1;
        auto label = [&](int col) {
            auto *l = qobject_cast<QLabel *>(m_grid->itemAtPosition(row, col) ? m_grid->itemAtPosition(row, col)->widget() : nullptr);
            if (!l) {
                l = new QLabel(this);
                l->setObjectName(QStringLiteral("rank%1col%2").arg(r).arg(col));
                m_grid->addWidget(l, row, col);
            }
            return l;
        };
        auto *bar = qobject_cast<QProgressBar *>(m_grid->itemAtPosition(row, 3) ? m_grid->itemAtPosition(row, 3)->widget() : nullptr);
        if (!bar) {
            bar = new QProgressBar(this);
            bar->setObjectName(QStringLiteral("rank%1busy").arg(r));
            bar->setRange(0, 100);
            bar->setMaximumHeight(14);
            bar->setTextVisible(true);
            m_grid->addWidget(bar, row, 3);
        }
        const double wait = m.value("wait_share").toDouble();
        label(0)->setText(tr("rank %1").arg(m.value("rank").toInt()));
        label(1)->setText(tr("step %1").arg(m.value("step").toLongLong()));
        label(2)->setText(tr("%1 %2/s").arg(m.value("per_second").toDouble(), 0, 'f', 1).arg(unit));
        bar->setValue(qRound(100 * (1 - wait)));
        bar->setFormat(tr("busy %p%, waiting %1%").arg(qRound(100 * wait)));
    }
    // Rows of ranks no longer in the list (a smaller run after a larger one) go.
    for (int row = ranks.size() + 1; row <= m_shown; ++row)
        for (int col = 0; col < 4; ++col)
            if (QLayoutItem *it = m_grid->itemAtPosition(row, col)) {
                QWidget *w = it->widget();
                m_grid->removeWidget(w);
                delete w;
            }
    m_shown = int(ranks.size());
}

QString RankProgressPanel::rowText(int rank) const
{
    QStringList parts;
    for (int col = 0; col < 4; ++col)
        if (QLayoutItem *it = m_grid->itemAtPosition(rank + 1, col)) {
            if (auto *l = qobject_cast<QLabel *>(it->widget()))
                parts << l->text();
            else if (auto *b = qobject_cast<QProgressBar *>(it->widget()))
                parts << b->text();
        }
    return parts.join(QStringLiteral(" · "));
}

} // namespace facelab::ui

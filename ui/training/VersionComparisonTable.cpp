#include "ui/training/VersionComparisonTable.h"

#include "ui/Theme.h"

#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace facelab::ui {

namespace {

struct Row
{
    QString name;
    double parent, child;
    bool higherIsBetter;
    bool percent;   // else a count (integers) or a plain number (AUC)
    bool count;
};

QString value(const Row &r, double v)
{
    if (r.percent)
        return QStringLiteral("%1%").arg(v * 100.0, 0, 'f', 2);
    if (r.count)
        return QString::number(qint64(v));
    return QString::number(v, 'f', 4);
}

QString change(const Row &r)
{
    const double d = r.child - r.parent;
    const QString sign = d > 0 ? QStringLiteral("+") : QString();
    if (r.percent)
        return sign + QStringLiteral("%1 pts").arg(d * 100.0, 0, 'f', 2);
    if (r.count)
        return sign + QString::number(qint64(d));
    return sign + QString::number(d, 'f', 4);
}

} // namespace

VersionComparisonTable::VersionComparisonTable(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("versionComparison"));
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    m_grid = new QGridLayout;
    m_grid->setHorizontalSpacing(18);
    m_grid->setVerticalSpacing(6);
    v->addLayout(m_grid);
    m_note = new QLabel(this);
    m_note->setProperty("role", QStringLiteral("muted"));
    m_note->setWordWrap(true);
    v->addWidget(m_note);
}

void VersionComparisonTable::clear()
{
    while (QLayoutItem *it = m_grid->takeAt(0)) {
        delete it->widget();
        delete it;
    }
    m_note->clear();
}

void VersionComparisonTable::setComparison(const QString &parentName, const QString &childName, const finetune::VersionComparison &c)
{
    clear();
    if (!c.available) {
        m_note->setText(tr("No before/after comparison on the test split: %1").arg(c.note));
        return;
    }
    QString note = tr("On the %1 held-out test-split pairs (%2), each version at its own threshold from validation "
                      "(parent %3, child %4).")
                       .arg(c.child.pairs)
                       .arg(c.unseenPeople ? tr("people never trained on")
                                           : tr("%1 of %2 test people also in training").arg(c.testPeopleTrainedOn).arg(c.testPeople))
                       .arg(c.parent.threshold, 0, 'f', 3)
                       .arg(c.child.threshold, 0, 'f', 3);
    if (c.paired)
        note += tr(" 95% intervals of the change (paired bootstrap): accuracy %1 to %2, AUC %3 to %4.")
                    .arg(c.paired->deltaAccuracyCi.low, 0, 'f', 3).arg(c.paired->deltaAccuracyCi.high, 0, 'f', 3)
                    .arg(c.paired->deltaAucCi.low, 0, 'f', 3).arg(c.paired->deltaAucCi.high, 0, 'f', 3);
    m_note->setText(note);
    auto add = [this](int row, int col, const QString &text, const QString &role = {}, const QColor &colour = {}) {
        auto *l = new QLabel(text, this);
        if (!role.isEmpty())
            l->setProperty("role", role);
        if (colour.isValid())
            l->setStyleSheet(QStringLiteral("color: %1; font-weight: bold").arg(colour.name()));
        l->setAlignment(col == 0 ? Qt::AlignLeft | Qt::AlignVCenter : Qt::AlignRight | Qt::AlignVCenter);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_grid->addWidget(l, row, col);
    };
    add(0, 0, QString());
    add(0, 1, parentName, QStringLiteral("muted"));
    add(0, 2, childName, QStringLiteral("muted"));
    add(0, 3, tr("change"), QStringLiteral("muted"));
    const Row rows[] = {
        {tr("Accuracy"), c.parent.atThreshold.accuracy(), c.child.atThreshold.accuracy(), true, true, false},
        {tr("AUC"), c.parent.auc, c.child.auc, true, false, false},
        {tr("False positives"), double(c.parent.atThreshold.fp), double(c.child.atThreshold.fp), false, false, true},
        {tr("False negatives"), double(c.parent.atThreshold.fn), double(c.child.atThreshold.fn), false, false, true},
    };
    int r = 1;
    for (const Row &row : rows) {
        const double d = row.child - row.parent;
        const bool better = row.higherIsBetter ? d > 1e-12 : d < -1e-12;
        const bool worse = row.higherIsBetter ? d < -1e-12 : d > 1e-12;
        add(r, 0, row.name);
        add(r, 1, value(row, row.parent));
        add(r, 2, value(row, row.child));
        add(r, 3, change(row), {}, better ? theme::same() : worse ? theme::different() : theme::mutedText());
        ++r;
    }
    m_grid->setColumnStretch(4, 1);
}

QString VersionComparisonTable::cellText(int row, int column) const
{
    QLayoutItem *it = m_grid->itemAtPosition(row, column);
    const auto *l = it ? qobject_cast<QLabel *>(it->widget()) : nullptr;
    return l ? l->text() : QString();
}

} // namespace facelab::ui

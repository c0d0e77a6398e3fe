#include "ui/dialogs/ReportDialog.h"

#include "ui/Resources.h"
#include "ui/Theme.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace facelab::ui {

ReportDialog::ReportDialog(QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("reportDialog"));
    setMinimumSize(560, 300);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 18, 20, 14);
    v->setSpacing(10);
    auto *head = new QHBoxLayout;
    m_icon = new QLabel(this);
    m_headline = new QLabel(this);
    m_headline->setObjectName(QStringLiteral("reportHeadline"));
    m_headline->setProperty("role", QStringLiteral("subtitle"));
    m_headline->setWordWrap(true);
    head->addWidget(m_icon);
    head->addWidget(m_headline, 1);
    v->addLayout(head);

    m_counts = new QGridLayout;
    m_counts->setHorizontalSpacing(24);
    m_counts->setVerticalSpacing(4);
    m_counts->setColumnStretch(2, 1);
    v->addLayout(m_counts);

    m_notes = new QListWidget(this);
    m_notes->setObjectName(QStringLiteral("reportNotes"));
    m_notes->setVisible(false);
    m_notes->setWordWrap(true);
    v->addWidget(m_notes);

    m_problemsBox = new QWidget(this);
    auto *pv = new QVBoxLayout(m_problemsBox);
    pv->setContentsMargins(0, 6, 0, 0);
    auto *ph = new QHBoxLayout;
    m_problemsTitle = new QLabel(m_problemsBox);
    m_problemsTitle->setProperty("role", QStringLiteral("subtitle"));
    m_filter = new QLineEdit(m_problemsBox);
    m_filter->setPlaceholderText(tr("Filter problems…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(260);
    auto *copy = new QPushButton(tr("Copy all"), m_problemsBox);
    ph->addWidget(m_problemsTitle);
    ph->addStretch(1);
    ph->addWidget(m_filter);
    ph->addWidget(copy);
    pv->addLayout(ph);
    m_problems = new QTableWidget(0, 3, m_problemsBox);
    m_problems->setObjectName(QStringLiteral("problemsTable"));
    m_problems->setHorizontalHeaderLabels({tr("File"), tr("Line"), tr("Reason")});
    m_problems->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_problems->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_problems->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_problems->verticalHeader()->setVisible(false);
    m_problems->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_problems->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_problems->setWordWrap(false);
    m_problems->setTextElideMode(Qt::ElideMiddle);
    pv->addWidget(m_problems, 1);
    v->addWidget(m_problemsBox, 1);
    m_problemsBox->setVisible(false);
    connect(m_filter, &QLineEdit::textChanged, this, &ReportDialog::filter);
    connect(copy, &QPushButton::clicked, this, [this] {
        QStringList lines;
        for (int r = 0; r < m_problems->rowCount(); ++r)
            lines << QStringLiteral("%1\t%2\t%3")
                         .arg(m_problems->item(r, 0)->text(), m_problems->item(r, 1)->text(),
                              m_problems->item(r, 2)->text());
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
    });

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    v->addWidget(buttons);
}

void ReportDialog::setHeadline(const QString &text, bool ok)
{
    m_headline->setText(text);
    m_icon->setPixmap(icon(ok ? QStringLiteral("done") : QStringLiteral("warning")).pixmap(32, 32));
}

void ReportDialog::addCount(const QString &label, qint64 value)
{
    auto *l = new QLabel(label, this);
    l->setProperty("role", QStringLiteral("muted"));
    auto *n = new QLabel(QLocale().toString(value), this);
    n->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    QFont f = n->font();
    f.setBold(true);
    n->setFont(f);
    m_counts->addWidget(l, m_countRows, 0);
    m_counts->addWidget(n, m_countRows, 1);
    ++m_countRows;
}

void ReportDialog::setNotes(const QStringList &notes)
{
    m_notes->clear();
    for (const QString &n : notes)
        new QListWidgetItem(icon(QStringLiteral("info")), n, m_notes);
    m_notes->setVisible(!notes.isEmpty());
    // As tall as its lines (up to the maximum), not a fixed empty box.
    int h = 2 * m_notes->frameWidth() + 4;
    for (int i = 0; i < m_notes->count(); ++i)
        h += m_notes->sizeHintForRow(i);
    m_notes->setFixedHeight(std::min(h, 140));
}

void ReportDialog::setProblems(const QVector<data::ImportProblem> &problems)
{
    m_problems->setRowCount(int(problems.size()));
    for (int i = 0; i < problems.size(); ++i) {
        const data::ImportProblem &p = problems[i];
        auto *f = new QTableWidgetItem(p.file);
        f->setToolTip(p.file);
        auto *l = new QTableWidgetItem(p.line > 0 ? QString::number(p.line) : QStringLiteral("—"));
        l->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto *r = new QTableWidgetItem(p.reason);
        r->setToolTip(p.reason);
        m_problems->setItem(i, 0, f);
        m_problems->setItem(i, 1, l);
        m_problems->setItem(i, 2, r);
    }
    m_problems->horizontalHeader()->resizeSection(0, 260);
    m_problemsTitle->setText(tr("%n problem(s): skipped, nothing else changed", nullptr, int(problems.size())));
    m_problemsBox->setVisible(!problems.isEmpty());
    if (!problems.isEmpty())
        resize(std::max(width(), 820), std::max(height(), 520));
}

int ReportDialog::problemCount() const
{
    return m_problems->rowCount();
}

void ReportDialog::filter(const QString &text)
{
    for (int r = 0; r < m_problems->rowCount(); ++r) {
        bool match = text.isEmpty();
        for (int c = 0; c < 3 && !match; ++c)
            match = m_problems->item(r, c)->text().contains(text, Qt::CaseInsensitive);
        m_problems->setRowHidden(r, !match);
    }
}

ReportDialog *ReportDialog::forImport(const QString &what, const data::ImportReport &r, QWidget *parent)
{
    auto *d = new ReportDialog(parent);
    d->setWindowTitle(tr("Import report"));
    d->setHeadline(r.problems.isEmpty() ? tr("%1: done").arg(what)
                                        : tr("%1: done, with %n problem(s)", nullptr, int(r.problems.size())).arg(what),
                   r.problems.isEmpty());
    d->addCount(tr("Images added"), r.imagesAdded);
    d->addCount(tr("Images already in the project"), r.imagesExisting);
    if (r.identitiesSeen)
        d->addCount(tr("Identities seen"), r.identitiesSeen);
    if (r.pairsAdded || r.pairsExisting) {
        d->addCount(tr("Pairs added"), r.pairsAdded);
        d->addCount(tr("Pairs already in the project"), r.pairsExisting);
    }
    d->setProblems(r.problems);
    return d;
}

ReportDialog *ReportDialog::forGeneration(const data::PairGenReport &r, QWidget *parent)
{
    auto *d = new ReportDialog(parent);
    d->setWindowTitle(tr("Generated pairs"));
    const int made = r.same + r.different;
    const bool short_ = made < r.requested;
    d->setHeadline(short_ ? tr("Generated %1 of the %2 pairs asked for").arg(made).arg(r.requested)
                          : tr("Generated %1 pairs").arg(made),
                   !short_);
    d->addCount(tr("Same-identity pairs"), r.same);
    d->addCount(tr("Different-identity pairs"), r.different);
    d->addCount(tr("Identities used"), r.identitiesUsed);
    d->addCount(tr("Train"), r.train);
    d->addCount(tr("Validation"), r.validation);
    d->addCount(tr("Test"), r.test);
    QStringList notes;
    notes << tr("Split: %1").arg(r.splitMethod);
    notes << r.notes;
    d->setNotes(notes);
    return d;
}

} // namespace facelab::ui

#pragma once
// What a finished job did: a headline, counts, notes and, for imports, every problem with its
// file, line and reason (filterable, copyable).
#include "data/ImportReport.h"
#include "data/PairGenerator.h"

#include <QDialog>
#include <QPair>

class QLabel;
class QTableWidget;
class QGridLayout;
class QLineEdit;
class QListWidget;

namespace facelab::ui {

class ReportDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ReportDialog(QWidget *parent = nullptr);

    // Ready-made reports.
    static ReportDialog *forImport(const QString &what, const data::ImportReport &r, QWidget *parent);
    static ReportDialog *forGeneration(const data::PairGenReport &r, QWidget *parent);

    void setHeadline(const QString &text, bool ok = true);
    void addCount(const QString &label, qint64 value);
    void setNotes(const QStringList &notes);
    void setProblems(const QVector<data::ImportProblem> &problems);
    int problemCount() const;
    QTableWidget *problemsTable() const { return m_problems; }

private:
    void filter(const QString &text);
    QLabel *m_icon, *m_headline, *m_problemsTitle;
    QGridLayout *m_counts;
    QListWidget *m_notes;
    QTableWidget *m_problems;
    QLineEdit *m_filter;
    QWidget *m_problemsBox;
    int m_countRows = 0;
};

} // namespace facelab::ui

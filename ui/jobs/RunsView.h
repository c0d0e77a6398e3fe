#pragma once
// The Runs view: every recorded run of the project (imports, generation, later training and
// evaluation) with its parameters and log.
#include <QWidget>

class QTreeWidget;
class QPlainTextEdit;
class QLabel;

namespace facelab::store {
class ProjectStore;
}

namespace facelab::ui {

class RunsView : public QWidget
{
    Q_OBJECT
public:
    explicit RunsView(QWidget *parent = nullptr);
    void setProject(const store::ProjectStore *store);
    void selectRun(qint64 runId);

public slots:
    void refresh();

protected:
    void showEvent(QShowEvent *e) override;

private:
    void showDetails();

    const store::ProjectStore *m_store = nullptr;
    QTreeWidget *m_list;
    QLabel *m_title;
    QLabel *m_meta;
    QPlainTextEdit *m_log;
};

} // namespace facelab::ui

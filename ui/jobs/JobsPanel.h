#pragma once
// The jobs dock: this project's runs, newest first. Jobs of this window's queue (queued, waiting or
// running) show their status, a live progress bar, elapsed time and a cancel button; finished and
// older runs (also ones from the command line, or 'interrupted' by a crash) come from the runs table.
#include <QPointer>
#include <QWidget>

class QJsonObject;
class QTreeWidget;
class QTreeWidgetItem;
class QTimer;
class QLabel;

namespace facelab::store {
class ProjectStore;
}
namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class JobsPanel : public QWidget
{
    Q_OBJECT
public:
    JobsPanel(jobs::JobQueue *jobs, QWidget *parent = nullptr);

    void setProject(const store::ProjectStore *store);
    QTreeWidget *tree() const { return m_tree; }

    // What a person calls a run, from its kind and params: "Fine-tune default", "Embed faces with
    // default", "Invert default into Person_03"; a kind this FaceLab does not know (a newer one's)
    // reads as its id with a capital.
    static QString kindTitle(const QString &kind, const QString &paramsJson = {});
    static QString kindTitle(const QString &kind, const QJsonObject &params);
    static QString formatElapsed(qint64 ms);
    static QColor statusColor(const QString &status);

public slots:
    void refresh();

signals:
    void runActivated(qint64 runId);

private:
    void tick();
    void addLiveRow(jobs::Job *job);

    jobs::JobQueue *m_jobs;
    const store::ProjectStore *m_store = nullptr;
    QTreeWidget *m_tree;
    QLabel *m_empty;
    QTimer *m_timer;
};

} // namespace facelab::ui

#pragma once
// What FaceLab shows when no project is open: New, Open, Open demo project, and the recent
// projects (double-click or Enter opens one).
#include <QWidget>

class QListWidget;
class QLabel;
class QProgressBar;

namespace facelab::ui {

class ActionCard;

class StartPage : public QWidget
{
    Q_OBJECT
public:
    explicit StartPage(QWidget *parent = nullptr);

    void refreshRecent();
    QListWidget *recentList() const { return m_recent; }
    // While the demo project is being built: the demo card is disabled and shows progress.
    void setDemoProgress(bool busy, int percent = -1, const QString &text = {});

signals:
    void newProjectRequested();
    void openProjectRequested();
    void openDemoRequested();
    void openRecentRequested(const QString &folder);

private:
    QListWidget *m_recent;
    QLabel *m_noRecent;
    ActionCard *m_demo;
    QProgressBar *m_demoBar;
    QLabel *m_demoText;
};

} // namespace facelab::ui

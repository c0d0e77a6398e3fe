#pragma once
// A slim message strip above the views ("Import finished: 120 images added · Show report"),
// for finished jobs: it notifies without a modal box. Success messages hide themselves.
#include <QWidget>
#include <functional>

class QLabel;
class QPushButton;
class QToolButton;
class QTimer;

namespace facelab::ui {

class NotificationBar : public QWidget
{
    Q_OBJECT
public:
    enum class Kind { Info, Success, Warning, Error };
    explicit NotificationBar(QWidget *parent = nullptr);

    // actionText/action: an optional button ("Show report"); hides after autoHideMs (0 = stays).
    void showMessage(Kind kind, const QString &text, const QString &actionText = {},
                     std::function<void()> action = {}, int autoHideMs = 0);
    QString text() const;

protected:
    void paintEvent(QPaintEvent *) override;

private:
    Kind m_kind = Kind::Info;
    QLabel *m_icon, *m_text;
    QPushButton *m_action;
    QToolButton *m_close;
    QTimer *m_timer;
    std::function<void()> m_callback;
};

} // namespace facelab::ui

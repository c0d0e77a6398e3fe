#pragma once
// A large clickable card: icon, title and one line of description (start page actions).
#include <QAbstractButton>

namespace facelab::ui {

class ActionCard : public QAbstractButton
{
    Q_OBJECT
public:
    ActionCard(const QIcon &icon, const QString &title, const QString &description, QWidget *parent = nullptr);
    QString description() const { return m_description; }
    QSize sizeHint() const override { return {230, 148}; }
    QSize minimumSizeHint() const override { return {180, 148}; }

protected:
    void paintEvent(QPaintEvent *) override;
    void enterEvent(QEnterEvent *) override;
    void leaveEvent(QEvent *) override;

private:
    QString m_description;
    bool m_hover = false;
};

} // namespace facelab::ui

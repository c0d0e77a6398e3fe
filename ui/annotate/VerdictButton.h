#pragma once
// A large verdict button: icon, title and the keys that press it drawn as key caps, tinted with
// the verdict's colour; filled when it is the verdict already given for the pair on screen.
#include <QAbstractButton>
#include <QColor>
#include <QStringList>

namespace facelab::ui {

class VerdictButton : public QAbstractButton
{
    Q_OBJECT
public:
    VerdictButton(const QString &title, const QStringList &keys, const QColor &tint, const QIcon &icon,
                  QWidget *parent = nullptr);

    QStringList keys() const { return m_keys; }
    // Briefly shows the pressed look (an answer given with the keyboard).
    void flash();

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *) override;
    void enterEvent(QEnterEvent *) override;
    void leaveEvent(QEvent *) override;

private:
    QStringList m_keys;
    QColor m_tint;
    bool m_hover = false;
    bool m_flash = false;
};

} // namespace facelab::ui

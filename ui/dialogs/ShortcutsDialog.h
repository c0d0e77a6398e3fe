#pragma once
// Help > Keyboard shortcuts: read from the actions themselves, so the list is never stale.
#include <QDialog>
#include <QList>

class QAction;
class QTreeWidget;

namespace facelab::ui {

class ShortcutsDialog : public QDialog
{
    Q_OBJECT
public:
    struct Section
    {
        QString title;
        QList<QAction *> actions;
    };
    ShortcutsDialog(const QList<Section> &sections, QWidget *parent = nullptr);

    // "S or ←": every shortcut of the action, arrows as arrows.
    static QString keysText(const QAction *a);
    QTreeWidget *tree() const { return m_tree; }

private:
    QTreeWidget *m_tree;
};

} // namespace facelab::ui

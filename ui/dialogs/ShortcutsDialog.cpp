#include "ui/dialogs/ShortcutsDialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace facelab::ui {

QString ShortcutsDialog::keysText(const QAction *a)
{
    QStringList keys;
    for (const QKeySequence &k : a->shortcuts()) {
        QString t = k.toString(QKeySequence::NativeText);
        if (t == QLatin1String("Left"))
            t = QStringLiteral("←");
        else if (t == QLatin1String("Right"))
            t = QStringLiteral("→");
        else if (t == QLatin1String("Down"))
            t = QStringLiteral("↓");
        else if (t == QLatin1String("Up"))
            t = QStringLiteral("↑");
        keys << t;
    }
    return keys.join(QObject::tr(" or "));
}

ShortcutsDialog::ShortcutsDialog(const QList<Section> &sections, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Keyboard shortcuts"));
    resize(540, 660);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 18, 20, 14);
    auto *intro = new QLabel(tr("In the Annotate view a single key answers: your hands stay on the keyboard. "
                                "Every answer is saved at once; Ctrl+Z undoes, as often as you like."),
                             this);
    intro->setWordWrap(true);
    intro->setProperty("role", QStringLiteral("muted"));
    v->addWidget(intro);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("shortcutsTree"));
    m_tree->setHeaderLabels({tr("Action"), tr("Keys")});
    m_tree->setRootIsDecorated(false);
    m_tree->setSelectionMode(QAbstractItemView::NoSelection);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    for (const Section &s : sections) {
        auto *head = new QTreeWidgetItem(m_tree, {s.title});
        QFont f = head->font(0);
        f.setBold(true);
        head->setFont(0, f);
        head->setFirstColumnSpanned(true);
        head->setFlags(Qt::ItemIsEnabled);
        for (QAction *a : s.actions) {
            if (a->shortcuts().isEmpty())
                continue;
            QString text = a->text();
            text.remove(QLatin1Char('&'));
            auto *it = new QTreeWidgetItem(m_tree, {QStringLiteral("    ") + text, keysText(a)});
            it->setIcon(0, a->icon());
        }
    }
    v->addWidget(m_tree, 1);
    auto *b = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(b, &QDialogButtonBox::rejected, this, &QDialog::accept);
    v->addWidget(b);
}

} // namespace facelab::ui

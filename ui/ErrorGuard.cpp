#include "ui/ErrorGuard.h"

#include "store/StoreError.h"

#include <QDateTime>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QHash>
#include <QLabel>
#include <QMessageBox>
#include <QPointer>
#include <QWidget>
#include <cstdio>
#include <stdexcept>

namespace facelab::ui {
namespace {

constexpr qint64 kRepeatAfterMs = 60 * 1000;
constexpr const char *kPanelName = "facelabViewError";

// A panel over a view, kept at the view's size.
class ViewErrorPanel : public QLabel
{
public:
    ViewErrorPanel(const QString &text, QWidget *view) : QLabel(text, view)
    {
        setObjectName(QString::fromLatin1(kPanelName));
        setWordWrap(true);
        setAlignment(Qt::AlignCenter);
        setTextInteractionFlags(Qt::TextSelectableByMouse);
        setAutoFillBackground(true);
        setMargin(24);
        view->installEventFilter(this);
        setGeometry(view->rect());
        raise();
        show();
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (watched == parent() && event->type() == QEvent::Resize)
            setGeometry(static_cast<QWidget *>(watched)->rect());
        return false;
    }
};

QString recoverAdvice(const QString &file)
{
    const QString native = QDir::toNativeSeparators(file);
    const QString recovered =
        QDir::toNativeSeparators(QFileInfo(file).absoluteDir().filePath(QStringLiteral("recovered.sqlite")));
    return QObject::tr("Part of %1 is damaged. Views that do not need the damaged part keep working.\n\n"
                       "To save what can still be read, close FaceLab and run\n"
                       "    sqlite3 \"%1\" \".recover\" | sqlite3 \"%2\"\n"
                       "then keep the damaged file aside and put the recovered one in its place, "
                       "or restore the project from a backup.")
        .arg(native, recovered);
}

} // namespace

GuardedApplication::GuardedApplication(int &argc, char **argv) : QApplication(argc, argv) {}

bool GuardedApplication::notify(QObject *receiver, QEvent *event)
{
    try {
        return QApplication::notify(receiver, event);
    } catch (const std::exception &e) {
        reportError(e);
    } catch (...) {
        reportError(std::runtime_error("an unknown error"));
    }
    return false;
}

QString errorMessage(const std::exception &e)
{
    const QString what = QString::fromUtf8(e.what());
    const auto *se = dynamic_cast<const store::StoreError *>(&e);
    if (se && se->kind() == store::StoreError::Kind::Damaged && !se->file().isEmpty())
        return QObject::tr("FaceLab could not read the project:\n%1\n\n%2").arg(what, recoverAdvice(se->file()));
    if (se && se->kind() == store::StoreError::Kind::DiskFull)
        return QObject::tr("The disk is full:\n%1\n\nNothing already saved is lost. Free some space and try again.")
            .arg(what);
    if (se && !se->file().isEmpty())
        return QObject::tr("FaceLab hit a problem with %1:\n%2")
            .arg(QDir::toNativeSeparators(se->file()), what);
    return QObject::tr("FaceLab hit a problem:\n%1").arg(what);
}

void reportError(const std::exception &e)
{
    static QPointer<QMessageBox> open;
    static QHash<QString, qint64> lastShownMs;
    const QString text = errorMessage(e);
    std::fprintf(stderr, "facelab: %s\n", e.what());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QString key = QString::fromUtf8(e.what());
    if (open || (lastShownMs.contains(key) && now - lastShownMs.value(key) < kRepeatAfterMs))
        return;
    lastShownMs.insert(key, now);
    // Not exec(): no nested event loop inside the notify() that caught this.
    auto *box = new QMessageBox(QMessageBox::Warning, QObject::tr("FaceLab"), text, QMessageBox::Ok,
                                QApplication::activeWindow());
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    open = box;
    box->open();
}

void showViewError(QWidget *view, const std::exception &e)
{
    std::fprintf(stderr, "facelab: %s\n", e.what());
    clearViewError(view);
    new ViewErrorPanel(QObject::tr("This view cannot be shown.\n\n%1").arg(errorMessage(e)), view);
}

void clearViewError(QWidget *view)
{
    if (auto *panel = view->findChild<QLabel *>(QString::fromLatin1(kPanelName), Qt::FindDirectChildrenOnly))
        delete panel;
}

} // namespace facelab::ui

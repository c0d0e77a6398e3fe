#pragma once
// No exception ends the GUI. Qt cannot carry an exception through its event loop (the process
// aborts), so the application catches whatever escapes an event handler or slot and shows it as
// a message; a view whose first load fails shows the problem in place of its content, and the
// rest of the project stays usable where it can be read.
#include <QApplication>
#include <QString>
#include <exception>

namespace facelab::ui {

// The QApplication of the GUI: notify() turns an exception from any event handler or slot into
// reportError() instead of an abort.
class GuardedApplication : public QApplication
{
public:
    GuardedApplication(int &argc, char **argv);
    bool notify(QObject *receiver, QEvent *event) override;
};

// What the user is told about e: the problem and, for a damaged project file, how to save what
// can still be read (sqlite3 .recover) or to restore a backup.
QString errorMessage(const std::exception &e);

// Shows errorMessage(e) in a dialog. Rate-limited: while one is open, or for the same problem
// again within a minute, it only goes to stderr (a damaged table fails every repaint).
void reportError(const std::exception &e);

// Runs f; an exception becomes reportError() instead of escaping. Returns whether f completed.
template <class F>
bool guarded(F &&f)
{
    try {
        f();
        return true;
    } catch (const std::exception &e) {
        reportError(e);
    } catch (...) {
        reportError(std::runtime_error("an unknown error"));
    }
    return false;
}

// Covers view with a panel that says why it cannot show its content, until clearViewError().
void showViewError(QWidget *view, const std::exception &e);
void clearViewError(QWidget *view);

} // namespace facelab::ui

#pragma once
// The views of the main window's navigation, registered in one list (ViewRegistry.cpp): adding a
// view is its ViewId and one entry there. MainWindow builds the navigation list, the view stack,
// the View menu and the hand-over of the open project from that list.
#include <QKeySequence>
#include <QString>
#include <QVector>
#include <functional>

class QWidget;

namespace facelab::store {
class ProjectStore;
}
namespace facelab::jobs {
class JobQueue;
}

namespace facelab::ui {

class FaceJobs;
class FineTuneJobs;
class InversionJobs;
class LinearizerJobs;
class ModelJobs;
class NotificationBar;

enum class ViewId { Annotate, Models, Faces, Runs, Evaluate, Errors, Training, Linearizer, Inversion };

// What a view may be given when it is made: the window's job queue, its notification bar and the
// job launchers of its menus.
struct ViewContext
{
    jobs::JobQueue *jobs = nullptr;
    NotificationBar *notify = nullptr;
    ModelJobs *modelJobs = nullptr;
    FaceJobs *faceJobs = nullptr;
    FineTuneJobs *fineTuneJobs = nullptr;
    LinearizerJobs *linearizerJobs = nullptr;   // null in a build without the Linearizer
    InversionJobs *inversionJobs = nullptr;     // null in a build without inversion
};

struct ViewRegistration
{
    ViewId id;
    QString name;            // "annotate": its View menu action is named "actionViewAnnotate"
    QString title;           // navigation and menu text
    QString icon;            // resource icon name
    QKeySequence shortcut;   // of its View menu action; empty for none
    std::function<QWidget *(const ViewContext &, QWidget *parent)> create;
    std::function<void(QWidget *view, const store::ProjectStore *store)> setProject;   // nullptr: closed
};

// In navigation order.
QVector<ViewRegistration> registeredViews();

} // namespace facelab::ui

#include "ui/GuiMain.h"

#include "store/ProjectStore.h"
#include "ui/ErrorGuard.h"
#include "ui/MainWindow.h"
#include "ui/RecentProjects.h"
#include "ui/Resources.h"
#include "ui/Theme.h"

#include <QApplication>

namespace facelab::ui {

int runGui(QApplication &app, const GuiOptions &opt)
{
    initResources();
    theme::apply(app);
    app.setWindowIcon(icon(QStringLiteral("facelab")));

    MainWindow w;
    w.show();
    // Opening runs before the event loop, outside GuardedApplication::notify: guard it here.
    guarded([&] {
        if (opt.demo) {
            w.openDemoProject();
        } else if (!opt.projectFolder.isEmpty()) {
            w.openProject(opt.projectFolder);
        } else {
            const QString last = RecentProjects::last();
            if (!last.isEmpty() && store::ProjectStore::exists(last))
                w.openProject(last, false, /*quiet=*/true);
        }
    });
    return app.exec();
}

} // namespace facelab::ui

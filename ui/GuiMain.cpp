#include "ui/GuiMain.h"

#include "store/ProjectStore.h"
#include "ui/ErrorGuard.h"
#include "ui/MainWindow.h"
#include "ui/RecentProjects.h"
#include "ui/Resources.h"
#include "ui/Theme.h"

#include <QApplication>
#include <QFile>
#include <QTimer>
#include <cstdio>
#include <unistd.h>

namespace facelab::ui {

namespace {
// Milliseconds since this process started (the kernel's start time survives the small facelab
// binary's exec of facelab-engine, so this counts from the user's command), 10 ms resolution.
double msSinceProcessStart()
{
    QFile stat(QStringLiteral("/proc/self/stat")), uptime(QStringLiteral("/proc/uptime"));
    if (!stat.open(QIODevice::ReadOnly) || !uptime.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray s = stat.readAll();
    // Fields after the parenthesised command name; starttime is field 22 overall.
    const QList<QByteArray> f = s.mid(s.lastIndexOf(')') + 2).split(' ');
    if (f.size() < 20)
        return -1;
    const double startS = f[19].toDouble() / double(::sysconf(_SC_CLK_TCK));
    const double nowS = uptime.readAll().split(' ').value(0).toDouble();
    return (nowS - startS) * 1000.0;
}
} // namespace

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
    // tests/bench/startup_benchmark.sh: how long until the user sees the window, then quit.
    if (qEnvironmentVariableIsSet("FACELAB_QUIT_AFTER_FIRST_PAINT")) {
        QTimer::singleShot(0, &w, [&w] {
            w.grab();   // renders every visible widget once, as the first paint does
            std::printf("first window painted %.0f ms after start\n", msSinceProcessStart());
            std::fflush(stdout);
            QApplication::quit();
        });
    }
    return app.exec();
}

} // namespace facelab::ui

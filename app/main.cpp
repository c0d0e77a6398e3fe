// facelab: the GUI by default; headless subcommands (init, import, pairs, label, stats, ...) when
// the first argument names one. Same binary for both.
#include "CliCommands.h"
#include "ui/ErrorGuard.h"
#include "ui/GuiMain.h"

#include <QApplication>
#include <QCoreApplication>
#include <QSettings>
#include <QTextStream>

namespace {
// Where models and demo photos live: $FACELAB_DATA_DIR wins, else the "paths/dataDir" setting,
// else the per-user default (core/DataPaths.h). The setting is passed on through the environment
// so the Qt-free engine code sees the same folder.
void applyDataDirSetting()
{
    if (!qEnvironmentVariableIsEmpty("FACELAB_DATA_DIR"))
        return;
    const QString dir = QSettings().value(QStringLiteral("paths/dataDir")).toString();
    if (!dir.isEmpty())
        qputenv("FACELAB_DATA_DIR", dir.toLocal8Bit());
}
} // namespace

int main(int argc, char *argv[])
{
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);

    // --help and --version answer without a window: a QApplication would abort on a machine without
    // a display before it could print anything.
    const bool subcommand = facelab::cli::isSubcommand(args);
    for (int i = 1; i < args.size() && !subcommand; ++i) {
        if (args[i] == QLatin1String("--version")) {
            QTextStream(stdout) << "facelab " << FACELAB_VERSION << "\n";
            return 0;
        }
        if (args[i] == QLatin1String("--help") || args[i] == QLatin1String("-h")) {
            QCoreApplication app(argc, argv);
            return facelab::cli::runSubcommand({args[0], QStringLiteral("help")});
        }
    }

    if (subcommand) {
        // No display needed: subcommands run on servers and in CI.
        QCoreApplication app(argc, argv);
        QCoreApplication::setOrganizationName(QStringLiteral("FaceLab"));
        QCoreApplication::setApplicationName(QStringLiteral("FaceLab"));
        applyDataDirSetting();
        return facelab::cli::runSubcommand(args);
    }

    facelab::ui::GuardedApplication app(argc, argv);   // exceptions in the GUI become messages
    QApplication::setOrganizationName(QStringLiteral("FaceLab"));
    QApplication::setApplicationName(QStringLiteral("FaceLab"));
    QApplication::setApplicationVersion(QStringLiteral(FACELAB_VERSION));
    applyDataDirSetting();
    facelab::ui::GuiOptions opt;
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--demo")) {
            opt.demo = true;
        } else if (args[i].startsWith(QLatin1Char('-'))) {
            QTextStream(stderr) << "facelab: unknown option " << args[i] << " (try facelab help)\n";
            return 2;
        } else {
            opt.projectFolder = args[i];
        }
    }
    return facelab::ui::runGui(app, opt);
}

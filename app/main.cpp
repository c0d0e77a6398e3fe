// facelab: the command a user types. It answers the commands that need no model (init, import,
// pairs, label, stats, eval, errors, queue on cached scores, help, --version) itself, linked
// against QtCore/QtGui/QtSql only, so a script that labels or queries in a loop does not pay for
// LibTorch and OpenCV at every call; the GUI and every other command are handed to facelab-engine
// (EngineHandover.h).
#include "CliCommands.h"
#include "DecoderPlugin.h"
#include "EngineHandover.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QTextStream>

int main(int argc, char *argv[])
{
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);

    const bool subcommand = facelab::cli::isSubcommand(args);
    if (!subcommand) {
        // facelab [PROJECT | --demo] is the GUI, except for --version and --help, which answer here
        // (without a display, as facelab-engine does).
        if (const int answered = facelab::cli::answerVersionOrHelp(argc, argv, args); answered >= 0)
            return answered;
        // Without any display the window cannot open: say so plainly (Qt would abort with a
        // plugin message), and name a mistyped command as such.
        if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
            && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
            const QString first = args.value(1);
            QTextStream err(stderr);
            if (!first.isEmpty() && !first.startsWith(QLatin1Char('-')) && !QFileInfo(first).isDir())
                err << "facelab: '" << first << "' is neither a command nor a project folder (facelab help lists the commands)\n";
            else
                err << "facelab: no display to open the window on (DISPLAY is not set); the commands work without one: facelab help\n";
            return 2;
        }
        facelab::cli::execEngine(argv);
        return 127;
    }

    int code = 0;
    {
        QCoreApplication app(argc, argv);
        QCoreApplication::setOrganizationName(QStringLiteral("FaceLab"));
        QCoreApplication::setApplicationName(QStringLiteral("FaceLab"));
        facelab::cli::applyDataDirSetting();
        facelab::cli::useDecoderPluginOnDemand();   // OpenCV's image formats, loaded when an import meets one
        try {
            return facelab::cli::runSubcommand(args);
        } catch (const facelab::cli::EngineNeeded &) {
            code = 127;   // handed over below, after Qt is torn down (no half-written output buffers)
        }
    }
    facelab::cli::execEngine(argv);
    return code;
}

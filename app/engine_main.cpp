// facelab-engine: the GUI by default; every headless subcommand when the first argument names one.
// Started by the small facelab binary (main.cpp) for what needs LibTorch, OpenCV or widgets; it also
// runs the small binary's commands when called directly.
#include "CliCommands.h"
#include "data/ImageDecode.h"
#include "ui/ErrorGuard.h"
#include "ui/GuiMain.h"

#include <QApplication>
#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char *argv[])
{
    facelab::data::useOpenCvFallbackDecoder();   // imports read what OpenCV reads, as the face stage does
    QStringList args;
    for (int i = 0; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);

    const bool subcommand = facelab::cli::isSubcommand(args);
    if (!subcommand)
        if (const int answered = facelab::cli::answerVersionOrHelp(argc, argv, args); answered >= 0)
            return answered;

    if (subcommand) {
        // No display needed: subcommands run on servers and in CI.
        QCoreApplication app(argc, argv);
        QCoreApplication::setOrganizationName(QStringLiteral("FaceLab"));
        QCoreApplication::setApplicationName(QStringLiteral("FaceLab"));
        facelab::cli::applyDataDirSetting();
        return facelab::cli::runSubcommand(args);
    }

    facelab::ui::GuardedApplication app(argc, argv);   // exceptions in the GUI become messages
    QApplication::setOrganizationName(QStringLiteral("FaceLab"));
    QApplication::setApplicationName(QStringLiteral("FaceLab"));
    QApplication::setApplicationVersion(QStringLiteral(FACELAB_VERSION));
    facelab::cli::applyDataDirSetting();
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

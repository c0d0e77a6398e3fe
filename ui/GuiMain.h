#pragma once
// The GUI's entry point, called by app/main.cpp after it created the QApplication
// (organisation "FaceLab", application "FaceLab"): a ui::GuardedApplication (ErrorGuard.h), so
// that an exception in an event handler becomes a message instead of an abort.
#include <QString>

class QApplication;

namespace facelab::ui {

struct GuiOptions
{
    QString projectFolder;   // open this project's Annotate view ("" = last project or start page)
    bool demo = false;       // build (first use) and open the demo project
};

// Applies the theme, shows the main window and runs the event loop; returns the exit code.
int runGui(QApplication &app, const GuiOptions &opt);

} // namespace facelab::ui

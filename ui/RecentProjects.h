#pragma once
// The projects this user opened, newest first, kept in QSettings ("recent/projects"), and the
// last one open ("recent/last") which a plain `facelab` reopens.
#include <QStringList>

namespace facelab::ui {

class RecentProjects
{
public:
    static QStringList list();                 // absolute folders, newest first
    static void add(const QString &folder);    // moves it to the front, trims to the maximum
    static void remove(const QString &folder);
    static void clear();
    static QString last();                      // "" when none or closed explicitly
    static void setLast(const QString &folder);
};

} // namespace facelab::ui

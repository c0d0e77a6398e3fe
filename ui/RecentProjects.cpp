#include "ui/RecentProjects.h"

#include "ui/Resources.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace facelab::ui {
namespace {
const char *const kList = "recent/projects";
const char *const kLast = "recent/last";

QString clean(const QString &folder)
{
    return QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
}
} // namespace

QStringList RecentProjects::list()
{
    return QSettings().value(QLatin1String(kList)).toStringList();
}

void RecentProjects::add(const QString &folder)
{
    const QString f = clean(folder);
    QStringList l = list();
    l.removeAll(f);
    l.prepend(f);
    const int max = std::max(1, setting(QStringLiteral("recent/maxProjects")).toInt());
    while (l.size() > max)
        l.removeLast();
    QSettings().setValue(QLatin1String(kList), l);
}

void RecentProjects::remove(const QString &folder)
{
    QStringList l = list();
    l.removeAll(clean(folder));
    QSettings().setValue(QLatin1String(kList), l);
}

void RecentProjects::clear()
{
    QSettings().remove(QLatin1String(kList));
}

QString RecentProjects::last()
{
    return QSettings().value(QLatin1String(kLast)).toString();
}

void RecentProjects::setLast(const QString &folder)
{
    QSettings().setValue(QLatin1String(kLast), folder.isEmpty() ? QString() : clean(folder));
}

} // namespace facelab::ui

#include "ui/Resources.h"

#include <QFile>
#include <QHash>
#include <QSettings>

// Q_INIT_RESOURCE must be used outside any namespace.
static void facelabInitQrc()
{
    Q_INIT_RESOURCE(facelab);
}

namespace facelab::ui {

void initResources()
{
    static const bool done = [] {
        facelabInitQrc();
        return true;
    }();
    Q_UNUSED(done);
}

QIcon icon(const QString &name)
{
    initResources();
    static QHash<QString, QIcon> cache;
    auto it = cache.constFind(name);
    if (it != cache.constEnd())
        return *it;
    const QIcon ic(QStringLiteral(":/facelab/icons/%1.svg").arg(name));
    cache.insert(name, ic);
    return ic;
}

QVariant defaultSetting(const QString &key)
{
    initResources();
    static QSettings defaults(QStringLiteral(":/facelab/defaults.ini"), QSettings::IniFormat);
    return defaults.value(key);
}

QVariant setting(const QString &key)
{
    QSettings s;
    return s.contains(key) ? s.value(key) : defaultSetting(key);
}

void setSetting(const QString &key, const QVariant &value)
{
    QSettings s;
    s.setValue(key, value);
}

} // namespace facelab::ui

#pragma once
// Compiled-in resources (resources/facelab.qrc) and user settings with their defaults.
#include <QIcon>
#include <QString>
#include <QVariant>

namespace facelab::ui {

// Registers the resources of this static library; safe to call more than once.
void initResources();

// An icon from resources/icons (name without ".svg").
QIcon icon(const QString &name);

// The user's value for key (QSettings), else the default from resources/defaults.ini.
QVariant setting(const QString &key);
void setSetting(const QString &key, const QVariant &value);
QVariant defaultSetting(const QString &key);

} // namespace facelab::ui

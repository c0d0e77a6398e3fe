#pragma once
// Small text helpers the views and job launchers share.
#include <QFileInfo>
#include <QString>

namespace facelab::ui {

// The last component of a path for titles and messages ("lfw" for "/data/lfw/").
inline QString shortPathName(const QString &path)
{
    const QString n = QFileInfo(path).fileName();
    return n.isEmpty() ? path : n;
}

} // namespace facelab::ui

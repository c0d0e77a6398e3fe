#pragma once
// Small text helpers the views and job launchers share.
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

namespace facelab::ui {

// A run's parameters as one line of JSON (the runs table's params_json).
inline QString compactJson(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// The last component of a path for titles and messages ("lfw" for "/data/lfw/").
inline QString shortPathName(const QString &path)
{
    const QString n = QFileInfo(path).fileName();
    return n.isEmpty() ? path : n;
}

} // namespace facelab::ui

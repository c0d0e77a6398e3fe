#pragma once
// Surrogates as model versions of a project: family "linearizer", parent = the teacher (or the
// surrogate an edit started from), the teacher's preprocessing, file models/<name>.pth with its
// parameters beside it in models/<name>.json. Qt edge; no torch.
#include "nn/FaceModel.h"
#include "store/ModelTable.h"

#include <QJsonObject>

namespace facelab::linearize {

struct SavedSurrogate
{
    QString name;
    qint64 versionId = 0;
};

// "<base>-lin1", "-lin2", ...: the first name not taken in the project.
QString surrogateName(const store::ProjectStore &store, const QString &base);
// Writes the file atomically, then registers it (a failed write registers nothing). `parent` gives
// the preprocessing and the lineage; `note` goes into the JSON beside the file.
SavedSurrogate saveSurrogate(const store::ProjectStore &store, const nn::FaceModel &surrogate,
                             const store::ModelVersionRecord &parent, const QString &name, qint64 runId,
                             const QJsonObject &note = {});

struct OpenedSurrogate
{
    store::ModelVersionRecord version;
    store::ModelVersionRecord teacher;   // the first non-linearizer ancestor
    nn::FaceModel model;
};
// By name; "" = the newest linearizer version. Throws std::runtime_error naming what is wrong
// (no surrogate yet, not a surrogate, missing file).
OpenedSurrogate openSurrogate(const store::ProjectStore &store, const QString &name);

} // namespace facelab::linearize

#pragma once
// Models and their versions. A version is one set of weights: the imported file, or a fine-tuned
// child of another version. Its file lives in the project folder (path relative to it) and it
// carries its own preprocessing and decision threshold.
#include "ProjectStore.h"

#include <QMap>

namespace facelab::store {

struct ModelVersionRecord
{
    qint64 id = 0;
    qint64 modelId = 0;
    QString modelName;
    QString family;            // onnx / iresnet / pcnn ...
    QString name;              // unique in the project, e.g. "fr_feature" or "fr_feature-ft1"
    qint64 parentId = 0;       // 0 for an imported version
    QString parentName;
    QString file;              // relative to the project folder
    QString preprocessingJson;
    std::optional<double> threshold;
    qint64 createdByRun = 0;
    QString createdAt;
};

class ModelTable
{
public:
    static constexpr const char *kCurrentKey = "model/current";

    explicit ModelTable(const ProjectStore &store) : m_store(store) {}

    qint64 addModel(const QString &name, const QString &family, const QString &sourcePath) const;
    qint64 addVersion(qint64 modelId, const QString &name, qint64 parentId, const QString &file,
                      const QString &preprocessingJson, std::optional<double> threshold, qint64 runId) const;
    QVector<ModelVersionRecord> versions() const;                 // oldest first
    std::optional<ModelVersionRecord> version(qint64 id) const;
    std::optional<ModelVersionRecord> versionByName(const QString &name) const;
    bool nameTaken(const QString &name) const;                    // model or version name
    void setThreshold(qint64 versionId, double threshold) const;

    // The version the project works with (annotate scores, queue order); falls back to the newest.
    std::optional<ModelVersionRecord> current() const;
    void setCurrent(qint64 versionId) const;

    // Versions fine-tuned directly from this one, oldest first.
    QVector<ModelVersionRecord> children(qint64 versionId) const;
    // Deletes a version: its row, cached embeddings and pair scores in one transaction; verdicts
    // keep their verdict and runs their metrics (history), only their reference to it is cleared;
    // its model row goes with its last version. After the commit its file is removed when it lies
    // in the project folder and no other version uses it. Throws StoreError, deleting nothing, for
    // the current version and for a version with children (named): the lineage keeps its parents.
    void removeVersion(qint64 versionId) const;
    // What a run measured for a version (metric name -> value), e.g. a fine-tuning run's
    // val_accuracy or test_accuracy.
    QMap<QString, double> runMetrics(qint64 runId, qint64 versionId) const;

private:
    const ProjectStore &m_store;
};

} // namespace facelab::store

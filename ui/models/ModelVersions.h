#pragma once
// What the views show about a project's model versions, read from the store in one call:
// each version's preprocessing (as recorded, never guessed), its import report and whether
// LibTorch agreed with OpenCV dnn, how many faces it has embedded and pairs it has scored.
// Quick reads (a few small queries per version): fine on the GUI thread.
#include "store/DecisionThreshold.h"
#include "store/ModelTable.h"

#include <QJsonObject>
#include <QMap>
#include <QVector>

namespace facelab::ui {

// Above this max |FaceLab - second runtime| a version is flagged (the import's own limit).
constexpr double kOpenCvAgreementLimit = 1e-4;

struct PreprocessingInfo
{
    bool valid = false;
    QString channelOrder;          // RGB / BGR
    QVector<double> mean, stdDev;  // per channel, in channelOrder
    int width = 0, height = 0;
    QString raw;                   // the JSON as recorded

    static PreprocessingInfo parse(const QString &json);
    QString meanText() const;      // "127, 127, 127" (one value when all equal)
    QString stdText() const;
    QString formula() const;       // "(x − 127) / 128, RGB"
    QString sizeText() const;      // "112 × 112"
};

// The import's cross-check with a second runtime (OpenCV dnn for ONNX). Not applicable (a family
// no second runtime reads) and not run are not failures: only a measured disagreement is flagged.
struct CrossCheckInfo
{
    bool compared = false;   // a comparison ran and produced a number
    bool applicable = false; // the family has a second runtime
    QString runtime;         // "OpenCV dnn"
    double maxDiff = 0;
    double tolerance = kOpenCvAgreementLimit;
    QString note;            // why no comparison, or what differed
    bool flagged() const { return compared && maxDiff > tolerance; }
    bool agrees() const { return compared && maxDiff <= tolerance; }
    QString shortText() const;   // "3.1e-06" / "not applicable" / "no comparison"
    static CrossCheckInfo fromReport(const QJsonObject &report);
};

struct VersionInfo
{
    store::ModelVersionRecord record;
    PreprocessingInfo preprocessing;
    CrossCheckInfo check;
    bool partial = false;      // imported below a complete load (forced); shown wherever the version is
    QString family;            // onnx, iresnet, mbf, pcnn, torchscript
    QString tensorsText;       // "925 of 925 tensors"
    QJsonObject report;        // the import report (empty for versions not imported)
    qint64 embeddings = 0;     // cached face embeddings of this version
    qint64 pairsScored = 0;
    bool current = false;
    int depth = 0;             // lineage depth (0 = imported)
    // The run that made the version (an import or a fine-tuning run) and what it measured.
    qint64 runId = 0;
    QString runKind, runStatus;
    QJsonObject runParams;             // a fine-tuning run's settings (epochs, lr, seed, ...)
    QMap<QString, double> metrics;     // this version's, from that run (val_accuracy, test_accuracy, ...)
    QMap<QString, double> parentMetrics;   // its parent's, from the same run (the "before")
    QStringList children;              // names of the versions fine-tuned from it
    store::DecisionThreshold threshold;   // where it decides "same" (store::decisionThreshold)
};

struct ProjectModels
{
    QVector<VersionInfo> versions;   // parents before their children (lineage order)
    qint64 currentId = 0;
    qint64 usableImages = 0;         // images with a face (found or pre-aligned)
    qint64 images = 0;
    qint64 pairs = 0;
    const VersionInfo *find(qint64 versionId) const;
};

ProjectModels readProjectModels(const store::ProjectStore &store);


} // namespace facelab::ui

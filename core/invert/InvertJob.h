#pragma once
// Inverting a project's model version into images of one of its identities or of one image, end to
// end: the class centres are the normalised mean embeddings of every identity (cached first), the
// prior is the model's BatchNorm statistics or, where BatchNorm was folded away, statistics of its
// convolutions measured on the project's own aligned faces; the images are written as PNG files
// (atomically) and recorded with their parameters and scores in one transaction, and an optional
// judge (another version) scores them too. Live previews and loss terms go out through
// JobContext::publish. Qt at the edge; core/inversion does the optimisation; no torch here.
#include "inversion/InversionTypes.h"
#include "jobs/JobContext.h"
#include "store/InversionTable.h"
#include "store/ProjectStore.h"

#include <QJsonObject>
#include <QStringList>
#include <QVector>

namespace facelab::invert {

struct InvertRequest
{
    QString model;                    // version name; "" = the project's current version
    QString identity;                 // target identity name, or
    QString image;                    // target image: a project image's path, or any photo (its face is found)
    QString judge;                    // version that scores the result too; "" = none
    QString start = QStringLiteral("mean");    // "mean" (the project's mean face, plus a little noise) or "noise"
    inversion::InversionOptions options;
    int measureFaces = 256;           // faces the measured prior is computed on
    QString outDir;                   // also copy the PNGs here ("" = only the project)
    QJsonObject toJson() const;
    static InvertRequest fromJson(const QJsonObject &o);   // missing keys keep their defaults
};

struct InvertReport
{
    qint64 runId = 0;
    QString model, judge, target, targetKind;
    QStringList images;               // absolute paths of the PNGs in the project
    QStringList copies;               // in outDir, when given
    QVector<double> targetCosine;     // under the model inverted, per image
    QVector<int> identityRank;        // 0 where there is no identity to rank
    QVector<double> judgeCosine;
    QVector<int> judgeRank;
    double startCosine = 0;           // batch mean at the first step: the noise level
    int identities = 0;               // classes ranked against
    QString prior;                    // "batchnorm", "measured", "none"
    QStringList priorLayers;
    int priorFaces = 0;               // faces the measured prior was computed on
    int steps = 0, stepsRun = 0;
    bool cancelled = false;
    QString device;
    double seconds = 0, stepsPerSecond = 0;
    QStringList notes;
    double targetCosineMean() const;
    double identityRankMean() const;  // NaN without ranks
    double judgeRankMean() const;     // NaN without a judge
    QJsonObject toJson() const;       // the CLI's --json document
};

// Throws std::runtime_error with a message for the user (unknown version, identity or image, an
// image without a face, too few identities, a prior the model cannot give). A cancel keeps the
// images of the last completed step (report.cancelled) as a result; a cancel before the first step
// throws jobs::Cancelled and records nothing.
InvertReport invertModel(const store::ProjectStore &store, const InvertRequest &request, jobs::JobContext &ctx);

// Scores stored inversions under another version (the judge): cosine to the target as that version
// sees it and the rank of the target identity among its identity centres. Embeds the project under
// the judge first when needed. Returns the scores written.
QVector<store::InversionScore> judgeInversions(const store::ProjectStore &store, const QVector<store::InversionRecord> &records,
                                               const QString &judge, jobs::JobContext &ctx);

} // namespace facelab::invert

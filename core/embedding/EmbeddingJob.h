#pragma once
// Embeddings for every aligned face of a project under one model version, streamed in batches
// (memory stays flat in the image count) and cached; then every pair whose two images have
// embeddings gets its cosine similarity. A second run with the same version computes nothing.
#include "data/ImportReport.h"
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

#include <QJsonObject>

namespace facelab::embedding {

struct EmbedReport
{
    QString version;
    QString backend;            // OpenCV dnn / LibTorch
    int embedded = 0;           // computed now
    int cached = 0;             // already there
    int pairsScored = 0;
    double seconds = 0;
    QVector<data::ImportProblem> problems;   // aligned crops that could not be read
    QJsonObject toJson() const;
};

// Runs the face stage first when images are still pending. Throws std::runtime_error for an
// unknown version or a model file that cannot be loaded.
EmbedReport embedProject(const store::ProjectStore &store, qint64 versionId, jobs::JobContext &ctx, int batch = 64);

// Cosine similarity for every pair whose images both have embeddings under versionId.
int scorePairs(const store::ProjectStore &store, qint64 versionId);

} // namespace facelab::embedding

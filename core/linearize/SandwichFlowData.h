#pragma once
// What the Linearizer view shows of one surrogate, computed off the GUI thread: every usable image
// (up to a cap) through the sandwich f(x) = g_y^-1(A g_x(x)) stage by stage, the teacher's cached
// embedding beside f(x), a 2-D PCA of each stage for the identity scatter plots, and the spectrum
// of A. Qt and OpenCV; no torch, no widgets.
#include <atomic>
#include "store/ProjectStore.h"

#include <QString>
#include <QStringList>
#include <QVector>
#include <opencv2/core.hpp>

#include <vector>

namespace facelab::linearize {

struct SandwichFlowData
{
    QString surrogate, teacher;
    qint64 surrogateId = 0, teacherId = 0;
    QVector<qint64> imageIds;
    QStringList paths, identities;     // aligned crop and identity ("" unknown) per image
    cv::Mat latent, transformed, embedding;   // N x L, N x D, N x D (rows = images)
    cv::Mat teacherEmbedding;          // N x D unit rows; zero rows where none is cached
    cv::Mat pca[3];                    // N x 2 per stage: latent, transformed, embedding
    double pcaExplained[3] = {0, 0, 0};   // variance share of the two components
    std::vector<double> singularValues, energy;
    QString error;                     // non-empty: nothing else is valid
};

// The surrogate named (or the newest one when name is empty). Never throws: a problem is returned
// in `error` for the view to show. Faces go through the surrogate in chunks; a set *cancel stops
// between chunks (error "cancelled"), so a closing window need not wait for 2000 faces.
SandwichFlowData loadSandwichFlow(const QString &projectFolder, const QString &surrogate, int maxImages = 2000,
                                  const std::atomic<bool> *cancel = nullptr);

// Cosine of f(x) with the teacher's embedding of image row i (NaN without a teacher embedding).
double teacherCosine(const SandwichFlowData &d, int row);

} // namespace facelab::linearize

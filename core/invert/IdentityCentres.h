#pragma once
// The identities of a project as a model version sees them: each identity's normalised mean
// embedding (a class centre, as ArcFace's head would hold), from the embedding cache. Model
// inversion aims at one centre and ranks the target among all of them. Qt, no torch.
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

#include <QStringList>
#include <QVector>

#include <vector>

namespace facelab::invert {

struct IdentityCentres
{
    qint64 versionId = 0;
    QVector<qint64> identityIds;   // row order (identity id order)
    QStringList names;
    QVector<int> images;           // embeddings averaged per row
    std::vector<float> rows;       // K x dim, unit rows
    int dim = 0;
    int count() const { return int(identityIds.size()); }
    int indexOf(qint64 identityId) const { return int(identityIds.indexOf(identityId)); }
};

// Embeds the project under the version first when faces lack a cached vector (a job of its own
// size: progress goes to ctx). Identities without any embedded face have no row.
IdentityCentres identityCentres(const store::ProjectStore &store, qint64 versionId, jobs::JobContext &ctx);

// Cosine of a unit vector to every centre, and the rank of row `target` (1 = nearest).
std::vector<double> centreCosines(const IdentityCentres &centres, const float *unit);
int rankOf(const std::vector<double> &cosines, int target);

} // namespace facelab::invert

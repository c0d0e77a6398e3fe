#pragma once
// Linear operations on a trained surrogate's A, each with a before/after report (issue 10):
// rank-k truncation by SVD (verification AUC as a function of k; one k saved as a version) and
// unlearning an identity (A' = (I - P) A with P projecting onto that identity's direction(s) in
// A's range; the edit saved as a version). Figures are over every identity-labelled image of
// the project. Qt edge; no torch.
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

#include <QJsonObject>
#include <vector>

namespace facelab::linearize {

struct RankSweepRequest
{
    QString surrogate;          // version name; "" = the newest surrogate
    std::vector<int> ranks;     // empty: 1, 2, 4, ... up to full
    int saveRank = 0;           // > 0: save A truncated to this rank as a new version
    QString name;               // of the saved version; "" = "<surrogate>-r<k>"
    int maxImages = 0;
};

struct RankSweepReport
{
    QString surrogate, teacher;
    std::vector<int> ranks;
    std::vector<double> auc;    // per rank
    double aucFull = 0, aucTeacher = 0;
    std::vector<double> singularValues, energy;
    qint64 samePairs = 0, differentPairs = 0;
    QString savedVersion;
    qint64 savedVersionId = 0;
    double seconds = 0;
    QJsonObject toJson() const;
};

RankSweepReport rankSweep(const store::ProjectStore &store, const RankSweepRequest &request, jobs::JobContext &ctx);

struct UnlearnRequest
{
    QString identity;           // name as imported
    QString surrogate;          // "" = the newest surrogate
    int directions = 0;         // 0 = the fewest (1, 2, 4, ... 32) that reach the goal
    QString name;               // "" = "<surrogate>-forget-<identity>"
    bool save = true;
    int maxImages = 0;
};

struct SideFigures
{
    double sameBefore = 0, sameAfter = 0;             // mean same-pair similarity
    double differentBefore = 0, differentAfter = 0;   // mean different-pair similarity (pairs of this side)
    double aucBefore = 0, aucAfter = 0;
};

struct UnlearnReport
{
    QString surrogate, identity, version;
    qint64 versionId = 0;
    int directions = 0, images = 0;
    SideFigures forgotten, others;
    double differentBefore = 0, differentAfter = 0;   // mean different-pair similarity
    // The forgotten person's same pairs no longer stand out from their different pairs (AUC on
    // the pairs involving them at most 0.6, or same-pair similarity at or below their different
    // pairs'), while everyone else loses less than 0.01 AUC.
    bool goalMet = false;
    std::vector<QJsonObject> tried;   // per number of directions (auto mode)
    double seconds = 0;
    QJsonObject toJson() const;
};

// The name an unlearning edit of `surrogate` gets by default: "<surrogate>-forget-<identity>"
// (characters a version name cannot hold as '_'), with -2, -3, ... when taken.
QString unlearnedName(const store::ProjectStore &store, const QString &surrogate, const QString &identity);

// Throws std::runtime_error for an unknown identity or one with fewer than 2 images.
UnlearnReport unlearnIdentity(const store::ProjectStore &store, const UnlearnRequest &request, jobs::JobContext &ctx);

} // namespace facelab::linearize

#pragma once
// Plain records exchanged with the project store (QtCore only).
#include <QString>
#include <QtGlobal>
#include <optional>

namespace facelab::store {

enum class Verdict { Same, Different, Skip };
QString verdictName(Verdict v);                       // "same" / "different" / "skip"
std::optional<Verdict> verdictFromName(const QString &s);

enum class RunStatus { Queued, Running, Done, Failed, Cancelled, Interrupted };
QString runStatusName(RunStatus s);

struct ImageRecord
{
    qint64 id = 0;
    qint64 rootId = 0;
    QString relPath;      // relative to its import root
    QString absPath;      // root path + relPath, resolved for this machine
    QString sha256;
    qint64 sizeBytes = 0;
    int width = 0;
    int height = 0;
    qint64 identityId = 0; // 0 when unknown
    QString identity;
    QString faceStatus;    // pending / found / none / prealigned / unreadable (see FaceTable.h)
};

struct PairRecord
{
    qint64 id = 0;
    ImageRecord a;
    ImageRecord b;
    std::optional<bool> truth;       // imported/generated ground truth, if known
    QString origin;                  // imported / generated / mined
    QString split;                   // train / validation / test
    std::optional<Verdict> verdict;  // the user's latest verdict that is not undone
};

struct ProjectStats
{
    qint64 images = 0;
    qint64 identities = 0;
    qint64 pairs = 0;
    qint64 labelled = 0;   // pairs whose current verdict is same or different
    qint64 same = 0;
    qint64 different = 0;
    qint64 skipped = 0;    // pairs whose current verdict is skip
    qint64 pairsWithTruth = 0;
};

struct RunRecord
{
    qint64 id = 0;
    QString kind;
    QString paramsJson;
    QString status;
    QString startedAt;
    QString endedAt;
    QString log;
};

} // namespace facelab::store

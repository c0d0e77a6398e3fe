#pragma once
// The training snapshot of a data-parallel Linearizer run: what rank 0 took from the project (the
// request, the teacher's name, where each face is read from, the training and held-out split, the
// teacher's cached embeddings), written once to a path every worker sees, so workers never read the
// project's tables. The faces themselves are not copied: a pack is named (workers stream it as rank
// 0 does), a project's crops by their path relative to the project folder. Written atomically.
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstddef>
#include <vector>

namespace facelab::linearize {

struct SurrogateImages;

struct LinearizeSnapshotFile
{
    QJsonObject request;                       // LinearizeRequest::toJson()
    QString teacher;                           // the teacher version every worker loads
    QString pack;                              // the .rec pack ("" = the project's crops)
    int maxImages = 0;                         // of the pack
    std::size_t faces = 0;                     // how many faces there are
    QStringList crops;                         // relative to the project folder (not for a pack)
    std::vector<std::size_t> train, heldOut;   // indices into the faces
    std::vector<std::vector<float>> targets;   // per face: the teacher's cached embedding, or empty
};

// Throws std::runtime_error naming the path when it cannot be written.
void writeLinearizeSnapshot(const QString &path, const LinearizeSnapshotFile &snapshot);
// Throws std::runtime_error naming the path and the problem (missing, not a snapshot, truncated,
// an index out of range).
LinearizeSnapshotFile readLinearizeSnapshot(const QString &path);

// The faces a snapshot names, opened from projectFolder (crops) or the pack. Throws
// data::RecordIoError naming a broken pack.
SurrogateImages snapshotImages(const LinearizeSnapshotFile &snapshot, const QString &projectFolder);

} // namespace facelab::linearize

#pragma once
// The face stage of a project: finds the faces in every image not looked at yet, keeps one per
// image (FaceChoice: confidence first, then size and closeness to the centre), stores every face
// with its landmarks, and caches the aligned 112x112 crop in the project (aligned/ID.png) so
// embedding and training never decode the original photo again. One image per face-stage item:
// when a photo holds several faces the others are stored and the user can pick one instead.
#include "ImportReport.h"
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

#include <QJsonObject>

namespace facelab::data {

struct FaceIndexReport
{
    int processed = 0;
    int found = 0;
    int none = 0;
    int preAligned = 0;
    int unreadable = 0;
    int multiFace = 0;                 // images where more than one face was found
    QVector<ImportProblem> problems;   // unreadable files and images without a face
    QJsonObject toJson() const;
};

// Project setting: exactly 112x112 inputs are taken as already aligned ("1", the default) or
// detected like any photo ("0").
constexpr const char *kPreAlignedSetting = "faces/prealigned112";

// Processes every image whose face status is 'pending'. Throws face::FaceModelsMissing (a
// std::runtime_error naming the file and the set-up command) when the models are absent.
FaceIndexReport indexFaces(const store::ProjectStore &store, jobs::JobContext &ctx);

// Re-aligns one image from its chosen face (after the user picked another face) and forgets its
// cached embeddings and pair scores, which described the old face.
void realignImage(const store::ProjectStore &store, qint64 imageId);

} // namespace facelab::data

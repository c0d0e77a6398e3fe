#pragma once
// Imports a folder per identity (LFW layout: ROOT/Name/*; files are images by their content).
// Images are hashed in parallel and written in batched transactions. Re-importing converges:
// the same root by any path, the same place with the same content, changes nothing; new content
// at a known place updates that image (see README, "What an image and a person are").
#include "ImportReport.h"
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

namespace facelab::data {

// Throws ImportError when dir is missing, not a folder, or holds no identity folder with images.
ImportReport importIdentityFolders(const store::ProjectStore &store, const QString &dir, jobs::JobContext &ctx);

} // namespace facelab::data

#pragma once
// Imports a folder per identity (LFW layout: ROOT/Name/*.jpg|png|...). Images are hashed in
// parallel and written in batched transactions.
#include "ImportReport.h"
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

namespace facelab::data {

// Throws ImportError when dir is missing, not a folder, or holds no identity folder with images.
ImportReport importIdentityFolders(const store::ProjectStore &store, const QString &dir, jobs::JobContext &ctx);

} // namespace facelab::data

#pragma once
// InsightFace verification sets (lfw.bin, cfp_fp.bin, agedb_30.bin, ...): a pickle of the tuple
// (list of image bytes, list of issame), pair i being images 2i and 2i+1. The pickle is read by the
// checkpoint engine's restricted unpickler (never Python's: nothing in the file runs, and any
// global but a container is refused). Importing writes each image once, atomically, as
// PROJECT/images/<set>/<i>.<ext> (set = the file's base name), so the rest of FaceLab reads them as
// any imported file, and adds the pairs in file order with their truth (split test): pair order
// is the k-fold order, so `facelab eval --truth imported --folds 10` is the papers' protocol.
// No OpenCV: the bytes are written as they are and judged by the import probe.
#include "ImportReport.h"
#include "jobs/JobContext.h"
#include "store/ProjectStore.h"

#include <string>
#include <vector>

namespace facelab::data {

struct VerificationBin
{
    std::vector<std::string> images;   // 2 per pair
    std::vector<bool> issame;          // per pair
};

// Throws ImportError naming the file: missing, not a pickle, a pickle of something else (and why:
// a refused global, a truncated stream, ...), or image and flag counts that do not match.
VerificationBin readVerificationBin(const QString &path);

// Imports binPath into the project. Throws ImportError, writing and storing nothing, when the
// file cannot be read (above) or when PROJECT/images/<set>/ already holds different images under
// the same names (another file of the same name was imported before). Images that are not images
// are listed as problems and their pairs left out (the folds then shift, which the problem says).
ImportReport importVerificationBin(const store::ProjectStore &store, const QString &binPath, jobs::JobContext &ctx);

// The folder of the set's images inside the project ("images/<set>" made of the file's base name).
QString verificationBinFolder(const store::ProjectStore &store, const QString &binPath);

} // namespace facelab::data

#pragma once
// What the Linearizer's jobs read from a project: the images with an aligned face and, where
// known, their identity; identity-labelled pairs among them for verification figures; and the
// identity-level split into training and held-out people. Qt and OpenCV, no torch.
#include "store/ProjectStore.h"

#include <QString>
#include <QVector>
#include <opencv2/core.hpp>

#include <memory>
#include <vector>

namespace facelab::data {
class RecordIoFaceSet;
}

namespace facelab::linearize {

struct SurrogateImages
{
    QVector<qint64> ids;          // images with a usable aligned crop, id order (0 for a pack's faces)
    QVector<qint64> identity;     // identity id per image (0 = unknown)
    QStringList identityNames;    // per image ("" = unknown)
    QStringList paths;            // aligned crop per image; empty for a pack's faces (see name())

    // Set by packImages: the faces are records of this pack, read when asked for.
    std::shared_ptr<const data::RecordIoFaceSet> pack;
    std::vector<std::size_t> packIndex;   // per image: its image index in the pack

    // Face i as 8-bit BGR: decoded from the pack (throws data::RecordIoError naming the file and the
    // record when it is corrupt), else readAligned(paths[i]). Safe from several threads at once.
    cv::Mat load(int i) const;
    // Where face i comes from, for messages: its crop's path, or "<pack>#<record>".
    QString name(int i) const;
};

// Images whose aligned crop exists (face found or pre-aligned). maxImages > 0 keeps the first ones.
SurrogateImages surrogateImages(const store::ProjectStore &store, int maxImages = 0);

// The faces of an InsightFace RecordIO pack (REC and the .idx beside it: MS1MV2, Glint360k, already
// aligned 112x112) as a training set, streamed: nothing is read but the index and the identity
// records until a face is loaded, and nothing is copied into the project. Identities come from the
// pack (its identity k is identity k + 1 here, named "id k"); ids are 0, so no teacher embedding is
// cached for them. maxImages > 0 keeps the first ones. Throws data::RecordIoError naming the file.
SurrogateImages packImages(const QString &recPath, int maxImages = 0);

// Reads an aligned crop; an empty Mat when unreadable.
cv::Mat readAligned(const QString &path);

struct HeldOutSplit
{
    std::vector<std::size_t> train, heldOut;   // indices into SurrogateImages
    QStringList heldOutIdentities;             // names; empty when split by image
    int trainIdentities = 0;
    QString how;                               // one sentence for the log and the report
};

// Held out by identity when at least 4 identities are known (a fraction of the people, at least
// one, two from six on, never seen in training; images without identity train), else by image
// (also when byImage: a fraction of everyone's images, so the same people are on both sides). Seeded.
HeldOutSplit splitHeldOut(const SurrogateImages &images, double fraction, quint64 seed, bool byImage = false);

// Verification pairs among `subset` (indices into images) by identity: every same-identity pair and
// different-identity pairs, deterministically thinned to at most maxDifferent.
struct IdentityPairs
{
    std::vector<std::size_t> a, b;   // indices into images
    std::vector<unsigned char> same;
};
IdentityPairs identityPairs(const SurrogateImages &images, const std::vector<std::size_t> &subset,
                            std::size_t maxDifferent = 200000);

// Cosine of each pair's rows of `embeddings` (N x D, rows in image order; need not be normalised).
std::vector<double> pairCosines(const cv::Mat &embeddings, const IdentityPairs &pairs);

struct Verification
{
    double auc = 0;
    double bestAccuracy = 0;
    double sameMean = 0, differentMean = 0;   // mean similarity of same / different pairs
    qint64 same = 0, different = 0;
};
// Needs at least one pair of each kind; otherwise all figures are NaN.
Verification verification(const std::vector<double> &scores, const std::vector<unsigned char> &same);

} // namespace facelab::linearize

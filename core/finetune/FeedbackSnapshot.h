#pragma once
// The training data of a fine-tuning run, read once when it starts: the user's verdicts (skips
// left out) on pairs whose two images have aligned faces, divided into training, validation and
// test by the pairs' split. Verdicts given after the snapshot are not seen by that run.
#include "store/ProjectStore.h"
#include "train/TrainingTypes.h"

#include <QStringList>
#include <QVector>

namespace facelab::finetune {

struct SnapshotOptions
{
    // Test-split verdicts are held out for the before/after comparison. Training on them is
    // possible but makes that comparison meaningless; the notes then say so.
    bool includeTestSplit = false;
    // When the validation split has too few usable verdicts (fewer than minValidation, or one
    // class only), this fraction of the training verdicts is held out instead (per class, seeded).
    double holdOutFraction = 0.2;
    int minValidation = 10;
    quint64 seed = 1;
    // Validation on people never trained on: when every image's identity is known and the
    // validation split shares people with training (or is too small), whole people are held out
    // instead (pairs between a held-out and a training person are then left out of both).
    bool identityDisjointValidation = true;
    // Unlabelled faces for distillation: images in no verdict pair, of no validation or test
    // person (and in no test pair), at most this many (seeded sample); 0 = none.
    int maxAnchors = 1000;
};

struct SnapshotPair
{
    qint64 pairId = 0;
    qint64 imageA = 0, imageB = 0;
    bool same = false;
    qint64 identityA = 0, identityB = 0;   // 0 = unknown
};

struct FeedbackSnapshot
{
    QString takenAt;
    qint64 verdicts = 0;               // current same/different verdicts in the project
    QVector<SnapshotPair> train, validation, test;
    QVector<qint64> images;            // every image used by train + validation, id order
    QStringList notes;                 // what was left out or held out, and why
    qint64 testVerdictsExcluded = 0;
    qint64 trainSharingTestImages = 0; // training pairs with an image that a test pair also uses
    qint64 unusable = 0;               // verdicts on pairs without two aligned faces
    QString validationSource;          // "validation split" / "people held out from training verdicts" / ...
    bool validationIdentityDisjoint = false;   // no validation person appears in a training pair
    qint64 crossPairsLeftOut = 0;      // verdicts between a held-out and a training person (identity hold-out)
    QVector<qint64> trainIdentities;   // identities of the training pairs, id order; empty when one is unknown
    QVector<qint64> anchors;           // unlabelled images for distillation, id order
};

// Throws std::runtime_error with a message for the user: no verdicts, none usable (naming the
// first few images and why), one class only.
FeedbackSnapshot takeFeedbackSnapshot(const store::ProjectStore &store, const SnapshotOptions &options);

} // namespace facelab::finetune

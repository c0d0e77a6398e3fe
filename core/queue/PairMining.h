#pragma once
// Adds mined hard pairs to a project: hard negatives and hard positives of one model version
// (HardPairMining.h), stored as origin "mined" with truth from the identities, always in the
// train split, and scored with the version so the queue can order them at once.
#include "HardPairMining.h"
#include "store/ProjectStore.h"

#include <QJsonObject>
#include <QStringList>

namespace facelab::queue {

struct MiningOptions
{
    int maxPairs = 200;            // new pairs in all
    double negativeShare = 0.5;    // of maxPairs for hard negatives; a side that finds fewer leaves the rest to the other
    int neighbours = 32;           // nearest neighbours searched per image
    int positivesPerIdentity = 2;
    // Images seen only in test-split pairs are left out: a mined (train) pair would carry a test
    // face into fine-tuning.
    bool skipTestImages = true;
    SearchOptions search;
};

struct MiningReport
{
    QString version;
    QString backend;               // the neighbour search that ran ("faiss-flat", ...)
    int images = 0;                // embedded images with a known identity that were searched
    int testImagesLeftOut = 0;
    int negativesAdded = 0;
    int positivesAdded = 0;
    double seconds = 0;
    QVector<qint64> pairIds;       // the new pairs, negatives first
    QStringList notes;
    QJsonObject toJson() const;
};

// Throws std::runtime_error with a message for the user when the version does not exist or has
// no embeddings. Identities unknown everywhere: nothing is added and a note says why.
MiningReport minePairs(const store::ProjectStore &store, qint64 versionId, const MiningOptions &opt = {});

} // namespace facelab::queue

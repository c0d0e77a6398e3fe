#include "PairMining.h"

#include "store/EmbeddingTable.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/ScoreTable.h"
#include "store/StoreError.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <cmath>

namespace facelab::queue {
namespace {

// Images that appear in test pairs and in no other split's pair.
QSet<qint64> testOnlyImages(const store::ProjectStore &st)
{
    QSet<qint64> test, other;
    for (const store::PairRecord &p : store::PairTable(st).all())
        for (qint64 img : {p.a.id, p.b.id})
            (p.split == QLatin1String("test") ? test : other).insert(img);
    return test.subtract(other);
}

} // namespace

QJsonObject MiningReport::toJson() const
{
    QJsonArray ids;
    for (qint64 id : pairIds)
        ids.append(id);
    return QJsonObject{{"model", version},
                       {"backend", backend},
                       {"images", images},
                       {"test_images_left_out", testImagesLeftOut},
                       {"hard_negatives_added", negativesAdded},
                       {"hard_positives_added", positivesAdded},
                       {"pair_ids", ids},
                       {"seconds", seconds},
                       {"notes", QJsonArray::fromStringList(notes)}};
}

MiningReport minePairs(const store::ProjectStore &st, qint64 versionId, const MiningOptions &opt)
{
    QElapsedTimer timer;
    timer.start();
    const auto version = store::ModelTable(st).version(versionId);
    if (!version)
        throw std::runtime_error(QStringLiteral("no model version %1 in %2").arg(versionId).arg(st.folder()).toStdString());
    MiningReport rep;
    rep.version = version->name;

    const QSet<qint64> leftOut = opt.skipTestImages ? testOnlyImages(st) : QSet<qint64>();
    QVector<qint64> ids;
    QHash<qint64, qint64> identityOf;
    for (const store::ImageRecord &img : store::ImageTable(st).all()) {
        if (img.identityId == 0)
            continue;
        if (leftOut.contains(img.id)) {
            ++rep.testImagesLeftOut;
            continue;
        }
        ids << img.id;
        identityOf.insert(img.id, img.identityId);
    }
    if (ids.isEmpty()) {
        rep.notes << QStringLiteral("no image with a known identity (outside the test split): nothing to mine; "
                                    "import identity folders to mine hard pairs");
        return rep;
    }
    const QHash<qint64, std::vector<float>> vectors = store::EmbeddingTable(st).get(versionId, ids);
    if (vectors.isEmpty())
        throw std::runtime_error(QStringLiteral("model version %1 has no embeddings yet: run 'facelab embed' first")
                                     .arg(version->name).toStdString());
    EmbeddingSet set;
    for (qint64 id : ids) {
        const auto v = vectors.constFind(id);
        if (v == vectors.constEnd())
            continue;
        if (set.dim == 0)
            set.dim = int(v->size());
        if (int(v->size()) != set.dim)
            continue;
        set.imageIds << id;
        set.identities << identityOf.value(id);
        set.vectors.insert(set.vectors.end(), v->begin(), v->end());
    }
    rep.images = set.size();
    if (set.size() < ids.size())
        rep.notes << QStringLiteral("%1 images with an identity have no embedding under %2 and were not searched")
                         .arg(ids.size() - set.size()).arg(version->name);

    store::PairTable pairs(st);
    const QSet<quint64> stored = pairs.unorderedKeys();
    SearchBackend used = SearchBackend::BruteForce;
    QVector<MinedPair> negatives = mineHardNegatives(set, stored, opt.maxPairs, opt.neighbours, opt.search, &used);
    QVector<MinedPair> positives = mineHardPositives(set, stored, opt.maxPairs, opt.positivesPerIdentity);
    rep.backend = searchBackendName(used);
    int negTarget = int(std::lround(opt.maxPairs * std::clamp(opt.negativeShare, 0.0, 1.0)));
    int posTarget = opt.maxPairs - negTarget;
    if (positives.size() < posTarget)
        negTarget += posTarget - int(positives.size());
    if (negatives.size() < negTarget)
        posTarget += negTarget - int(negatives.size());
    negatives.resize(std::min<qsizetype>(negatives.size(), negTarget));
    positives.resize(std::min<qsizetype>(positives.size(), posTarget));
    if (negatives.isEmpty())
        rep.notes << QStringLiteral("no new hard negatives among the %1 nearest neighbours of each image").arg(opt.neighbours);
    if (positives.isEmpty())
        rep.notes << QStringLiteral("no new hard positives: no identity has two images without a stored pair");

    QVector<double> scores;
    {
        store::Transaction tx(st.db());
        for (const QVector<MinedPair> *list : {&negatives, &positives})
            for (const MinedPair &m : *list) {
                store::NewPair np;
                np.imageA = m.imageA;
                np.imageB = m.imageB;
                np.truth = m.same;
                np.origin = QStringLiteral("mined");
                np.split = QStringLiteral("train");   // never test: mined pairs are for labelling and training
                const auto [id, added] = pairs.insert(np);
                if (!added)
                    continue;
                rep.pairIds << id;
                scores << m.similarity;
                ++(m.same ? rep.positivesAdded : rep.negativesAdded);
            }
        tx.commit();
    }
    store::ScoreTable(st).put(versionId, rep.pairIds, scores);
    rep.seconds = double(timer.nsecsElapsed()) / 1e9;
    return rep;
}

} // namespace facelab::queue

#include "EmbeddingJob.h"

#include "ModelImport.h"
#include "VersionModel.h"
#include "data/FaceIndexer.h"
#include "nn/Embedder.h"
#include "store/EmbeddingTable.h"
#include "store/FaceTable.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/ScoreTable.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <opencv2/imgcodecs.hpp>

namespace facelab::embedding {

QJsonObject EmbedReport::toJson() const
{
    QJsonArray probs;
    for (const auto &p : problems)
        probs.append(QJsonObject{{"file", p.file}, {"reason", p.reason}});
    return QJsonObject{{"model", version},          {"backend", backend},       {"embedded", embedded},
                       {"cached", cached},          {"pairs_scored", pairsScored}, {"seconds", seconds},
                       {"problems", probs}};
}

EmbedReport embedProject(const store::ProjectStore &store, qint64 versionId, jobs::JobContext &ctx, int batch)
{
    QElapsedTimer timer;
    timer.start();
    const auto version = store::ModelTable(store).version(versionId);
    if (!version)
        throw std::runtime_error(QStringLiteral("no model version %1 in %2").arg(versionId).arg(store.folder()).toStdString());
    if (store::FaceTable(store).counts().pending > 0)
        data::indexFaces(store, ctx);

    EmbedReport rep;
    rep.version = version->name;
    store::EmbeddingTable cache(store);
    const QVector<qint64> todo = cache.missing(versionId);
    rep.cached = int(cache.count(versionId));
    if (!todo.isEmpty()) {
        nn::Embedder embedder(openVersion(store, *version), nn::EmbedBackend::Auto);
        rep.backend = QString::fromLatin1(nn::backendName(embedder.backend()));
        for (int start = 0; start < todo.size(); start += batch) {
            ctx.checkCanceled();
            const int end = std::min<int>(start + batch, todo.size());
            std::vector<cv::Mat> faces;
            QVector<qint64> ids;
            for (int i = start; i < end; ++i) {
                const QString path = store::FaceTable::alignedPath(store, todo[i]);
                cv::Mat img = cv::imread(path.toStdString(), cv::IMREAD_COLOR);
                if (img.empty()) {
                    rep.problems.push_back({path, 0, QStringLiteral("aligned crop missing or unreadable; run the face stage again")});
                    continue;
                }
                faces.push_back(std::move(img));
                ids.push_back(todo[i]);
            }
            if (!faces.empty()) {
                std::vector<float> norms;
                const cv::Mat emb = embedder.embed(faces, &norms);
                // A broken model (or diverged fine-tuning) gives NaN; caching it would poison every
                // later score, so stop with the reason instead.
                if (cv::checkRange(emb, true) == false)
                    throw std::runtime_error(QStringLiteral("model version %1 produced NaN or infinite embeddings "
                                                            "(broken model or weights); nothing of this batch was stored")
                                                 .arg(version->name).toStdString());
                cache.put(versionId, ids, emb.ptr<float>(0), emb.cols, norms.data());
                rep.embedded += int(ids.size());
            }
            ctx.setProgress(end, todo.size(), QStringLiteral("Embedding faces with %1").arg(version->name));
        }
    }
    rep.pairsScored = scorePairs(store, versionId);
    rep.seconds = timer.nsecsElapsed() / 1e9;
    ctx.log(QStringLiteral("%1: %2 embedded, %3 cached, %4 pairs scored (%5 s)")
                .arg(rep.version).arg(rep.embedded).arg(rep.cached).arg(rep.pairsScored).arg(rep.seconds, 0, 'f', 1));
    return rep;
}

int scorePairs(const store::ProjectStore &store, qint64 versionId)
{
    const QVector<store::PairTable::Endpoints> pairs = store::PairTable(store).endpoints();
    QVector<qint64> images;
    for (const auto &p : pairs)
        images << p.a << p.b;
    std::sort(images.begin(), images.end());
    images.erase(std::unique(images.begin(), images.end()), images.end());
    const QHash<qint64, std::vector<float>> emb = store::EmbeddingTable(store).get(versionId, images);
    QVector<qint64> ids;
    QVector<double> scores;
    for (const auto &p : pairs) {
        const auto a = emb.constFind(p.a), b = emb.constFind(p.b);
        if (a == emb.constEnd() || b == emb.constEnd() || a->size() != b->size())
            continue;
        // Both vectors are unit length: the dot product is the cosine.
        double dot = 0;
        for (size_t k = 0; k < a->size(); ++k)
            dot += double((*a)[k]) * double((*b)[k]);
        ids << p.id;
        scores << dot;
    }
    store::ScoreTable(store).put(versionId, ids, scores);
    return int(ids.size());
}

} // namespace facelab::embedding

#include "linearize/SurrogateData.h"

#include "data/RecordIoFaceSet.h"
#include "data/RecordIoImage.h"
#include "eval/RankedScores.h"
#include "eval/RocCurve.h"
#include "store/FaceTable.h"
#include "store/ImageTable.h"

#include <QFileInfo>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace facelab::linearize {

SurrogateImages surrogateImages(const store::ProjectStore &store, int maxImages)
{
    SurrogateImages out;
    for (const store::ImageRecord &img : store::ImageTable(store).all()) {
        if (img.faceStatus != QLatin1String("found") && img.faceStatus != QLatin1String("prealigned"))
            continue;
        const QString path = store::FaceTable::alignedPath(store, img.id);
        if (!QFileInfo::exists(path))
            continue;
        out.ids.push_back(img.id);
        out.identity.push_back(img.identityId);
        out.identityNames.push_back(img.identity);
        out.paths.push_back(path);
        if (maxImages > 0 && out.ids.size() >= maxImages)
            break;
    }
    return out;
}

cv::Mat readAligned(const QString &path) { return cv::imread(path.toStdString(), cv::IMREAD_COLOR); }

SurrogateImages packImages(const QString &recPath, int maxImages)
{
    SurrogateImages out;
    auto pack = std::make_shared<const data::RecordIoFaceSet>(recPath.toStdString());
    const std::vector<std::int64_t> identities = pack->identities();
    const std::size_t n = maxImages > 0 ? std::min(pack->imageCount(), std::size_t(maxImages)) : pack->imageCount();
    // Millions of faces: one shared name per identity, no path strings.
    std::map<std::int64_t, QString> names;
    out.ids.fill(0, qsizetype(n));
    out.identity.reserve(qsizetype(n));
    out.identityNames.reserve(qsizetype(n));
    out.packIndex.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t id = identities[i];
        out.identity.push_back(id >= 0 ? qint64(id) + 1 : 0);
        QString &name = names[id];
        if (name.isNull())
            name = id >= 0 ? QStringLiteral("id %1").arg(id) : QStringLiteral("");
        out.identityNames.push_back(name);
        out.packIndex.push_back(i);
    }
    out.pack = std::move(pack);
    return out;
}

QString SurrogateImages::name(int i) const
{
    if (!pack)
        return paths[i];
    return QStringLiteral("%1#%2").arg(QString::fromStdString(pack->reader().recPath())).arg(pack->imageKey(packIndex[std::size_t(i)]));
}

cv::Mat SurrogateImages::load(int i) const
{
    if (!pack)
        return readAligned(paths[i]);
    return data::decodeRecordImage(pack->image(packIndex[std::size_t(i)]), pack->reader().recPath());
}

HeldOutSplit splitHeldOut(const SurrogateImages &images, double fraction, quint64 seed, bool byImage)
{
    HeldOutSplit s;
    std::mt19937_64 rng(seed);
    std::map<qint64, QString> names;
    for (int i = 0; i < images.ids.size(); ++i)
        if (images.identity[i] > 0)
            names[images.identity[i]] = images.identityNames[i];
    const int n = images.ids.size();
    if (names.size() >= 4 && !byImage) {
        std::vector<qint64> ids;
        for (const auto &kv : names)
            ids.push_back(kv.first);
        for (size_t i = ids.size(); i > 1; --i)
            std::swap(ids[i - 1], ids[size_t(rng() % i)]);
        // At least two people when there are six or more, so held-out pairs of both kinds exist.
        const size_t least = ids.size() >= 6 ? 2 : 1;
        const size_t k = std::clamp(size_t(std::lround(fraction * double(ids.size()))), least, ids.size() - 2);
        std::vector<qint64> held(ids.begin(), ids.begin() + long(k));
        std::sort(held.begin(), held.end());
        for (int i = 0; i < n; ++i)
            (std::binary_search(held.begin(), held.end(), images.identity[i]) ? s.heldOut : s.train).push_back(size_t(i));
        for (qint64 id : held)
            s.heldOutIdentities << names[id];
        s.heldOutIdentities.sort();
        s.trainIdentities = int(ids.size() - k);
        s.how = QStringLiteral("held out by identity: %1 of %2 people (%3 images) never seen in training")
                    .arg(k).arg(ids.size()).arg(s.heldOut.size());
    } else {
        std::vector<size_t> order(static_cast<size_t>(n));
        for (size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        for (size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[size_t(rng() % i)]);
        const size_t k = std::clamp(size_t(std::lround(fraction * double(n))), size_t(n > 1 ? 1 : 0), size_t(std::max(0, n - 1)));
        s.heldOut.assign(order.begin(), order.begin() + long(k));
        s.train.assign(order.begin() + long(k), order.end());
        std::sort(s.heldOut.begin(), s.heldOut.end());
        std::sort(s.train.begin(), s.train.end());
        s.trainIdentities = int(names.size());
        s.how = byImage ? QStringLiteral("held out by image: %1 of %2 images (their people are also in training)").arg(k).arg(n)
                        : QStringLiteral("held out by image: %1 of %2 images (fewer than 4 identities known)").arg(k).arg(n);
    }
    return s;
}

IdentityPairs identityPairs(const SurrogateImages &images, const std::vector<std::size_t> &subset, std::size_t maxDifferent)
{
    IdentityPairs p;
    std::vector<std::pair<size_t, size_t>> different;
    for (size_t x = 0; x < subset.size(); ++x) {
        const qint64 ix = images.identity[int(subset[x])];
        if (ix <= 0)
            continue;
        for (size_t y = x + 1; y < subset.size(); ++y) {
            const qint64 iy = images.identity[int(subset[y])];
            if (iy <= 0)
                continue;
            if (ix == iy) {
                p.a.push_back(subset[x]);
                p.b.push_back(subset[y]);
                p.same.push_back(1);
            } else {
                different.emplace_back(subset[x], subset[y]);
            }
        }
    }
    if (different.size() > maxDifferent) {
        // Every k-th pair: deterministic and spread over all identities.
        const double stride = double(different.size()) / double(maxDifferent);
        std::vector<std::pair<size_t, size_t>> kept;
        for (size_t i = 0; i < maxDifferent; ++i)
            kept.push_back(different[size_t(double(i) * stride)]);
        different.swap(kept);
    }
    for (const auto &[a, b] : different) {
        p.a.push_back(a);
        p.b.push_back(b);
        p.same.push_back(0);
    }
    return p;
}

std::vector<double> pairCosines(const cv::Mat &embeddings, const IdentityPairs &pairs)
{
    cv::Mat e;
    embeddings.convertTo(e, CV_64F);
    std::vector<double> norm(size_t(e.rows));
    for (int r = 0; r < e.rows; ++r)
        norm[size_t(r)] = std::max(cv::norm(e.row(r)), 1e-12);
    std::vector<double> out(pairs.a.size());
    for (size_t i = 0; i < pairs.a.size(); ++i) {
        const int a = int(pairs.a[i]), b = int(pairs.b[i]);
        out[i] = e.row(a).dot(e.row(b)) / (norm[size_t(a)] * norm[size_t(b)]);
    }
    return out;
}

Verification verification(const std::vector<double> &scores, const std::vector<unsigned char> &same)
{
    Verification v;
    double sSum = 0, dSum = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
        if (same[i]) {
            ++v.same;
            sSum += scores[i];
        } else {
            ++v.different;
            dSum += scores[i];
        }
    }
    v.sameMean = v.same ? sSum / double(v.same) : NAN;
    v.differentMean = v.different ? dSum / double(v.different) : NAN;
    if (!v.same || !v.different) {
        v.auc = v.bestAccuracy = NAN;
        return v;
    }
    const eval::RankedScores ranked(scores, same);
    v.auc = eval::RocCurve(ranked).auc();
    v.bestAccuracy = ranked.bestAccuracyThreshold().accuracy();
    return v;
}

} // namespace facelab::linearize

#include "linearize/LinearOps.h"

#include "linearize/SurrogateData.h"
#include "linearize/SurrogateVersions.h"
#include "linearizer/LinearAlgebra.h"
#include "linearizer/SurrogateAnalysis.h"
#include "store/EmbeddingTable.h"
#include "store/ModelTable.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QRegularExpression>

#include <cmath>
#include <stdexcept>

namespace facelab::linearize {

namespace {

QJsonValue num(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null); }

// base, or base-2, base-3, ...: the first name not taken in the project.
QString freeName(const store::ProjectStore &store, const QString &base)
{
    const store::ModelTable models(store);
    QString name = base;
    for (int i = 2; models.nameTaken(name); ++i)
        name = QStringLiteral("%1-%2").arg(base).arg(i);
    return name;
}

// The surrogate's stages for every usable image, read in chunks so progress and cancel work.
struct Projected
{
    SurrogateImages images;
    linearizer::SandwichStages stages;
};

Projected project(const store::ProjectStore &store, const nn::FaceModel &surrogate, int maxImages, jobs::JobContext &ctx)
{
    Projected p;
    p.images = surrogateImages(store, maxImages);
    if (p.images.ids.isEmpty())
        throw std::runtime_error("the project has no images with an aligned face");
    std::vector<cv::Mat> z, az, e;
    const int n = p.images.ids.size();
    for (int s = 0; s < n; s += 128) {
        ctx.checkCanceled();
        std::vector<cv::Mat> faces;
        for (int i = s; i < std::min(n, s + 128); ++i) {
            cv::Mat f = readAligned(p.images.paths[i]);
            if (f.empty())
                throw std::runtime_error(QStringLiteral("cannot read the aligned face %1").arg(p.images.paths[i]).toStdString());
            faces.push_back(f);
        }
        const auto st = linearizer::sandwichStages(surrogate, faces);
        z.push_back(st.latent);
        az.push_back(st.transformed);
        e.push_back(st.embedding);
        ctx.setProgress(std::min(n, s + 128), n, QStringLiteral("Projecting faces through the surrogate"));
    }
    cv::vconcat(z, p.stages.latent);
    cv::vconcat(az, p.stages.transformed);
    cv::vconcat(e, p.stages.embedding);
    return p;
}

std::vector<size_t> everyImage(int n)
{
    std::vector<size_t> v(static_cast<size_t>(n));
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = i;
    return v;
}

// Embeddings when A is replaced by a: g_y^-1(z a^T).
cv::Mat embedWithA(const nn::FaceModel &surrogate, const cv::Mat &latent, const cv::Mat &a)
{
    cv::Mat a32;
    a.convertTo(a32, CV_32F);
    return linearizer::embeddingsFromTransformed(surrogate, latent * a32.t());
}

} // namespace

QJsonObject RankSweepReport::toJson() const
{
    QJsonArray rows;
    for (size_t i = 0; i < ranks.size(); ++i)
        rows.append(QJsonObject{{"k", ranks[i]}, {"auc", num(auc[i])},
                                {"energy", num(ranks[i] >= 1 && size_t(ranks[i]) <= energy.size() ? energy[size_t(ranks[i]) - 1] : 1.0)}});
    QJsonArray sv;
    for (double s : singularValues)
        sv.append(s);
    return QJsonObject{{"linearizer", surrogate}, {"teacher", teacher}, {"ranks", rows}, {"auc_full", num(aucFull)},
                       {"auc_teacher", num(aucTeacher)}, {"singular_values", sv}, {"same_pairs", samePairs},
                       {"different_pairs", differentPairs},
                       {"saved", savedVersionId ? QJsonValue(savedVersion) : QJsonValue(QJsonValue::Null)},
                       {"seconds", seconds}};
}

RankSweepReport rankSweep(const store::ProjectStore &store, const RankSweepRequest &request, jobs::JobContext &ctx)
{
    QElapsedTimer timer;
    timer.start();
    const OpenedSurrogate s = openSurrogate(store, request.surrogate);
    RankSweepReport rep;
    rep.surrogate = s.version.name;
    rep.teacher = s.teacher.name;
    const Projected p = project(store, s.model, request.maxImages, ctx);
    const IdentityPairs pairs = identityPairs(p.images, everyImage(p.images.ids.size()));
    const cv::Mat a = linearizer::matrixA(s.model);
    rep.singularValues = linearizer::singularValues(a);
    rep.energy = linearizer::cumulativeEnergy(rep.singularValues);
    const Verification full = verification(pairCosines(p.stages.embedding, pairs), pairs.same);
    if (!full.same || !full.different)
        throw std::runtime_error("a rank sweep needs identity-labelled images of at least two people with two images each");
    rep.aucFull = full.auc;
    rep.samePairs = full.same;
    rep.differentPairs = full.different;
    // The teacher's cached embeddings on the same pairs, when it has them all.
    const auto cached = store::EmbeddingTable(store).get(s.teacher.id, p.images.ids);
    if (cached.size() == p.images.ids.size()) {
        cv::Mat t(p.images.ids.size(), int(cached.begin()->size()), CV_32F);
        for (int i = 0; i < p.images.ids.size(); ++i) {
            const auto &v = cached.value(p.images.ids[i]);
            std::copy(v.begin(), v.end(), t.ptr<float>(i));
        }
        rep.aucTeacher = verification(pairCosines(t, pairs), pairs.same).auc;
    } else {
        rep.aucTeacher = NAN;
    }
    const int maxRank = std::min(a.rows, a.cols);
    rep.ranks = request.ranks;
    if (rep.ranks.empty())
        for (int k = 1; k < maxRank; k *= 2)
            rep.ranks.push_back(k);
    if (rep.ranks.empty() || rep.ranks.back() != maxRank)
        rep.ranks.push_back(maxRank);
    for (size_t i = 0; i < rep.ranks.size(); ++i) {
        ctx.checkCanceled();
        const int k = rep.ranks[i];
        if (k < 1 || k > maxRank)
            throw std::runtime_error(QStringLiteral("rank %1 outside 1..%2").arg(k).arg(maxRank).toStdString());
        const cv::Mat e = embedWithA(s.model, p.stages.latent, linearizer::truncatedRank(a, k));
        rep.auc.push_back(verification(pairCosines(e, pairs), pairs.same).auc);
        ctx.log(QStringLiteral("rank %1: AUC %2 (energy %3)").arg(k).arg(rep.auc.back(), 0, 'f', 4)
                    .arg(rep.energy[size_t(k) - 1], 0, 'f', 4));
        ctx.setProgress(qint64(i + 1), qint64(rep.ranks.size()), QStringLiteral("Rank sweep"));
    }
    if (request.saveRank > 0) {
        if (request.saveRank > maxRank)
            throw std::runtime_error(QStringLiteral("rank %1 outside 1..%2").arg(request.saveRank).arg(maxRank).toStdString());
        const nn::FaceModel cut = linearizer::withMatrixA(s.model, linearizer::truncatedRank(a, request.saveRank));
        const QString name = request.name.isEmpty() ? freeName(store, QStringLiteral("%1-r%2").arg(s.version.name).arg(request.saveRank))
                                                    : request.name;
        const SavedSurrogate saved = saveSurrogate(store, cut, s.version, name, ctx.runId(),
                                                   QJsonObject{{"edit", "rank"}, {"rank", request.saveRank}});
        rep.savedVersion = saved.name;
        rep.savedVersionId = saved.versionId;
        ctx.log(QStringLiteral("saved %1: A truncated to rank %2").arg(saved.name).arg(request.saveRank));
    }
    rep.seconds = timer.nsecsElapsed() / 1e9;
    return rep;
}

QJsonObject UnlearnReport::toJson() const
{
    QJsonArray t;
    for (const auto &o : tried)
        t.append(o);
    return QJsonObject{{"version", versionId ? QJsonValue(version) : QJsonValue(QJsonValue::Null)},
                       {"linearizer", surrogate},
                       {"identity", identity},
                       {"images", images},
                       {"directions", directions},
                       {"forgotten", QJsonObject{{"same_similarity_before", num(forgotten.sameBefore)},
                                                 {"same_similarity_after", num(forgotten.sameAfter)},
                                                 {"different_similarity_before", num(forgotten.differentBefore)},
                                                 {"different_similarity_after", num(forgotten.differentAfter)},
                                                 {"auc_before", num(forgotten.aucBefore)},
                                                 {"auc_after", num(forgotten.aucAfter)}}},
                       {"others", QJsonObject{{"same_similarity_before", num(others.sameBefore)},
                                              {"same_similarity_after", num(others.sameAfter)},
                                              {"auc_before", num(others.aucBefore)},
                                              {"auc_after", num(others.aucAfter)}}},
                       {"different_similarity_mean", num(differentBefore)},
                       {"different_similarity_mean_after", num(differentAfter)},
                       {"goal_met", goalMet},
                       {"tried", t},
                       {"seconds", seconds}};
}

QString unlearnedName(const store::ProjectStore &store, const QString &surrogate, const QString &identity)
{
    QString safeId = identity;
    safeId.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._+-]")), QStringLiteral("_"));
    return freeName(store, QStringLiteral("%1-forget-%2").arg(surrogate, safeId));
}

UnlearnReport unlearnIdentity(const store::ProjectStore &store, const UnlearnRequest &request, jobs::JobContext &ctx)
{
    QElapsedTimer timer;
    timer.start();
    const OpenedSurrogate s = openSurrogate(store, request.surrogate);
    UnlearnReport rep;
    rep.surrogate = s.version.name;
    rep.identity = request.identity;
    const Projected p = project(store, s.model, request.maxImages, ctx);
    const int n = p.images.ids.size();
    std::vector<int> mine;
    for (int i = 0; i < n; ++i)
        if (p.images.identityNames[i] == request.identity)
            mine.push_back(i);
    if (mine.empty())
        throw std::runtime_error(QStringLiteral("no images of an identity named '%1' with an aligned face").arg(request.identity).toStdString());
    if (mine.size() < 2)
        throw std::runtime_error(QStringLiteral("'%1' has one image only: unlearning is measured on its same-person pairs").arg(request.identity).toStdString());
    rep.images = int(mine.size());

    // Pairs split by whether they involve the forgotten identity.
    const IdentityPairs all = identityPairs(p.images, everyImage(n));
    IdentityPairs forgottenPairs, otherPairs;
    for (size_t i = 0; i < all.a.size(); ++i) {
        const bool involves = p.images.identityNames[int(all.a[i])] == request.identity ||
                              p.images.identityNames[int(all.b[i])] == request.identity;
        IdentityPairs &to = involves ? forgottenPairs : otherPairs;
        to.a.push_back(all.a[i]);
        to.b.push_back(all.b[i]);
        to.same.push_back(all.same[i]);
    }
    auto figures = [&](const cv::Mat &emb, SideFigures &f, SideFigures &o, bool after, double &different) {
        const Verification vf = verification(pairCosines(emb, forgottenPairs), forgottenPairs.same);
        const Verification vo = verification(pairCosines(emb, otherPairs), otherPairs.same);
        const Verification va = verification(pairCosines(emb, all), all.same);
        (after ? f.sameAfter : f.sameBefore) = vf.sameMean;
        (after ? f.differentAfter : f.differentBefore) = vf.differentMean;
        (after ? f.aucAfter : f.aucBefore) = vf.auc;
        (after ? o.sameAfter : o.sameBefore) = vo.sameMean;
        (after ? o.differentAfter : o.differentBefore) = vo.differentMean;
        (after ? o.aucAfter : o.aucBefore) = vo.auc;
        different = va.differentMean;
    };
    figures(p.stages.embedding, rep.forgotten, rep.others, false, rep.differentBefore);
    auto goal = [](const SideFigures &f, const SideFigures &o) {
        const bool forgotten = f.aucAfter <= 0.6 || f.sameAfter <= f.differentAfter;
        return forgotten && o.aucBefore - o.aucAfter < 0.01;
    };

    // Candidate directions in A's range (the transformed space): the identity's mean offset from
    // everyone's mean first, then the principal directions of its own spread.
    const cv::Mat &t = p.stages.transformed;
    cv::Mat meanAll, mineRows;
    cv::reduce(t, meanAll, 0, cv::REDUCE_AVG);
    for (int i : mine)
        mineRows.push_back(t.row(i));
    cv::Mat meanMine;
    cv::reduce(mineRows, meanMine, 0, cv::REDUCE_AVG);
    cv::Mat candidates = meanMine - meanAll;
    {
        cv::Mat centred = mineRows - cv::repeat(meanMine, mineRows.rows, 1);
        cv::Mat w, u, vt;
        cv::SVD::compute(centred, w, u, vt);
        candidates.push_back(vt.rowRange(0, std::min(vt.rows, 31)));
    }
    const cv::Mat a = linearizer::matrixA(s.model);
    std::vector<int> tries;
    if (request.directions > 0)
        tries = {std::min(request.directions, candidates.rows)};
    else
        for (int m = 1; m <= candidates.rows; m *= 2)
            tries.push_back(m);
    // Keep the edit that makes the forgotten person's pairs least separable (lowest AUC on them)
    // while the others stay within budget; stop at the first that meets the goal.
    cv::Mat chosenA;
    SideFigures bestF, bestO;
    double bestDifferent = NAN;
    for (int m : tries) {
        ctx.checkCanceled();
        const cv::Mat edited = linearizer::projectOutOfRange(a, candidates.rowRange(0, m));
        SideFigures f = rep.forgotten, o = rep.others;
        double different = 0;
        figures(embedWithA(s.model, p.stages.latent, edited), f, o, true, different);
        const bool met = goal(f, o);
        const bool othersOk = o.aucBefore - o.aucAfter < 0.01;
        rep.tried.push_back(QJsonObject{{"directions", m}, {"forgotten_same_after", num(f.sameAfter)},
                                        {"forgotten_different_after", num(f.differentAfter)},
                                        {"forgotten_auc_after", num(f.aucAfter)}, {"others_auc_after", num(o.aucAfter)},
                                        {"goal_met", met}});
        ctx.log(QStringLiteral("%1 direction(s): %2's pairs AUC %3 -> %4 (same-pair similarity %5 -> %6, their "
                               "different pairs %7 -> %8); everyone else's AUC %9 -> %10")
                    .arg(m).arg(request.identity).arg(f.aucBefore, 0, 'f', 4).arg(f.aucAfter, 0, 'f', 4)
                    .arg(f.sameBefore, 0, 'f', 4).arg(f.sameAfter, 0, 'f', 4).arg(f.differentBefore, 0, 'f', 4)
                    .arg(f.differentAfter, 0, 'f', 4).arg(o.aucBefore, 0, 'f', 4).arg(o.aucAfter, 0, 'f', 4));
        const bool better = chosenA.empty() || (othersOk && (f.aucAfter < bestF.aucAfter ||
                                                             bestO.aucBefore - bestO.aucAfter >= 0.01));
        if (better) {
            chosenA = edited;
            rep.directions = m;
            bestF = f;
            bestO = o;
            bestDifferent = different;
        }
        if (met)
            break;
    }
    rep.forgotten = bestF;
    rep.others = bestO;
    rep.differentAfter = bestDifferent;
    rep.goalMet = goal(bestF, bestO);

    if (request.save) {
        const QString name = request.name.isEmpty() ? unlearnedName(store, s.version.name, request.identity) : request.name;
        const SavedSurrogate saved = saveSurrogate(store, linearizer::withMatrixA(s.model, chosenA), s.version, name, ctx.runId(),
                                                   QJsonObject{{"edit", "unlearn"}, {"identity", request.identity},
                                                               {"directions", rep.directions}});
        rep.version = saved.name;
        rep.versionId = saved.versionId;
        ctx.log(QStringLiteral("saved %1: %2 removed from A's range along %3 direction(s)").arg(saved.name, request.identity).arg(rep.directions));
    }
    rep.seconds = timer.nsecsElapsed() / 1e9;
    return rep;
}

} // namespace facelab::linearize

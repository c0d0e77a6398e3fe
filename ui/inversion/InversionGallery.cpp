#include "ui/inversion/InversionGallery.h"

#include "store/FaceTable.h"
#include "store/ImageTable.h"
#include "store/ModelTable.h"
#include "store/RunTable.h"
#include "ui/inversion/InversionJobs.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <map>

namespace facelab::ui {

namespace {

QString tr(const char *s) { return QCoreApplication::translate("InversionGallery", s); }

// The run's header fields: its parameters, and the prior actually used when the launcher kept it.
void readRunParams(const store::ProjectStore &st, GalleryRun &run)
{
    QJsonObject p;
    try {
        p = QJsonDocument::fromJson(store::RunTable(st).run(run.runId).paramsJson.toUtf8()).object();
    } catch (const std::exception &) {
    }
    if (p.isEmpty() && !run.records.isEmpty())   // the run row is gone: the images keep their own copy
        p = QJsonDocument::fromJson(run.records.front().paramsJson.toUtf8()).object();
    run.steps = p.value("steps").toInt(run.stepsRun);
    run.seed = p.value("seed").toString();
    run.start = p.value("start").toString();
    run.target = p.value("identity").toString();
    if (run.target.isEmpty())
        run.target = QFileInfo(p.value("image").toString()).fileName();
    run.compareGroup = p.value(QLatin1String(inversionparams::kCompareGroup)).toString();
    // The prior actually used (auto resolves by model) is kept with the images' own parameters.
    QJsonObject outcome;
    if (!run.records.isEmpty())
        outcome = QJsonDocument::fromJson(run.records.front().paramsJson.toUtf8())
                      .object().value(QLatin1String(inversionparams::kOutcome)).toObject();
    if (outcome.isEmpty()) {
        run.prior = p.value("prior").toString();
        run.priorDetail = tr("layers not recorded");
    } else {
        run.prior = outcome.value("prior").toString();
        run.priorDetail = priorDescription(run.prior, outcome.value("prior_layers").toArray().size(),
                                           outcome.value("prior_faces").toInt());
    }
}

// Compare partners next to each other, in the order they ran; otherwise newest first.
QVector<GalleryRun> groupCompares(const QVector<GalleryRun> &runs)
{
    QVector<GalleryRun> out;
    QVector<bool> placed(runs.size(), false);
    for (int i = 0; i < runs.size(); ++i) {
        if (placed[i])
            continue;
        if (runs[i].compareGroup.isEmpty()) {
            out << runs[i];
            placed[i] = true;
            continue;
        }
        std::map<qint64, int> group;   // run id -> index: oldest first
        for (int j = i; j < runs.size(); ++j)
            if (!placed[j] && runs[j].compareGroup == runs[i].compareGroup)
                group[runs[j].runId] = j;
        for (const auto &[id, j] : group) {
            out << runs[j];
            placed[j] = true;
        }
    }
    return out;
}

} // namespace

QString priorDescription(const QString &prior, int layers, int faces)
{
    if (prior == QLatin1String("measured"))
        return tr("statistics measured on %1 of the project's faces at %2 convolution outputs").arg(faces).arg(layers);
    if (prior == QLatin1String("batchnorm"))
        return tr("BatchNorm running statistics at %1 layers").arg(layers);
    if (prior == QLatin1String("none"))
        return tr("image priors only");
    return {};
}

QVector<store::InversionRecord> InversionGallery::records() const
{
    QVector<store::InversionRecord> all;
    for (const GalleryRun &r : runs)
        all += r.records;
    return all;
}

InversionGallery loadInversionGallery(const QString &folder, qint64 identityId)
{
    InversionGallery g;
    try {
        const store::ProjectStore st = store::ProjectStore::open(folder);
        const QVector<store::ImageRecord> images = store::ImageTable(st).all();
        std::map<QString, qint64> byName;
        for (const auto &img : images)
            if (img.identityId > 0)
                byName.emplace(img.identity, img.identityId);
        for (const auto &[name, id] : byName)
            g.identities.append({id, name});

        const store::InversionTable table(st);
        if (identityId == 0) {
            const QVector<store::InversionRecord> newest = table.list();
            identityId = !newest.isEmpty() ? (newest.front().identityId > 0 ? newest.front().identityId : -1)
                         : !g.identities.isEmpty() ? g.identities.front().first
                                                   : -1;
        }
        g.identityId = identityId;
        for (const auto &[id, name] : g.identities)
            if (id == identityId)
                g.identity = name;

        // The identity's real faces, as the face stage aligned them.
        for (const auto &img : images) {
            if (identityId <= 0 || img.identityId != identityId || g.faces.size() >= 12)
                continue;
            const QImage face(store::FaceTable::alignedPath(st, img.id));
            if (!face.isNull())
                g.faces << face;
        }

        QHash<qint64, QString> versionName;
        for (const auto &v : store::ModelTable(st).versions())
            versionName.insert(v.id, v.name);
        const QDir dir(folder);
        QVector<GalleryRun> runs;
        QHash<qint64, int> runIndex;
        for (const auto &rec : table.list(std::max<qint64>(identityId, 0))) {
            if (identityId < 0 && rec.identityId > 0)
                continue;
            auto it = runIndex.constFind(rec.runId);
            if (it == runIndex.constEnd()) {
                GalleryRun run;
                run.runId = rec.runId;
                run.model = versionName.value(rec.versionId, tr("(deleted version)"));
                run.stepsRun = rec.stepsRun;
                run.createdAt = rec.createdAt;
                it = runIndex.insert(rec.runId, runs.size());
                runs << run;
            }
            GalleryRun &run = runs[*it];
            run.records << rec;
            GalleryImage im;
            im.path = dir.absoluteFilePath(rec.file);
            im.image = QImage(im.path);
            for (const auto &s : rec.scores) {
                const GalleryScore score{versionName.value(s.versionId, tr("(deleted version)")), s.targetCosine, s.identityRank};
                if (s.versionId == rec.versionId)
                    im.own = score;
                else
                    im.judges << score;
            }
            run.images << im;
        }
        for (GalleryRun &run : runs)
            readRunParams(st, run);
        g.runs = groupCompares(runs);
    } catch (const std::exception &e) {
        g.error = QString::fromUtf8(e.what());
    }
    return g;
}

} // namespace facelab::ui

#include "ui/models/ModelVersions.h"

#include "store/EmbeddingTable.h"
#include "store/FaceTable.h"
#include "store/RunTable.h"
#include "store/ScoreTable.h"
#include "ui/Resources.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QObject>
#include <cmath>

namespace facelab::ui {

namespace {

QString numbers(const QVector<double> &v)
{
    if (v.isEmpty())
        return QStringLiteral("?");
    bool same = true;
    for (double x : v)
        same &= x == v.front();
    if (same)
        return QString::number(v.front(), 'g', 6);
    QStringList parts;
    for (double x : v)
        parts << QString::number(x, 'g', 6);
    return parts.join(QStringLiteral(", "));
}

// Imported versions first, each followed by its fine-tuned descendants (depth-first).
void lineageOrder(const QVector<VersionInfo> &all, qint64 parent, int depth, QVector<VersionInfo> &out,
                  QSet<qint64> &seen)
{
    for (const VersionInfo &v : all) {
        if (v.record.parentId != parent || seen.contains(v.record.id))
            continue;
        seen.insert(v.record.id);
        VersionInfo copy = v;
        copy.depth = depth;
        out.push_back(copy);
        lineageOrder(all, v.record.id, depth + 1, out, seen);
    }
}

} // namespace

PreprocessingInfo PreprocessingInfo::parse(const QString &json)
{
    PreprocessingInfo p;
    p.raw = json;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    if (o.isEmpty())
        return p;
    p.channelOrder = o.value(QStringLiteral("channel_order")).toString();
    for (const QJsonValue &x : o.value(QStringLiteral("mean")).toArray())
        p.mean << x.toDouble();
    for (const QJsonValue &x : o.value(QStringLiteral("std")).toArray())
        p.stdDev << x.toDouble();
    p.width = o.value(QStringLiteral("width")).toInt();
    p.height = o.value(QStringLiteral("height")).toInt();
    p.valid = !p.channelOrder.isEmpty() && p.mean.size() == 3 && p.stdDev.size() == 3 && p.width > 0 && p.height > 0;
    return p;
}

QString PreprocessingInfo::meanText() const
{
    return numbers(mean);
}

QString PreprocessingInfo::stdText() const
{
    return numbers(stdDev);
}

QString PreprocessingInfo::formula() const
{
    if (!valid)
        return QObject::tr("not recorded");
    return QStringLiteral("(x − %1) / %2, %3").arg(meanText(), stdText(), channelOrder);
}

QString PreprocessingInfo::sizeText() const
{
    return valid ? QStringLiteral("%1 × %2").arg(width).arg(height) : QStringLiteral("?");
}

QString CrossCheckInfo::shortText() const
{
    if (compared)
        return QString::number(maxDiff, 'e', 1);
    return applicable ? QObject::tr("no comparison") : QObject::tr("not applicable");
}

CrossCheckInfo CrossCheckInfo::fromReport(const QJsonObject &report)
{
    CrossCheckInfo c;
    if (report.contains(QStringLiteral("cross_check"))) {
        const QJsonObject o = report.value(QStringLiteral("cross_check")).toObject();
        c.applicable = o.value(QStringLiteral("applicable")).toBool();
        c.runtime = o.value(QStringLiteral("runtime")).toString();
        const QJsonValue diff = o.value(QStringLiteral("max_abs_diff"));
        c.compared = diff.isDouble() && std::isfinite(diff.toDouble());
        c.maxDiff = diff.toDouble();
        c.tolerance = o.value(QStringLiteral("tolerance")).toDouble(kOpenCvAgreementLimit);
        c.note = o.value(QStringLiteral("note")).toString();
        return c;
    }
    // Reports written before families existed: ONNX imports compared with OpenCV dnn.
    const QJsonValue diff = report.value(QStringLiteral("max_abs_diff_vs_opencv"));
    c.applicable = !report.isEmpty();
    c.runtime = QStringLiteral("OpenCV dnn");
    c.compared = diff.isDouble() && std::isfinite(diff.toDouble());
    c.maxDiff = diff.toDouble();
    c.note = report.value(QStringLiteral("opencv_note")).toString();
    return c;
}

const VersionInfo *ProjectModels::find(qint64 versionId) const
{
    for (const VersionInfo &v : versions)
        if (v.record.id == versionId)
            return &v;
    return nullptr;
}

ProjectModels readProjectModels(const store::ProjectStore &store)
{
    ProjectModels pm;
    const store::ModelTable models(store);
    const store::RunTable runs(store);
    const store::EmbeddingTable embeddings(store);
    const store::ScoreTable scores(store);
    const auto current = models.current();
    pm.currentId = current ? current->id : 0;
    const store::FaceStatusCounts fc = store::FaceTable(store).counts();
    pm.usableImages = fc.found + fc.prealigned;
    pm.images = fc.found + fc.prealigned + fc.none + fc.unreadable + fc.pending;
    pm.pairs = store.stats().pairs;

    QVector<VersionInfo> all;
    for (const store::ModelVersionRecord &r : models.versions()) {
        VersionInfo v;
        v.record = r;
        v.threshold = store::decisionThreshold(store, r);
        v.current = r.id == pm.currentId;
        v.preprocessing = PreprocessingInfo::parse(r.preprocessingJson);
        if (r.createdByRun > 0) {
            try {
                const store::RunRecord run = runs.run(r.createdByRun);
                v.runId = run.id;
                v.runKind = run.kind;
                v.runStatus = run.status;
                const QJsonObject params = QJsonDocument::fromJson(run.paramsJson.toUtf8()).object();
                if (run.kind == QLatin1String("model-import"))
                    v.report = params;
                else
                    v.runParams = params;
                v.metrics = models.runMetrics(run.id, r.id);
                if (r.parentId > 0)
                    v.parentMetrics = models.runMetrics(run.id, r.parentId);
            } catch (const std::exception &) {
            }
        }
        v.check = CrossCheckInfo::fromReport(v.report);
        v.family = r.family.isEmpty() ? QStringLiteral("onnx") : r.family;
        v.partial = v.report.value(QStringLiteral("partial")).toBool();
        v.tensorsText = v.report.value(QStringLiteral("tensors")).toString();
        if (v.report.isEmpty() && r.parentId > 0)
            v.check.note = QObject::tr("fine-tuned from %1: the same network with new weights, not compared with a "
                                       "second runtime here (exporting it as .onnx runs that check)").arg(r.parentName);
        else if (v.report.isEmpty())
            v.check.note = QObject::tr("no import report for this version, so no LibTorch / OpenCV dnn comparison "
                                       "is recorded");
        v.embeddings = embeddings.count(r.id);
        v.pairsScored = scores.count(r.id);
        all.push_back(v);
    }
    for (VersionInfo &v : all)
        for (const VersionInfo &c : std::as_const(all))
            if (c.record.parentId == v.record.id)
                v.children << c.record.name;
    QSet<qint64> seen;
    lineageOrder(all, 0, 0, pm.versions, seen);
    for (const VersionInfo &v : all)   // a parent that no longer exists: list it anyway
        if (!seen.contains(v.record.id))
            pm.versions.push_back(v);
    return pm;
}

} // namespace facelab::ui

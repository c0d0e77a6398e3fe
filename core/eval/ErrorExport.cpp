#include "ErrorExport.h"

#include "ComparisonImage.h"
#include "EvalError.h"
#include "store/PairTable.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <algorithm>

namespace facelab::eval {

namespace {
const QString kGenerator = QStringLiteral("facelab errors");
const QString kFalsePositives = QStringLiteral("false_positives");
const QString kFalseNegatives = QStringLiteral("false_negatives");

void nameFolders(QVector<ErrorPair> &list, const QString &category)
{
    const int width = std::max(3, int(QString::number(list.size()).size()));
    for (int i = 0; i < list.size(); ++i)
        list[i].folder = QStringLiteral("%1/pair_%2_sim%3")
                             .arg(category)
                             .arg(i + 1, width, 10, QLatin1Char('0'))
                             .arg(list[i].score, 0, 'f', 3);
}

void writeChecked(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.flush())
        throw EvalError(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
    f.close();
    if (f.error() != QFile::NoError)
        throw EvalError(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
}

void mkdirChecked(const QString &path)
{
    if (!QDir().mkpath(path))
        throw EvalError(QStringLiteral("cannot create folder %1 (not writable, or a file is in the way)").arg(path));
}

QString yesNo(bool same)
{
    return same ? QStringLiteral("same") : QStringLiteral("different");
}

// Whether OUT may be replaced: absent, empty, or an earlier export of ours.
void checkReplaceable(const QString &out)
{
    const QFileInfo fi(out);
    if (!fi.exists())
        return;
    if (!fi.isDir())
        throw EvalError(QStringLiteral("%1 exists and is not a folder").arg(out));
    const QDir d(out);
    if (d.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
        return;
    QFile summary(d.filePath(QStringLiteral("summary.json")));
    if (summary.open(QIODevice::ReadOnly) &&
        QJsonDocument::fromJson(summary.readAll()).object().value(QStringLiteral("generator")).toString() == kGenerator)
        return;
    throw EvalError(QStringLiteral("%1 is not empty and holds no earlier error export; choose an empty or new folder").arg(out));
}

QJsonObject errorJson(const ErrorPair &e, const store::PairRecord &p)
{
    return QJsonObject{{"folder", e.folder},     {"pair_id", e.pairId},         {"score", e.score},
                       {"truth", yesNo(e.truthSame)},
                       {"truth_from", e.truthFromVerdict ? QStringLiteral("verdict") : QStringLiteral("imported")},
                       {"path1", p.a.absPath},   {"path2", p.b.absPath},
                       {"identity1", p.a.identity}, {"identity2", p.b.identity}, {"split", p.split}};
}
} // namespace

ErrorList listErrors(const EvalPairs &pairs, double threshold)
{
    ErrorList l;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const bool predicted = pairs.scores[i] >= threshold;
        if (predicted == bool(pairs.same[i]))
            continue;
        const ErrorPair e{pairs.pairIds[int(i)], pairs.scores[i], bool(pairs.same[i]), bool(pairs.fromVerdict[i]), {}};
        (predicted ? l.falsePositives : l.falseNegatives).push_back(e);
    }
    std::sort(l.falsePositives.begin(), l.falsePositives.end(), [](const ErrorPair &a, const ErrorPair &b) {
        return a.score > b.score || (a.score == b.score && a.pairId < b.pairId);
    });
    std::sort(l.falseNegatives.begin(), l.falseNegatives.end(), [](const ErrorPair &a, const ErrorPair &b) {
        return a.score < b.score || (a.score == b.score && a.pairId < b.pairId);
    });
    nameFolders(l.falsePositives, kFalsePositives);
    nameFolders(l.falseNegatives, kFalseNegatives);
    return l;
}

ErrorExportReport exportErrors(const store::ProjectStore &st, const EvalPairs &pairs, const EvalResult &result,
                               const QString &outDir, jobs::JobContext &ctx)
{
    ErrorExportReport r;
    r.outDir = QFileInfo(outDir).absoluteFilePath();
    r.threshold = result.threshold;
    r.errors = listErrors(pairs, result.threshold);
    checkReplaceable(r.outDir);

    const QFileInfo outInfo(r.outDir);
    const QString parent = outInfo.absolutePath();
    mkdirChecked(parent);
    // Staging beside OUT (same file system, so the final rename is atomic).
    QTemporaryDir staging(QDir(parent).filePath(QStringLiteral(".%1.partial-XXXXXX").arg(outInfo.fileName())));
    if (!staging.isValid())
        throw EvalError(QStringLiteral("cannot create a folder in %1: %2").arg(parent, staging.errorString()));
    const QDir stage(staging.path());
    mkdirChecked(stage.filePath(kFalsePositives));
    mkdirChecked(stage.filePath(kFalseNegatives));

    QVector<ErrorPair> all = r.errors.falsePositives + r.errors.falseNegatives;
    QVector<qint64> ids;
    for (const ErrorPair &e : all)
        ids.push_back(e.pairId);
    const QVector<store::PairRecord> records = store::PairTable(st).pairs(ids);
    if (records.size() != all.size())
        throw EvalError(QStringLiteral("pairs were deleted while exporting; export again"));

    QJsonArray fpJson, fnJson;
    for (int i = 0; i < all.size(); ++i) {
        ctx.checkCanceled();
        ctx.setProgress(i, all.size(), QStringLiteral("error folders"));
        const ErrorPair &e = all[i];
        const store::PairRecord &p = records[i];
        const QString dir = stage.filePath(e.folder);
        mkdirChecked(dir);
        const QString img1 = QStringLiteral("img1_") + QFileInfo(p.a.absPath).fileName();
        const QString img2 = QStringLiteral("img2_") + QFileInfo(p.b.absPath).fileName();
        for (const auto &[src, name] : {std::pair{p.a.absPath, img1}, std::pair{p.b.absPath, img2}}) {
            QFile f(src);
            if (!f.copy(QDir(dir).filePath(name)))
                throw EvalError(QStringLiteral("cannot copy %1 into %2: %3").arg(src, dir, f.errorString()));
        }
        const bool predicted = !e.truthSame;   // an error: the prediction is the opposite of the truth
        QString shown1, shown2;
        const QImage face1 = faceForComparison(st, p.a, &shown1), face2 = faceForComparison(st, p.b, &shown2);
        const QImage cmp = comparisonImage(face1, face2, {e.pairId, e.score, result.threshold, e.truthSame, predicted,
                                                          pairs.version.name});
        QByteArray png;
        QBuffer buf(&png);
        buf.open(QIODevice::WriteOnly);
        if (!cmp.save(&buf, "PNG"))
            throw EvalError(QStringLiteral("cannot encode comparison.png for pair %1").arg(e.pairId));
        writeChecked(QDir(dir).filePath(QStringLiteral("comparison.png")), png);

        const QString info =
            QStringLiteral("pair id: %1\nimage 1: %2\nimage 2: %3\nidentity 1: %4\nidentity 2: %5\nscore: %6\n"
                           "threshold: %7\ntruth: %8 (%9)\nprediction: %10\nerror: %11\nmodel version: %12\nsplit: %13\n"
                           "comparison faces: %14, %15\n")
                .arg(e.pairId)
                .arg(p.a.absPath, p.b.absPath, p.a.identity.isEmpty() ? QStringLiteral("unknown") : p.a.identity,
                     p.b.identity.isEmpty() ? QStringLiteral("unknown") : p.b.identity)
                .arg(e.score, 0, 'g', 10)
                .arg(result.threshold, 0, 'g', 10)
                .arg(yesNo(e.truthSame), e.truthFromVerdict ? QStringLiteral("from the user's verdict")
                                                             : QStringLiteral("imported truth"),
                     yesNo(predicted), predicted ? QStringLiteral("false positive") : QStringLiteral("false negative"),
                     pairs.version.name, p.split, shown1.isEmpty() ? QStringLiteral("unreadable") : shown1,
                     shown2.isEmpty() ? QStringLiteral("unreadable") : shown2);
        writeChecked(QDir(dir).filePath(QStringLiteral("info.txt")), info.toUtf8());
        (predicted ? fpJson : fnJson).append(errorJson(e, p));
    }

    r.summary = QJsonObject{{"generator", kGenerator},
                            {"model_version", pairs.version.name},
                            {"threshold", result.threshold},
                            {"threshold_source", result.thresholdSource},
                            {"truth_source", truthSourceName(pairs.source)},
                            {"metrics", result.toJson()},
                            {"false_positive_count", r.errors.falsePositives.size()},
                            {"false_negative_count", r.errors.falseNegatives.size()},
                            {"false_positives", fpJson},
                            {"false_negatives", fnJson}};
    writeChecked(stage.filePath(QStringLiteral("summary.json")), QJsonDocument(r.summary).toJson(QJsonDocument::Indented));

    // Swap into place: the old export (if any) is moved aside first and removed only after the
    // new one is in place, so a failure leaves either the old or the new export, never a mix.
    QString aside;
    if (outInfo.exists()) {
        aside = QDir(parent).filePath(QStringLiteral(".%1.old-%2").arg(outInfo.fileName()).arg(QFileInfo(staging.path()).fileName()));
        if (!QDir().rename(r.outDir, aside))
            throw EvalError(QStringLiteral("cannot replace %1 (is it in use or read-only?)").arg(r.outDir));
    }
    if (!QDir().rename(staging.path(), r.outDir)) {
        if (!aside.isEmpty())
            QDir().rename(aside, r.outDir);
        throw EvalError(QStringLiteral("cannot move the export into %1").arg(r.outDir));
    }
    staging.setAutoRemove(false);
    if (!aside.isEmpty())
        QDir(aside).removeRecursively();
    ctx.setProgress(all.size(), all.size(), QStringLiteral("error folders"));
    return r;
}

} // namespace facelab::eval

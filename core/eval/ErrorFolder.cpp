#include "ErrorFolder.h"

#include "EvalError.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace facelab::eval {

namespace {

// The export names the copies img1_<original name>; an entry without the original path falls back
// to listing the folder.
QString imageCopy(const QDir &dir, const QString &prefix, const QString &original)
{
    if (!original.isEmpty()) {
        const QString named = dir.filePath(prefix + QFileInfo(original).fileName());
        if (QFileInfo::exists(named))
            return named;
    }
    const QStringList hits = dir.entryList({prefix + QLatin1Char('*')}, QDir::Files, QDir::Name);
    return hits.isEmpty() ? QString() : dir.filePath(hits.first());
}

QString existing(const QString &path)
{
    return QFileInfo::exists(path) ? path : QString();
}

ExportedPair readPair(const QDir &root, const QJsonObject &e, bool falsePositive, QStringList &problems)
{
    ExportedPair p;
    p.falsePositive = falsePositive;
    p.pairId = e.value(QStringLiteral("pair_id")).toInteger(0);
    p.score = e.value(QStringLiteral("score")).toDouble();
    // The truth of an error is the opposite of its prediction; summary.json also states it.
    const QString truth = e.value(QStringLiteral("truth")).toString();
    p.truthSame = truth.isEmpty() ? !falsePositive : truth == QLatin1String("same");
    p.truthFromVerdict = e.value(QStringLiteral("truth_from")).toString() == QLatin1String("verdict");
    p.sourcePath1 = e.value(QStringLiteral("path1")).toString();
    p.sourcePath2 = e.value(QStringLiteral("path2")).toString();
    p.split = e.value(QStringLiteral("split")).toString();
    const QString rel = e.value(QStringLiteral("folder")).toString();
    if (rel.isEmpty() || QDir::isAbsolutePath(rel) || rel.contains(QLatin1String(".."))) {
        problems << QStringLiteral("an entry of summary.json has no usable folder (pair %1)").arg(p.pairId);
        return p;
    }
    p.folder = root.filePath(rel);
    const QDir dir(p.folder);
    if (!dir.exists()) {
        problems << QStringLiteral("%1 is listed in summary.json but missing").arg(rel);
        return p;
    }
    p.image1 = imageCopy(dir, QStringLiteral("img1_"), p.sourcePath1);
    p.image2 = imageCopy(dir, QStringLiteral("img2_"), p.sourcePath2);
    p.comparison = existing(dir.filePath(QStringLiteral("comparison.png")));
    p.infoFile = existing(dir.filePath(QStringLiteral("info.txt")));
    QStringList missing;
    if (p.image1.isEmpty())
        missing << QStringLiteral("img1_*");
    if (p.image2.isEmpty())
        missing << QStringLiteral("img2_*");
    if (p.infoFile.isEmpty())
        missing << QStringLiteral("info.txt");
    if (!missing.isEmpty())
        problems << QStringLiteral("%1 lacks %2").arg(rel, missing.join(QStringLiteral(", ")));
    return p;
}

} // namespace

ErrorFolder readErrorFolder(const QString &dirPath)
{
    const QFileInfo fi(dirPath);
    const QString dir = fi.absoluteFilePath();
    auto fail = [&dir](const QString &why) { return EvalError(QStringLiteral("%1: %2").arg(dir, why)); };
    if (dirPath.isEmpty())
        throw EvalError(QStringLiteral("no folder given"));
    if (!fi.exists())
        throw fail(QStringLiteral("the folder does not exist"));
    if (!fi.isDir())
        throw fail(QStringLiteral("not a folder"));
    const QDir root(dir);
    if (root.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
        throw fail(QStringLiteral("the folder is empty; choose the folder an error export wrote (it holds "
                                  "summary.json, false_positives/ and false_negatives/)"));
    QFile file(root.filePath(QStringLiteral("summary.json")));
    if (!file.exists())
        throw fail(QStringLiteral("no summary.json, so this is not an error export (choose the folder that holds "
                                  "summary.json, false_positives/ and false_negatives/)"));
    if (!file.open(QIODevice::ReadOnly))
        throw fail(QStringLiteral("cannot read summary.json: %1").arg(file.errorString()));
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
    if (parse.error != QJsonParseError::NoError)
        throw fail(QStringLiteral("summary.json is not valid JSON (%1 at byte %2)").arg(parse.errorString()).arg(parse.offset));
    if (!doc.isObject())
        throw fail(QStringLiteral("summary.json is not a JSON object"));
    const QJsonObject s = doc.object();
    if (!s.value(QStringLiteral("false_positives")).isArray() || !s.value(QStringLiteral("false_negatives")).isArray())
        throw fail(QStringLiteral("summary.json has no false_positives / false_negatives lists, so it was not written "
                                  "by an error export"));

    ErrorFolder f;
    f.dir = dir;
    f.summary = s;
    f.modelVersion = s.value(QStringLiteral("model_version")).toString();
    f.threshold = s.value(QStringLiteral("threshold")).toDouble();
    for (const QJsonValue &v : s.value(QStringLiteral("false_positives")).toArray())
        f.falsePositives.push_back(readPair(root, v.toObject(), true, f.problems));
    for (const QJsonValue &v : s.value(QStringLiteral("false_negatives")).toArray())
        f.falseNegatives.push_back(readPair(root, v.toObject(), false, f.problems));
    // The counts are written beside the lists; a mismatch means someone edited the file.
    for (const auto &[key, n] : {std::pair{QStringLiteral("false_positive_count"), f.falsePositives.size()},
                                 std::pair{QStringLiteral("false_negative_count"), f.falseNegatives.size()}})
        if (s.contains(key) && s.value(key).toInteger() != n)
            f.problems << QStringLiteral("summary.json says %1 = %2 but lists %3").arg(key).arg(s.value(key).toInteger()).arg(n);
    return f;
}

QString readInfo(const ExportedPair &pair)
{
    QFile f(pair.infoFile);
    return !pair.infoFile.isEmpty() && f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

} // namespace facelab::eval

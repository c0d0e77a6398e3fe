#include "ui/errors/BrowsedPair.h"

#include "store/PairTable.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QHash>

namespace facelab::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("facelab::ui::BrowsedPair", text);
}

QString noProject()
{
    return tr("No project is open: open the project this export came from to record verdicts.");
}

// Whether the project's image is the one the export copied: the same file name and, where the copy
// is there to measure, the same size (paths alone would fail for a moved project folder).
bool sameImage(const store::ImageRecord &image, const QString &exportedFrom, const QString &copy)
{
    if (QFileInfo(image.absPath).fileName() != QFileInfo(exportedFrom).fileName())
        return false;
    const qint64 projectSize = image.sizeBytes > 0 ? image.sizeBytes : QFileInfo(image.absPath).size();
    return copy.isEmpty() || projectSize <= 0 || QFileInfo(copy).size() == projectSize;
}

} // namespace

QVector<BrowsedPair> browsedPairs(const PairListing &listing, const store::ProjectStore *st)
{
    QVector<BrowsedPair> rows;
    rows.reserve(listing.pairs.size());
    for (const eval::ErrorPair &p : listing.pairs)
        rows.push_back({p, std::nullopt, st ? QString() : noProject()});
    return rows;
}

QVector<BrowsedPair> browsedPairs(const eval::ErrorFolder &folder, const store::ProjectStore *st)
{
    const QVector<eval::ExportedPair> all = folder.falsePositives + folder.falseNegatives;
    QHash<qint64, store::PairRecord> records;
    QString lookupError;
    if (st) {
        QVector<qint64> ids;
        for (const eval::ExportedPair &e : all)
            if (e.pairId > 0)
                ids.push_back(e.pairId);
        try {
            for (const store::PairRecord &r : store::PairTable(*st).pairs(ids))
                records.insert(r.id, r);
        } catch (const std::exception &ex) {
            lookupError = tr("Could not read the project's pairs: %1").arg(QString::fromUtf8(ex.what()));
        }
    }
    QVector<BrowsedPair> rows;
    rows.reserve(all.size());
    for (const eval::ExportedPair &e : all) {
        BrowsedPair b{{e.pairId, e.score, e.truthSame, e.truthFromVerdict, QFileInfo(e.folder).fileName()}, e, {}};
        const auto it = records.constFind(e.pairId);
        if (!st)
            b.notInProject = noProject();
        else if (!lookupError.isEmpty())
            b.notInProject = lookupError;
        else if (e.pairId <= 0)
            b.notInProject = tr("summary.json does not record this pair's id, so it cannot be matched to a pair of "
                                "the open project.");
        else if (it == records.constEnd())
            b.notInProject = tr("Pair %1 is not in the open project: this export comes from another project.").arg(e.pairId);
        else if (!sameImage(it->a, e.sourcePath1, e.image1) || !sameImage(it->b, e.sourcePath2, e.image2))
            b.notInProject = tr("Pair %1 of the open project joins other images (%2, %3): this export comes from "
                                "another project.")
                                 .arg(e.pairId)
                                 .arg(QFileInfo(it->a.absPath).fileName(), QFileInfo(it->b.absPath).fileName());
        rows.push_back(b);
    }
    return rows;
}

} // namespace facelab::ui

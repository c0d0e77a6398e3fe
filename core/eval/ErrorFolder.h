#pragma once
// Reading back an error export (the layout exportErrors writes): OUT/summary.json lists the false
// positives and false negatives, each naming its pair folder (OUT/false_positives/pair_001_sim0.812/
// with img1_*, img2_*, comparison.png and info.txt). The Errors view browses such a folder without
// the project that wrote it; pair ids and image paths let it match pairs to the open project.
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

namespace facelab::eval {

struct ExportedPair
{
    bool falsePositive = true;
    qint64 pairId = 0;              // 0 when summary.json does not name it
    double score = 0;
    bool truthSame = false;
    bool truthFromVerdict = false;
    QString folder;                 // absolute path of the pair folder
    QString image1, image2;         // absolute paths of img1_* / img2_* ("" when missing)
    QString comparison;             // comparison.png ("" when missing)
    QString infoFile;               // info.txt ("" when missing; read when shown)
    QString sourcePath1, sourcePath2;   // the original images the export copied (summary's path1/2)
    QString split;                  // the pair's split at export time ("" when not recorded)
};

struct ErrorFolder
{
    QString dir;                    // absolute
    QString modelVersion;
    double threshold = 0;
    QJsonObject summary;
    QVector<ExportedPair> falsePositives;   // in summary order (worst first)
    QVector<ExportedPair> falseNegatives;
    QStringList problems;           // pair folders or files that are missing; the rest still browses
};

// Reads dir: summary.json and which files each pair folder has (a few stats per pair, no image or
// info.txt is read, so large exports open quickly). Throws EvalError naming the folder and what is wrong when it is not an error export:
// missing, not a folder, empty, no summary.json, malformed JSON, or a summary without the lists.
ErrorFolder readErrorFolder(const QString &dir);

// The text of a pair's info.txt ("" when it has none or it cannot be read).
QString readInfo(const ExportedPair &pair);

} // namespace facelab::eval

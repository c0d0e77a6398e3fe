#pragma once
// comparison.png of an error folder: the two faces side by side with the score, threshold, truth
// and prediction written under them. No QPainter text, so no QGuiApplication is needed.
#include "store/ProjectStore.h"

#include <QImage>

namespace facelab::eval {

struct ComparisonCaption
{
    qint64 pairId = 0;
    double score = 0;
    double threshold = 0;
    bool truthSame = false;
    bool predictedSame = false;
    QString version;
};

// The face to show for an image: the cached aligned 112x112 crop when present, else the original
// file. A null image when neither can be read. source (optional) receives "aligned"/"original".
QImage faceForComparison(const store::ProjectStore &st, const store::ImageRecord &image, QString *source = nullptr);

// Faces are fitted into equal square panels (aspect kept); a null face shows as "unreadable".
QImage comparisonImage(const QImage &left, const QImage &right, const ComparisonCaption &caption);

constexpr int kComparisonPanel = 224;   // the aligned crop at 2x

} // namespace facelab::eval

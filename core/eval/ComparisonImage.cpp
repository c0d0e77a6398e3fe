#include "ComparisonImage.h"

#include "PixelFont.h"
#include "store/FaceTable.h"

#include <QFileInfo>
#include <QImageReader>

namespace facelab::eval {

namespace {
constexpr int kMargin = 8, kScale = 2, kLine = kGlyphHeight * kScale + 6;
constexpr QRgb kBackground = 0xff202124, kPanel = 0xff3c4043, kText = 0xffe8eaed;
constexpr QRgb kFalseAccept = 0xffff6b6b, kFalseReject = 0xffffb74d, kCorrect = 0xff81c995;

void blitPanel(QImage &canvas, int x0, int y0, const QImage &face)
{
    for (int y = 0; y < kComparisonPanel; ++y)
        for (int x = 0; x < kComparisonPanel; ++x)
            canvas.setPixel(x0 + x, y0 + y, kPanel);
    if (face.isNull()) {
        const QString t = QStringLiteral("unreadable");
        drawPixelText(canvas, x0 + (kComparisonPanel - pixelTextWidth(t, kScale)) / 2, y0 + kComparisonPanel / 2 - 7, t,
                      kText, kScale);
        return;
    }
    const QImage fitted = face.convertToFormat(QImage::Format_RGB32)
                              .scaled(kComparisonPanel, kComparisonPanel, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    const int ox = x0 + (kComparisonPanel - fitted.width()) / 2, oy = y0 + (kComparisonPanel - fitted.height()) / 2;
    for (int y = 0; y < fitted.height(); ++y) {
        const QRgb *src = reinterpret_cast<const QRgb *>(fitted.constScanLine(y));
        QRgb *dst = reinterpret_cast<QRgb *>(canvas.scanLine(oy + y));
        for (int x = 0; x < fitted.width(); ++x)
            dst[ox + x] = src[x];
    }
}

QString fitLine(const QString &s, int width)
{
    const int maxChars = (width / kScale + 1) / kGlyphAdvance;
    return s.size() <= maxChars ? s : s.left(maxChars - 2) + QStringLiteral("..");
}
} // namespace

QImage faceForComparison(const store::ProjectStore &st, const store::ImageRecord &image, QString *source)
{
    const QString aligned = store::FaceTable::alignedPath(st, image.id);
    QImage img;
    if (QFileInfo::exists(aligned) && img.load(aligned)) {
        if (source)
            *source = QStringLiteral("aligned");
        return img;
    }
    QImageReader reader(image.absPath);
    reader.setAutoTransform(true);   // EXIF orientation, as the user sees the photo
    img = reader.read();
    if (source)
        *source = img.isNull() ? QString() : QStringLiteral("original");
    return img;
}

QImage comparisonImage(const QImage &left, const QImage &right, const ComparisonCaption &c)
{
    const QStringList lines = {
        QStringLiteral("score %1  threshold %2").arg(c.score, 0, 'f', 4).arg(c.threshold, 0, 'f', 4),
        QStringLiteral("truth %1  predicted %2")
            .arg(c.truthSame ? QStringLiteral("same") : QStringLiteral("different"),
                 c.predictedSame ? QStringLiteral("same") : QStringLiteral("different")),
        QStringLiteral("model %1").arg(c.version)};
    const int width = 3 * kMargin + 2 * kComparisonPanel;
    const int height = kMargin + kLine + kComparisonPanel + kMargin + int(lines.size()) * kLine + kMargin;
    QImage canvas(width, height, QImage::Format_RGB32);
    canvas.fill(kBackground);

    const bool error = c.truthSame != c.predictedSame;
    const QString title = !error ? QStringLiteral("correct") : c.predictedSame ? QStringLiteral("false positive")
                                                                                : QStringLiteral("false negative");
    const QRgb accent = !error ? kCorrect : c.predictedSame ? kFalseAccept : kFalseReject;
    drawPixelText(canvas, kMargin, kMargin, fitLine(QStringLiteral("%1  pair %2").arg(title).arg(c.pairId), width - 2 * kMargin),
                  accent, kScale);
    const int panelY = kMargin + kLine;
    blitPanel(canvas, kMargin, panelY, left);
    blitPanel(canvas, 2 * kMargin + kComparisonPanel, panelY, right);
    int y = panelY + kComparisonPanel + kMargin;
    for (const QString &line : lines) {
        drawPixelText(canvas, kMargin, y, fitLine(line, width - 2 * kMargin), kText, kScale);
        y += kLine;
    }
    return canvas;
}

} // namespace facelab::eval

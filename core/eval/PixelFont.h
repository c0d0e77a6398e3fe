#pragma once
// A 5x7 pixel font drawn straight into a QImage. QPainter text needs a QGuiApplication and the
// system's fonts; this needs neither, so error export works the same in the GUI, in a headless
// CLI (plain QCoreApplication) and in tests, pixel for pixel. Covers digits, letters (upper case
// drawn as lower case) and . - : = + ( ) / _ # < > ; anything else is drawn as '?'.
#include <QImage>
#include <QString>

namespace facelab::eval {

constexpr int kGlyphWidth = 5, kGlyphHeight = 7, kGlyphAdvance = 6;

int pixelTextWidth(const QString &text, int scale);
// Draws text with its top-left corner at (x, y), each font pixel a scale x scale square.
void drawPixelText(QImage &image, int x, int y, const QString &text, QRgb color, int scale);

} // namespace facelab::eval

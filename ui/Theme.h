#pragma once
// FaceLab's look: Fusion style, one dark neutral palette, the stylesheet in resources/style.qss,
// and the few colours views paint with themselves (verdict colours, face cards).
#include <QColor>

class QApplication;

namespace facelab::ui::theme {

// Applies style, palette, font and stylesheet to the whole application.
void apply(QApplication &app);

inline QColor window() { return QColor(0x1b, 0x1d, 0x21); }
inline QColor surface() { return QColor(0x22, 0x25, 0x2a); }   // panels, sidebar
inline QColor card() { return QColor(0x2a, 0x2d, 0x33); }      // face cards, list rows
inline QColor border() { return QColor(0x36, 0x3a, 0x42); }
inline QColor text() { return QColor(0xe6, 0xe8, 0xeb); }
inline QColor mutedText() { return QColor(0x9a, 0xa1, 0xab); }
inline QColor accent() { return QColor(0x4c, 0x8d, 0xff); }
inline QColor same() { return QColor(0x2f, 0xb3, 0x7a); }
inline QColor different() { return QColor(0xe5, 0x53, 0x4b); }
inline QColor skip() { return QColor(0x8b, 0x94, 0x9e); }
inline QColor warning() { return QColor(0xe3, 0xa2, 0x3b); }

} // namespace facelab::ui::theme

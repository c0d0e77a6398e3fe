#include "ui/Theme.h"

#include "ui/Resources.h"

#include <QApplication>
#include <QFile>
#include <QFont>
#include <QPalette>
#include <QStyleFactory>

namespace facelab::ui::theme {

void apply(QApplication &app)
{
    initResources();
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));

    QPalette p;
    const QColor base(0x17, 0x19, 0x1d);
    p.setColor(QPalette::Window, window());
    p.setColor(QPalette::WindowText, text());
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, surface());
    p.setColor(QPalette::ToolTipBase, QColor(0x30, 0x34, 0x3b));
    p.setColor(QPalette::ToolTipText, text());
    p.setColor(QPalette::PlaceholderText, mutedText());
    p.setColor(QPalette::Text, text());
    p.setColor(QPalette::Button, card());
    p.setColor(QPalette::ButtonText, text());
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x3c, 0x41, 0x49));
    p.setColor(QPalette::Midlight, QColor(0x33, 0x37, 0x3e));
    p.setColor(QPalette::Mid, border());
    p.setColor(QPalette::Dark, QColor(0x12, 0x13, 0x16));
    p.setColor(QPalette::Shadow, QColor(0, 0, 0));
    p.setColor(QPalette::Highlight, accent());
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, accent().lighter(120));
    p.setColor(QPalette::LinkVisited, accent());
    const QColor disabledText(0x6b, 0x71, 0x7a);
    p.setColor(QPalette::Disabled, QPalette::WindowText, disabledText);
    p.setColor(QPalette::Disabled, QPalette::Text, disabledText);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, disabledText);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x3a, 0x3f, 0x47));
    p.setColor(QPalette::Disabled, QPalette::HighlightedText, disabledText);
    app.setPalette(p);

    QFont f = app.font();
    if (f.pointSizeF() < 10)
        f.setPointSizeF(10);
    app.setFont(f);

    QFile qss(QStringLiteral(":/facelab/style.qss"));
    if (qss.open(QIODevice::ReadOnly))
        app.setStyleSheet(QString::fromUtf8(qss.readAll()));
}

} // namespace facelab::ui::theme

#include "ui/models/PreprocessingDialog.h"

#include "ui/Resources.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QGridLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace facelab::ui {

namespace {
struct Preset
{
    const char *key;
    const char *title;
    const char *detail;
};
const Preset kPresets[] = {
    {"frfeature", QT_TRANSLATE_NOOP("PreprocessingDialog", "MobileFaceNet (fr_feature)"),
     QT_TRANSLATE_NOOP("PreprocessingDialog", "RGB, (x − 127) / 128")},
    {"arcface", QT_TRANSLATE_NOOP("PreprocessingDialog", "InsightFace ArcFace (buffalo_l, glint360k r100)"),
     QT_TRANSLATE_NOOP("PreprocessingDialog", "RGB, (x − 127.5) / 127.5")},
    {"magface", QT_TRANSLATE_NOOP("PreprocessingDialog", "MagFace iResNet"),
     QT_TRANSLATE_NOOP("PreprocessingDialog", "BGR, x / 255")},
};
} // namespace

PreprocessingDialog::PreprocessingDialog(const QString &modelFile, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("preprocessingDialog"));
    setWindowTitle(tr("How does this model want its input?"));
    setMinimumWidth(560);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 18, 20, 14);
    v->setSpacing(10);

    auto *head = new QLabel(tr("FaceLab does not recognise <b>%1</b>").arg(QFileInfo(modelFile).fileName().toHtmlEscaped()),
                            this);
    head->setProperty("role", QStringLiteral("subtitle"));
    head->setWordWrap(true);
    auto *intro = new QLabel(tr("Say how the model was trained to read an aligned face: the channel order and the "
                                "normalisation value = (pixel − mean) / std. FaceLab does not guess this — a wrong "
                                "choice still gives scores, just wrong ones. The input size is read from the model."),
                             this);
    intro->setWordWrap(true);
    intro->setProperty("role", QStringLiteral("muted"));
    v->addWidget(head);
    v->addWidget(intro);
    v->addSpacing(4);

    m_group = new QButtonGroup(this);
    auto *grid = new QGridLayout;
    grid->setHorizontalSpacing(16);
    grid->setVerticalSpacing(6);
    int row = 0;
    for (int i = 0; i < int(std::size(kPresets)); ++i) {
        auto *b = new QRadioButton(tr(kPresets[i].title), this);
        b->setObjectName(QStringLiteral("preset_") + QLatin1String(kPresets[i].key));
        b->setProperty("preset", QLatin1String(kPresets[i].key));
        auto *d = new QLabel(tr(kPresets[i].detail), this);
        d->setProperty("role", QStringLiteral("muted"));
        m_group->addButton(b, i);
        grid->addWidget(b, row, 0);
        grid->addWidget(d, row, 1);
        ++row;
    }
    auto *custom = new QRadioButton(tr("Custom"), this);
    custom->setObjectName(QStringLiteral("preset_custom"));
    custom->setProperty("preset", QStringLiteral("custom"));
    m_group->addButton(custom, int(std::size(kPresets)));
    grid->addWidget(custom, row++, 0);
    grid->setColumnStretch(1, 1);
    v->addLayout(grid);

    m_custom = new QWidget(this);
    auto *cg = new QGridLayout(m_custom);
    cg->setContentsMargins(26, 0, 0, 0);
    cg->setHorizontalSpacing(8);
    m_order = new QComboBox(m_custom);
    m_order->setObjectName(QStringLiteral("channelOrder"));
    m_order->addItems({QStringLiteral("RGB"), QStringLiteral("BGR")});
    cg->addWidget(new QLabel(tr("Channel order"), m_custom), 0, 0);
    cg->addWidget(m_order, 0, 1);
    const QString names[3] = {tr("1st"), tr("2nd"), tr("3rd")};
    for (int c = 0; c < 3; ++c) {
        auto *h = new QLabel(names[c], m_custom);
        h->setProperty("role", QStringLiteral("muted"));
        h->setAlignment(Qt::AlignCenter);
        cg->addWidget(h, 1, 1 + c);
        m_mean[c] = new QDoubleSpinBox(m_custom);
        m_std[c] = new QDoubleSpinBox(m_custom);
        m_mean[c]->setObjectName(QStringLiteral("mean%1").arg(c));
        m_std[c]->setObjectName(QStringLiteral("std%1").arg(c));
        for (QDoubleSpinBox *b : {m_mean[c], m_std[c]}) {
            b->setDecimals(3);
            b->setRange(-1000, 1000);
        }
        m_mean[c]->setValue(127.5);
        m_std[c]->setRange(0.0001, 1000);
        m_std[c]->setValue(127.5);
        cg->addWidget(m_mean[c], 2, 1 + c);
        cg->addWidget(m_std[c], 3, 1 + c);
    }
    cg->addWidget(new QLabel(tr("Mean"), m_custom), 2, 0);
    cg->addWidget(new QLabel(tr("Std"), m_custom), 3, 0);
    m_formula = new QLabel(m_custom);
    m_formula->setProperty("role", QStringLiteral("muted"));
    cg->addWidget(m_formula, 4, 0, 1, 4);
    connect(m_order, &QComboBox::currentIndexChanged, this, &PreprocessingDialog::updateCustom);
    for (int c = 0; c < 3; ++c)
        for (QDoubleSpinBox *b : {m_mean[c], m_std[c]})
            connect(b, &QDoubleSpinBox::valueChanged, this, &PreprocessingDialog::updateCustom);
    v->addWidget(m_custom);
    v->addStretch(1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Import with this"));
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(buttons);
    connect(m_group, &QButtonGroup::idToggled, this, [this, buttons](int, bool) {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(m_group->checkedButton() != nullptr);
        m_custom->setEnabled(m_group->checkedId() == int(std::size(kPresets)));
    });
    m_custom->setEnabled(false);
    updateCustom();
}

void PreprocessingDialog::setPreset(const QString &preset)
{
    for (QAbstractButton *b : m_group->buttons())
        if (b->property("preset").toString() == preset)
            b->setChecked(true);
}

void PreprocessingDialog::updateCustom()
{
    const QString ord = m_order->currentText();
    m_formula->setText(tr("value = (%1 − (%2, %3, %4)) / (%5, %6, %7)")
                           .arg(ord)
                           .arg(m_mean[0]->value())
                           .arg(m_mean[1]->value())
                           .arg(m_mean[2]->value())
                           .arg(m_std[0]->value())
                           .arg(m_std[1]->value())
                           .arg(m_std[2]->value()));
}

QString PreprocessingDialog::spec() const
{
    QAbstractButton *b = m_group->checkedButton();
    if (!b)
        return {};
    const QString p = b->property("preset").toString();
    if (p != QLatin1String("custom"))
        return p;
    QJsonArray mean, sd;
    for (int c = 0; c < 3; ++c) {
        mean.append(m_mean[c]->value());
        sd.append(m_std[c]->value());
    }
    // The size is a placeholder: the import takes it from the model's input shape.
    const QJsonObject o{{QStringLiteral("channel_order"), m_order->currentText()},
                        {QStringLiteral("mean"), mean},
                        {QStringLiteral("std"), sd},
                        {QStringLiteral("width"), 112},
                        {QStringLiteral("height"), 112}};
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace facelab::ui

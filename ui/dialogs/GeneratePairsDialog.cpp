#include "ui/dialogs/GeneratePairsDialog.h"

#include "ui/Resources.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace facelab::ui {

GeneratePairsDialog::GeneratePairsDialog(qint64 identitiesAvailable, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Generate pairs"));
    setMinimumWidth(560);
    auto *v = new QVBoxLayout(this);
    v->setContentsMargins(20, 18, 20, 14);
    auto *intro = new QLabel(tr("Draws labelled pairs from the imported identities: half same-identity, half "
                                "different, no duplicates of pairs already in the project. The same seed "
                                "gives the same pairs. This project has <b>%1</b> identities.")
                                 .arg(QLocale().toString(identitiesAvailable)),
                             this);
    intro->setWordWrap(true);
    intro->setProperty("role", QStringLiteral("muted"));
    v->addWidget(intro);
    v->addSpacing(6);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    m_pairs = new QSpinBox(this);
    m_pairs->setObjectName(QStringLiteral("pairsSpin"));
    m_pairs->setRange(2, 1000000);
    m_pairs->setGroupSeparatorShown(true);
    m_pairs->setValue(200);
    m_identities = new QSpinBox(this);
    m_identities->setObjectName(QStringLiteral("identitiesSpin"));
    m_identities->setRange(0, int(std::max<qint64>(2, std::min<qint64>(identitiesAvailable, 10000000))));
    m_identities->setSpecialValueText(tr("all"));
    m_identities->setValue(int(std::min<qint64>(10, std::max<qint64>(2, identitiesAvailable))));
    m_identities->setToolTip(tr("How many identities to draw pairs from (0 = all of them)"));
    m_seed = new QSpinBox(this);
    m_seed->setObjectName(QStringLiteral("seedSpin"));
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setValue(1);
    auto *dice = new QPushButton(tr("Random"), this);
    dice->setToolTip(tr("Pick a new random seed"));
    connect(dice, &QPushButton::clicked, this,
            [this] { m_seed->setValue(int(QRandomGenerator::global()->bounded(1, std::numeric_limits<int>::max()))); });
    auto *seedRow = new QHBoxLayout;
    seedRow->addWidget(m_seed);
    seedRow->addWidget(dice);
    seedRow->addStretch(1);
    for (QSpinBox *s : {m_pairs, m_identities, m_seed})
        s->setMinimumWidth(150);
    form->addRow(tr("Number of pairs:"), m_pairs);
    form->addRow(tr("Identities:"), m_identities);
    form->addRow(tr("Seed:"), seedRow);
    v->addLayout(form);

    auto *splitBox = new QGroupBox(tr("Train / validation / test split"), this);
    auto *sv = new QVBoxLayout(splitBox);
    m_split = new QComboBox(splitBox);
    m_split->setObjectName(QStringLiteral("splitCombo"));
    for (data::SplitMethod m : {data::SplitMethod::PairLevel, data::SplitMethod::IdentityDisjoint})
        m_split->addItem(data::splitMethodName(m), int(m));
    m_explanation = new QLabel(splitBox);
    m_explanation->setObjectName(QStringLiteral("splitExplanation"));
    m_explanation->setWordWrap(true);
    m_explanation->setProperty("role", QStringLiteral("note"));
    auto *fr = new QHBoxLayout;
    m_train = new QSpinBox(splitBox);
    m_train->setRange(0, 100);
    m_train->setSuffix(tr(" % train"));
    m_train->setValue(70);
    m_validation = new QSpinBox(splitBox);
    m_validation->setRange(0, 100);
    m_validation->setSuffix(tr(" % validation"));
    m_validation->setValue(15);
    m_test = new QLabel(splitBox);
    fr->addWidget(m_train);
    fr->addWidget(m_validation);
    fr->addWidget(m_test);
    fr->addStretch(1);
    sv->addWidget(m_split);
    sv->addWidget(m_explanation);
    sv->addLayout(fr);
    v->addWidget(splitBox);
    v->addStretch(1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Generate"));
    buttons->button(QDialogButtonBox::Ok)->setIcon(icon(QStringLiteral("generate")));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(buttons);

    auto clampFractions = [this, buttons] {
        const int test = 100 - m_train->value() - m_validation->value();
        m_test->setText(test >= 0 ? tr("%1 % test").arg(test) : tr("over 100 %"));
        buttons->button(QDialogButtonBox::Ok)->setEnabled(test >= 0);
    };
    connect(m_train, &QSpinBox::valueChanged, this, clampFractions);
    connect(m_validation, &QSpinBox::valueChanged, this, clampFractions);
    connect(m_split, &QComboBox::currentIndexChanged, this, &GeneratePairsDialog::updateExplanation);
    clampFractions();
    updateExplanation();
}

void GeneratePairsDialog::updateExplanation()
{
    const auto m = data::SplitMethod(m_split->currentData().toInt());
    m_explanation->setText(data::splitMethodExplanation(m));
}

data::PairGenOptions GeneratePairsDialog::options() const
{
    data::PairGenOptions o;
    o.pairs = m_pairs->value();
    o.identities = m_identities->value();
    o.seed = quint64(m_seed->value());
    o.split = data::SplitMethod(m_split->currentData().toInt());
    o.trainFraction = m_train->value() / 100.0;
    o.validationFraction = m_validation->value() / 100.0;
    return o;
}

void GeneratePairsDialog::setOptions(const data::PairGenOptions &o)
{
    m_pairs->setValue(o.pairs);
    m_identities->setValue(o.identities);
    m_seed->setValue(int(std::min<quint64>(o.seed, quint64(std::numeric_limits<int>::max()))));
    m_split->setCurrentIndex(m_split->findData(int(o.split)));
    m_train->setValue(int(std::lround(o.trainFraction * 100)));
    m_validation->setValue(int(std::lround(o.validationFraction * 100)));
}

} // namespace facelab::ui

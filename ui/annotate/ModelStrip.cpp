#include "ui/annotate/ModelStrip.h"

#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/models/ModelEngine.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QStyle>
#include <QSignalBlocker>

namespace facelab::ui {

namespace {
QLabel *label(const QString &name, const QString &role, QWidget *parent)
{
    auto *l = new QLabel(parent);
    l->setObjectName(name);
    if (!role.isEmpty())
        l->setProperty("role", role);
    return l;
}
} // namespace

ModelStrip::ModelStrip(QWidget *parent) : QFrame(parent)
{
    setObjectName(QStringLiteral("modelStrip"));
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    auto *h = new QHBoxLayout(this);
    h->setContentsMargins(12, 6, 8, 6);
    h->setSpacing(10);

    m_icon = label(QStringLiteral("modelIcon"), {}, this);
    m_message = label(QStringLiteral("modelMessage"), QStringLiteral("muted"), this);
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::RichText);
    m_name = label(QStringLiteral("modelName"), {}, this);
    m_name->setTextFormat(Qt::RichText);
    m_score = label(QStringLiteral("modelScore"), {}, this);
    m_score->setTextFormat(Qt::RichText);
    m_thresholdCaption = label(QStringLiteral("thresholdCaption"), QStringLiteral("muted"), this);
    m_thresholdCaption->setText(tr("threshold"));
    m_threshold = new QDoubleSpinBox(this);
    m_threshold->setObjectName(QStringLiteral("thresholdBox"));
    m_threshold->setRange(-1.0, 1.0);
    m_threshold->setDecimals(2);
    m_threshold->setSingleStep(0.01);
    m_threshold->setFocusPolicy(Qt::ClickFocus);   // keys belong to the verdicts
    m_threshold->setKeyboardTracking(false);
    m_threshold->setToolTip(tr("Cosine similarity at or above which this model version says \"same person\". "
                               "Stored with the version; the queue puts pairs near it first."));
    m_prediction = label(QStringLiteral("modelPrediction"), {}, this);
    m_prediction->setTextFormat(Qt::RichText);
    m_agreement = label(QStringLiteral("modelAgreement"), {}, this);
    m_agreement->setTextFormat(Qt::RichText);

    m_addDefault = new QPushButton(icon(QStringLiteral("download")), tr("Add the default model"), this);
    m_addDefault->setObjectName(QStringLiteral("stripAddDefaultModel"));
    m_addFile = new QPushButton(icon(QStringLiteral("add-model")), tr("Add model file…"), this);
    m_addFile->setObjectName(QStringLiteral("stripAddModelFile"));
    m_embed = new QPushButton(icon(QStringLiteral("embed")), tr("Embed faces now"), this);
    m_embed->setObjectName(QStringLiteral("stripEmbed"));
    m_embed->setProperty("primary", true);
    for (QPushButton *b : {m_addDefault, m_addFile, m_embed}) {
        b->setFocusPolicy(Qt::NoFocus);
        b->setCursor(Qt::PointingHandCursor);
        b->setProperty("compact", true);
    }
    connect(m_addDefault, &QPushButton::clicked, this, &ModelStrip::addDefaultModelRequested);
    connect(m_addFile, &QPushButton::clicked, this, &ModelStrip::addModelFileRequested);
    connect(m_embed, &QPushButton::clicked, this, &ModelStrip::embedRequested);
    connect(m_threshold, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        updatePair();
        emit thresholdEdited(v);
    });

    h->addWidget(m_icon);
    h->addWidget(m_message, 1);
    h->addWidget(m_name);
    h->addWidget(m_score);
    h->addSpacing(6);
    h->addWidget(m_thresholdCaption);
    h->addWidget(m_threshold);
    h->addSpacing(6);
    h->addWidget(m_prediction);
    h->addWidget(m_agreement);
    // Takes the free space in the model states; the banner's message takes it otherwise.
    m_gap = new QWidget(this);
    m_gap->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    h->addWidget(m_gap, 1);
    h->addWidget(m_addDefault);
    h->addWidget(m_addFile);
    h->addWidget(m_embed);
    setState(State::NoModel);
}

void ModelStrip::setState(State s)
{
    m_state = s;
    const bool banner = s == State::NoEngine || s == State::NoModel;
    const bool model = !banner;
    m_message->setVisible(banner || s == State::NotScored);
    m_gap->setVisible(!banner && s != State::NotScored);
    m_name->setVisible(model && s != State::NotScored);
    m_score->setVisible(model && s != State::NotScored);
    m_thresholdCaption->setVisible(model && s != State::NotScored);
    m_threshold->setVisible(model && s != State::NotScored);
    m_prediction->setVisible(s == State::Shown);
    m_agreement->setVisible(s == State::Shown && m_userSame.has_value());
    m_addDefault->setVisible(s == State::NoModel);
    m_addFile->setVisible(s == State::NoModel);
    m_embed->setVisible(s == State::NotScored);
    m_icon->setPixmap(icon(banner ? QStringLiteral("info") : QStringLiteral("model")).pixmap(18, 18));
    setProperty("banner", banner);
    style()->unpolish(this);
    style()->polish(this);
}

void ModelStrip::showNoEngine()
{
    m_haveModel = false;
    m_message->setText(engine::unavailableText());
    setState(State::NoEngine);
}

void ModelStrip::showNoModel(bool defaultModelPresent)
{
    m_haveModel = false;
    m_message->setText(defaultModelPresent ? tr("No model yet: add one to score the pairs.")
                                           : tr("No model yet: packaging/fetch-models.sh fetches the default one, or "
                                                "add a model file."));
    m_addDefault->setEnabled(defaultModelPresent);
    m_addDefault->setToolTip(defaultModelPresent
                                 ? tr("Import %1 into this project").arg(engine::defaultModelPath())
                                 : tr("%1 is missing: run packaging/fetch-models.sh first").arg(engine::defaultModelPath()));
    setState(State::NoModel);
}

void ModelStrip::setModel(const QString &versionName, const store::DecisionThreshold &threshold, bool anyScores)
{
    m_name->setText(tr("<span style=\"color:%1\">Model</span> <b>%2</b>")
                        .arg(theme::mutedText().name(), versionName.toHtmlEscaped()));
    {
        const QSignalBlocker block(m_threshold);
        m_threshold->setValue(threshold.value);
    }
    const bool stored = threshold.origin == store::DecisionThreshold::Origin::Version;
    m_threshold->setProperty("isDefault", !stored);
    m_thresholdCaption->setText(stored ? tr("threshold") : tr("threshold (%1)").arg(threshold.originShort()));
    m_thresholdCaption->setToolTip(threshold.describe());
    m_anyScores = anyScores;
    m_haveModel = true;
    m_message->setText(tr("Model <b>%1</b> has not scored this project's pairs yet: embed the faces to see its "
                          "scores and put the pairs it is least sure about first.")
                           .arg(versionName.toHtmlEscaped()));
    updatePair();
}

void ModelStrip::setPair(std::optional<double> score, bool reveal, std::optional<bool> userSaysSame)
{
    m_pairScore = score;
    m_reveal = reveal;
    m_userSame = userSaysSame;
    updatePair();
}

double ModelStrip::threshold() const
{
    return m_threshold->value();
}

void ModelStrip::updatePair()
{
    if (!m_haveModel)
        return;
    if (!m_anyScores) {
        setState(State::NotScored);
        return;
    }
    if (!m_pairScore) {
        m_score->setText(tr("<span style=\"color:%1\">· not scored yet</span>").arg(theme::mutedText().name()));
        m_score->setToolTip(tr("No score for this pair: one of its images has no face or no embedding yet "
                               "(see Faces), or it was added after the last embedding run."));
        setState(State::Unscored);
        return;
    }
    if (!m_reveal) {
        m_score->setText(tr("<span style=\"color:%1\">· score hidden until you answer</span>")
                             .arg(theme::mutedText().name()));
        m_score->setToolTip(tr("The model's score appears once this pair has your verdict, so it does not "
                               "anchor your judgement. View ▸ Show model score before answering changes this."));
        setState(State::Hidden);
        return;
    }
    const double s = *m_pairScore, t = m_threshold->value();
    const bool same = s >= t;
    m_score->setText(tr("· cosine <b>%1</b>").arg(QString::number(s, 'f', 3)));
    m_score->setToolTip(tr("Cosine similarity of the two faces' embeddings under this model version"));
    const QColor c = same ? theme::same() : theme::different();
    m_prediction->setText(tr("→ predicts <b style=\"color:%1\">%2</b>").arg(c.name(), same ? tr("same") : tr("different")));
    if (m_userSame) {
        const bool agrees = *m_userSame == same;
        m_agreement->setText(agrees ? tr("<span style=\"color:%1\">✓ agrees with you</span>").arg(theme::same().name())
                                    : tr("<span style=\"color:%1\">✗ disagrees with you</span>").arg(theme::warning().name()));
    } else {
        m_agreement->clear();
    }
    setState(State::Shown);
}

QString ModelStrip::text() const
{
    QStringList parts;
    auto add = [&parts](const QLabel *l) {
        if (l->isHidden() || l->text().isEmpty())
            return;
        QString t = l->text();
        t.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
        parts << t.replace(QStringLiteral("&nbsp;"), QStringLiteral(" "));
    };
    for (const QLabel *l : {m_message, m_name, m_score, m_thresholdCaption})
        add(l);
    if (!m_threshold->isHidden())
        parts << m_threshold->text();
    add(m_prediction);
    add(m_agreement);
    return parts.join(QLatin1Char(' '));
}

} // namespace facelab::ui

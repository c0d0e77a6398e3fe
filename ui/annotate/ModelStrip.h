#pragma once
// The model line under the two faces: which model version scores the pairs, the current pair's
// cosine similarity, the version's threshold (editable) and what the model predicts. The score
// and prediction are hidden until the pair has a verdict unless the user asked to see them
// before (anchoring). Without a model it becomes a quiet banner saying how to get one.
#include "store/DecisionThreshold.h"

#include <QFrame>
#include <optional>

class QDoubleSpinBox;
class QLabel;
class QPushButton;

namespace facelab::ui {

class ModelStrip : public QFrame
{
    Q_OBJECT
public:
    enum class State { NoEngine, NoModel, NotScored, Hidden, Unscored, Shown };

    explicit ModelStrip(QWidget *parent = nullptr);

    void showNoEngine();
    void showNoModel(bool defaultModelPresent);
    // The current version; anyScores: whether it has scored any pair of the project.
    // threshold: the version's (store::decisionThreshold); a threshold not stored with the
    // version says where it comes from in its caption and tooltip.
    void setModel(const QString &versionName, const store::DecisionThreshold &threshold, bool anyScores);
    // The pair on screen: its score under the version (nullopt: not scored), whether to reveal
    // score and prediction, and the user's verdict on it (true = same, false = different).
    void setPair(std::optional<double> score, bool reveal, std::optional<bool> userSaysSame);

    State state() const { return m_state; }
    // Everything the strip shows as plain text (for tests and accessibility).
    QString text() const;
    QDoubleSpinBox *thresholdBox() const { return m_threshold; }
    double threshold() const;

signals:
    void thresholdEdited(double value);
    void addDefaultModelRequested();
    void addModelFileRequested();
    void embedRequested();

private:
    void setState(State s);
    void updatePair();

    State m_state = State::NoModel;
    QLabel *m_icon, *m_message, *m_name, *m_score, *m_thresholdCaption, *m_prediction, *m_agreement;
    QDoubleSpinBox *m_threshold;
    QWidget *m_gap;
    QPushButton *m_addDefault, *m_addFile, *m_embed;
    bool m_haveModel = false;
    bool m_anyScores = false;
    std::optional<double> m_pairScore;
    bool m_reveal = false;
    std::optional<bool> m_userSame;
};

} // namespace facelab::ui

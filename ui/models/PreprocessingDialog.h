#pragma once
// Asked when a model file is not one FaceLab recognises: how does the model want its aligned
// faces turned into numbers? A preset (fr_feature / MobileFaceNet, InsightFace ArcFace, MagFace)
// or a custom channel order, mean and std. FaceLab never guesses this: a wrong answer gives
// plausible-looking but wrong scores. The input size is read from the model itself.
#include <QDialog>

class QButtonGroup;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QRadioButton;

namespace facelab::ui {

class PreprocessingDialog : public QDialog
{
    Q_OBJECT
public:
    explicit PreprocessingDialog(const QString &modelFile, QWidget *parent = nullptr);

    // What importModel takes: "frfeature", "arcface", "magface" or a JSON spec.
    QString spec() const;
    void setPreset(const QString &preset);   // one of the three names, or "custom"

private:
    void updateCustom();
    QButtonGroup *m_group;
    QComboBox *m_order;
    QDoubleSpinBox *m_mean[3], *m_std[3];
    QWidget *m_custom;
    QLabel *m_formula;
};

} // namespace facelab::ui

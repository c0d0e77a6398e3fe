#pragma once
// Pairs > Generate…: how many pairs, from how many identities, the seed, and the split method
// with its explanation (data::splitMethodExplanation).
#include "data/PairGenerator.h"

#include <QDialog>

class QSpinBox;
class QComboBox;
class QLabel;

namespace facelab::ui {

class GeneratePairsDialog : public QDialog
{
    Q_OBJECT
public:
    // identitiesAvailable: identities with images in the project (shown, and bounds the spin box).
    explicit GeneratePairsDialog(qint64 identitiesAvailable, QWidget *parent = nullptr);
    data::PairGenOptions options() const;
    void setOptions(const data::PairGenOptions &o);

private:
    void updateExplanation();

    QSpinBox *m_pairs, *m_identities, *m_seed, *m_train, *m_validation;
    QComboBox *m_split;
    QLabel *m_explanation, *m_test;
};

} // namespace facelab::ui

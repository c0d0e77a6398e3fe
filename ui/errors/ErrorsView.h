#pragma once
// The Errors view: the misclassified pairs of an evaluation at its threshold (eval::listErrors),
// false positives or false negatives, worst first; the chosen pair shown large (both faces, score,
// truth and where the truth came from) with "Truth is wrong", which records the corrective verdict
// (FeedbackTable::add) and asks for a re-evaluation. Opened from the Evaluate view's FP/FN cells.
#include "eval/ErrorExport.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;

namespace facelab::data {
class ImageCache;
}

namespace facelab::ui {

class FaceView;

class ErrorsView : public QWidget
{
    Q_OBJECT
public:
    explicit ErrorsView(QWidget *parent = nullptr);

    void setProject(const store::ProjectStore *store);
    // Lists the false positives (or negatives) of pairs at threshold.
    void showErrors(const eval::EvalPairs &pairs, double threshold, bool falsePositives);

    QListWidget *list() const { return m_list; }
    QPushButton *truthWrongButton() const { return m_truthWrong; }
    const QVector<eval::ErrorPair> &errors() const { return m_errors; }
    qint64 selectedPair() const;
    FaceView *faceA() const { return m_faceA; }
    FaceView *faceB() const { return m_faceB; }

    // Records the verdict opposite to the selected pair's truth; returns false when none is selected.
    bool markTruthWrong();

signals:
    void truthCorrected(qint64 pairId);
    void backRequested();

private:
    void showSelected();

    const store::ProjectStore *m_store = nullptr;
    QVector<eval::ErrorPair> m_errors;
    qint64 m_versionId = 0;
    bool m_falsePositives = true;
    double m_threshold = 0;

    data::ImageCache *m_cache;
    QLabel *m_title, *m_hint, *m_score, *m_truth, *m_names;
    QListWidget *m_list;
    FaceView *m_faceA, *m_faceB;
    QPushButton *m_truthWrong, *m_back;
};

} // namespace facelab::ui

#pragma once
// The Evaluate view: for one model version (and optionally a second to compare with) under a truth
// source, the ROC curve with the operating point, the same/different similarity histograms with a
// draggable threshold line, live confusion counts and metrics at that threshold, and the
// threshold-free numbers (AUC, EER, best threshold, TAR@FAR, k-fold). The pairs are loaded and
// evaluated off the GUI thread; moving the threshold only recounts (eval::confusionAt, O(n)).
#include "eval/EvalPairs.h"
#include "eval/Evaluation.h"

#include <QFutureWatcher>
#include <QWidget>
#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QMouseEvent;
class QPushButton;
class QSlider;
class QStackedWidget;
class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;

namespace facelab::ui {

// What one background evaluation produced (one version, or an error message saying why not).
struct EvaluatedVersion
{
    bool ok = false;
    QString message;             // why not, when !ok
    eval::EvalPairs pairs;
    eval::EvalResult result;
};

struct EvaluationData
{
    EvaluatedVersion primary;
    std::optional<EvaluatedVersion> compare;
};

class EvaluateView : public QWidget
{
    Q_OBJECT
public:
    explicit EvaluateView(QWidget *parent = nullptr);
    ~EvaluateView() override;

    void setProject(const store::ProjectStore *store);

    // Evaluates off the GUI thread in the background (the version: 0 = the combo's choice).
    void evaluate();
    bool isLoading() const;
    bool hasResult() const { return m_data.primary.ok; }
    const EvaluationData &data() const { return m_data; }

    double threshold() const { return m_threshold; }
    void setThreshold(double t);
    eval::Confusion confusion() const { return m_confusion; }

    // The message shown instead of the plots (empty while plots are shown).
    QString message() const;

    QComboBox *versionBox() const { return m_version; }
    QComboBox *compareBox() const { return m_compare; }
    QComboBox *truthBox() const { return m_truth; }
    QDoubleSpinBox *thresholdBox() const { return m_thresholdBox; }
    QCheckBox *logFarBox() const { return m_logFar; }
    QCustomPlot *rocPlot() const { return m_roc; }
    QCustomPlot *histogramPlot() const { return m_hist; }

    // Writes both plots side by side (name_roc.png / name_hist.png style): returns false on failure.
    bool exportPng(const QString &rocFile, const QString &histFile);
    bool exportPdf(const QString &rocFile, const QString &histFile);

    // Evaluates static data in the calling thread (the worker's body; tests use it too).
    static EvaluationData compute(const QString &folder, qint64 versionId, qint64 compareId, eval::TruthSource source);

public slots:
    void refresh();      // reloads the version list and re-evaluates
    void invalidate();   // the project's models or scores changed: refresh now if shown, else when shown

signals:
    void evaluated();   // a background evaluation finished (result or message shown)
    void thresholdChanged(double threshold);
    // The FP (true) or FN (false) cell was clicked: list those pairs (data().primary.pairs at threshold()).
    void errorsRequested(bool falsePositives);

protected:
    void showEvent(QShowEvent *e) override;
    bool eventFilter(QObject *watched, QEvent *e) override;

private:
    void buildPlots();
    void onLoaded();
    void showMessage(const QString &text);
    void plotAll(bool keepThreshold);
    void plotRoc();
    void updateThresholdViews();
    void updateMetricsText();
    void onHistMouse(QMouseEvent *e, bool press);
    void chooseAndExport(bool pdf);

    const store::ProjectStore *m_store = nullptr;
    QFutureWatcher<EvaluationData> m_watcher;
    bool m_pending = false;     // another evaluation was asked for while one ran
    bool m_dirty = true;        // re-evaluate when next shown
    EvaluationData m_data;
    double m_threshold = 0;
    eval::Confusion m_confusion;
    bool m_syncing = false;
    bool m_dragging = false;

    QComboBox *m_version, *m_compare, *m_truth;
    QCheckBox *m_logFar;
    QPushButton *m_reload, *m_pngButton, *m_pdfButton;
    QStackedWidget *m_pages;
    QLabel *m_message, *m_summary, *m_metrics, *m_thresholdMetrics, *m_compareMetrics;
    QLabel *m_tp, *m_fn, *m_fp, *m_tn;
    QDoubleSpinBox *m_thresholdBox;
    QSlider *m_slider;
    QCustomPlot *m_roc, *m_hist;
    QCPGraph *m_rocGraph = nullptr, *m_rocCompareGraph = nullptr, *m_rocPoint = nullptr, *m_diag = nullptr;
    QCPGraph *m_sameGraph = nullptr, *m_diffGraph = nullptr;
    QCPItemStraightLine *m_thresholdLine = nullptr;
    double m_sliderMin = -1, m_sliderMax = 1;
};

} // namespace facelab::ui

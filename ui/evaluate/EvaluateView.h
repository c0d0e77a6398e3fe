#pragma once
// The Evaluate view: for one model version (and optionally a second to compare with) under a truth
// source, the ROC curve with the operating point, the same/different similarity histograms with a
// draggable threshold line, live confusion counts and metrics at that threshold, and the
// threshold-free numbers (AUC, EER, best threshold, TAR@FAR, k-fold). The pairs are loaded and
// evaluated off the GUI thread; moving the threshold only recounts (eval::confusionAt, O(n)).
// A click on a histogram bar or an FP/FN cell lists those pairs in the Errors view; "Export error
// folders…" runs eval::exportErrors at the chosen threshold as a background job.
#include "eval/EvalPairs.h"
#include "eval/Evaluation.h"
#include "store/DecisionThreshold.h"
#include "ui/errors/PairListing.h"
#include "ui/evaluate/ScoreHistogram.h"

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

namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class ErrorExportJob;
class HistogramMouse;
class NotificationBar;

// What one background evaluation produced (one version, or an error message saying why not).
struct EvaluatedVersion
{
    bool ok = false;
    QString message;             // why not, when !ok
    qint64 unscoredVersion = 0;  // the version, when it has no scores yet (its faces not embedded)
    eval::EvalPairs pairs;
    eval::EvalResult result;
    store::DecisionThreshold decision;   // the threshold it was evaluated at, and where it came from
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
    // Where "Export error folders…" runs its job and reports; without it the button stays disabled.
    void setJobs(jobs::JobQueue *jobs, NotificationBar *notify);

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
    HistogramMouse *histogramMouse() const { return m_histMouse; }
    const ScoreHistogram &histogram() const { return m_histogram; }
    QPushButton *exportErrorsButton() const { return m_exportErrors; }
    // Under the message: the button that does what it asks ("Add the default model", "Embed
    // faces with …"); hidden when the message asks for nothing a button can do.
    QPushButton *messageActionButton() const { return m_messageAction; }
    enum class MessageAction { None, AddModel, Embed };
    MessageAction messageAction() const { return message().isEmpty() ? MessageAction::None : m_messageActionKind; }

    // The same- (or different-) person pairs of one histogram bin, as the Errors view lists them.
    PairListing pairsInBin(bool same, int bin) const;
    // The FP/FN cell's pairs at the current threshold.
    PairListing errorPairs(bool falsePositives) const;

    // Exports the errors at the current threshold into dir as a background job (the button's work
    // without its dialog); nullptr when nothing was started.
    jobs::Job *exportErrorsTo(const QString &dir);
    // Where an export chosen as `chosen` goes: chosen itself when it is new, empty or an earlier
    // export; else a subfolder named after the version and threshold (never mixed into other files).
    static QString errorExportFolder(const QString &chosen, const QString &version, double threshold);

    // Writes both plots side by side (name_roc.png / name_hist.png style): returns false on failure.
    bool exportPng(const QString &rocFile, const QString &histFile);
    bool exportPdf(const QString &rocFile, const QString &histFile);

    // Evaluates static data in the calling thread (the worker's body; tests use it too).
    static EvaluationData compute(const QString &folder, qint64 versionId, qint64 compareId, eval::TruthSource source);

public slots:
    void refresh();      // reloads the version list and re-evaluates
    void invalidate();   // the project's models or scores changed: refresh now if shown, else when shown

signals:
    // A background evaluation finished (result or message shown), or refresh() found nothing to
    // evaluate (no model): then at once.
    void evaluated();
    void thresholdChanged(double threshold);
    // The FP (true) or FN (false) cell was clicked: list those pairs (data().primary.pairs at threshold()).
    void errorsRequested(bool falsePositives);
    // A histogram bar was clicked: list its pairs.
    void pairsRequested(const facelab::ui::PairListing &listing);
    // An error export finished; the Errors view can browse dir.
    void errorsExported(const QString &dir);
    // The empty state's button: the project has no model / the version has no scores.
    void addDefaultModelRequested();
    void embedRequested(qint64 versionId);

protected:
    void showEvent(QShowEvent *e) override;
    bool eventFilter(QObject *watched, QEvent *e) override;

private:
    void buildPlots();
    void onLoaded();
    void showMessage(const QString &text, MessageAction action = MessageAction::None, qint64 versionId = 0);
    void plotAll(bool keepThreshold);
    void plotRoc();
    void updateThresholdViews();
    void updateMetricsText();
    void chooseAndExport(bool pdf);
    void chooseAndExportErrors();
    void updateExportErrorsButton();

    const store::ProjectStore *m_store = nullptr;
    QFutureWatcher<EvaluationData> m_watcher;
    bool m_pending = false;     // another evaluation was asked for while one ran
    bool m_dirty = true;        // re-evaluate when next shown
    EvaluationData m_data;
    double m_threshold = 0;
    eval::Confusion m_confusion;
    bool m_syncing = false;
    ScoreHistogram m_histogram;
    HistogramMouse *m_histMouse = nullptr;
    ErrorExportJob *m_errorExport = nullptr;

    QComboBox *m_version, *m_compare, *m_truth;
    QCheckBox *m_logFar;
    QPushButton *m_reload, *m_pngButton, *m_pdfButton, *m_exportErrors, *m_messageAction;
    MessageAction m_messageActionKind = MessageAction::None;
    qint64 m_messageVersion = 0;
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

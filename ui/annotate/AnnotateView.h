#pragma once
// The Annotate view: two faces side by side, Same / Different / Skip, Undo and Back.
// Every verdict goes straight to FeedbackTable::add (committed when it returns; no Save button).
// Images come from data::ImageCache: the next pairs are decoded ahead, so an answer shows the
// next pair at once. Identity names are hidden by default (they bias the labeller).
// Under the faces, the model line (ModelStrip): the current model version's cosine similarity for
// the pair, its threshold and prediction, shown once the pair has a verdict (or always, when the
// user asks); the queue is ordered by that version's uncertainty once it has scored the pairs.
#include "store/DecisionThreshold.h"
#include "store/StoreTypes.h"

#include <QWidget>
#include <memory>

class QAction;
class QLabel;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTimer;
class QToolButton;

namespace facelab::store {
class ProjectStore;
}
namespace facelab::data {
class ImageCache;
class PairQueue;
} // namespace facelab::data

namespace facelab::ui {

class FaceView;
class ModelStrip;
class VerdictButton;

class AnnotateView : public QWidget
{
    Q_OBJECT
public:
    explicit AnnotateView(QWidget *parent = nullptr);
    ~AnnotateView() override;

    // The project to label (nullptr: none). The store must outlive the view's use of it.
    void setProject(const store::ProjectStore *store);
    // Takes a new queue snapshot (after an import or generation). keepPosition: stay on the
    // pair shown now when it is still queued.
    void reloadQueue(bool keepPosition = true);

    data::PairQueue *queue() const { return m_queue.get(); }
    data::ImageCache *imageCache() const { return m_cache; }
    qint64 currentPairId() const;
    FaceView *faceA() const { return m_faceA; }
    FaceView *faceB() const { return m_faceB; }
    VerdictButton *sameButton() const { return m_btnSame; }
    VerdictButton *differentButton() const { return m_btnDifferent; }
    VerdictButton *skipButton() const { return m_btnSkip; }

    enum class Page { NoProject, Empty, Pair, Done };
    Page page() const;

    bool identitiesShown() const { return m_showIdentities; }

    // Actions with their shortcuts (widget-with-children context), for menus and Help.
    QAction *sameAction() const { return m_actSame; }
    QAction *differentAction() const { return m_actDifferent; }
    QAction *skipAction() const { return m_actSkip; }
    QAction *undoAction() const { return m_actUndo; }
    QAction *backAction() const { return m_actBack; }
    QAction *forwardAction() const { return m_actForward; }
    // Checkable; its state is remembered in QSettings ("annotate/showIdentities").
    QAction *showIdentitiesAction() const { return m_actShowIds; }
    // Checkable, remembered ("annotate/showModelBeforeVerdict"): show the model's score and
    // prediction before the pair has a verdict. Off by default (anchoring).
    QAction *showModelBeforeVerdictAction() const { return m_actShowModel; }
    bool modelShownBeforeVerdict() const { return m_showModelEarly; }

    // The model line under the faces, and the version whose scores it shows (0: none).
    ModelStrip *modelStrip() const { return m_modelStrip; }
    qint64 modelVersion() const { return m_versionId; }
    double modelThreshold() const { return m_threshold; }
    // The line that reports the last answer next to the model's view of that pair.
    QString lastAnswerText() const;

public slots:
    void answer(facelab::store::Verdict v);
    void undo();
    void back();
    void forward();
    void setIdentitiesShown(bool shown);
    void setModelShownBeforeVerdict(bool shown);
    // Reads the current model version again (after an import, a change of the current version,
    // a threshold edited elsewhere, or with scoresUpdated after an embedding run) and re-orders
    // the queue by its uncertainty when its order changed: a new version or new scores start at
    // the most uncertain open pair; a new threshold keeps the pair on screen.
    void refreshModel(bool scoresUpdated = false);

signals:
    // Counts or position changed (for status bars).
    void progressChanged();
    void statusMessage(const QString &text, int timeoutMs);
    // Buttons of the empty state.
    void importIdentitiesRequested();
    void importPairsRequested();
    void generatePairsRequested();
    // The model line's buttons and threshold.
    void addDefaultModelRequested();
    void addModelFileRequested();
    void embedRequested();
    void thresholdChanged(qint64 versionId, double threshold);

protected:
    void mousePressEvent(QMouseEvent *e) override;
    void showEvent(QShowEvent *e) override;

private:
    QWidget *buildPairPage();
    QWidget *buildDonePage();
    QWidget *buildEmptyPage();
    QWidget *buildNoProjectPage();
    void showCurrent();
    void updateHeader();
    void updateVerdictButtons(const std::optional<store::Verdict> &v);
    void prefetch();
    void flash(store::Verdict v);
    void readModel();
    void updateModelStrip();
    std::optional<double> scoreOf(qint64 pairId) const;
    void onThresholdEdited(double t);

    const store::ProjectStore *m_store = nullptr;
    std::unique_ptr<data::PairQueue> m_queue;
    data::ImageCache *m_cache = nullptr;
    bool m_showIdentities = false;

    QStackedWidget *m_pages = nullptr;
    QWidget *m_pairPage = nullptr, *m_donePage = nullptr, *m_emptyPage = nullptr, *m_noProjectPage = nullptr;
    QWidget *m_header = nullptr;
    QLabel *m_position = nullptr;
    QLabel *m_counts = nullptr;
    QProgressBar *m_progress = nullptr;
    QToolButton *m_idsButton = nullptr;
    FaceView *m_faceA = nullptr, *m_faceB = nullptr;
    QLabel *m_nameA = nullptr, *m_nameB = nullptr;
    QLabel *m_verdictNote = nullptr;
    VerdictButton *m_btnSame = nullptr, *m_btnDifferent = nullptr, *m_btnSkip = nullptr;
    QToolButton *m_btnBack = nullptr, *m_btnForward = nullptr, *m_btnUndo = nullptr;
    QLabel *m_doneTitle = nullptr, *m_doneText = nullptr;
    QPushButton *m_doneReview = nullptr, *m_doneLast = nullptr;

    QAction *m_actSame = nullptr, *m_actDifferent = nullptr, *m_actSkip = nullptr;
    QAction *m_actUndo = nullptr, *m_actBack = nullptr, *m_actForward = nullptr, *m_actShowIds = nullptr;
    QAction *m_actShowModel = nullptr;

    // The current model version (0: none) and what the queue is ordered by.
    ModelStrip *m_modelStrip = nullptr;
    QLabel *m_lastAnswer = nullptr;
    QTimer *m_reorderTimer = nullptr;
    qint64 m_versionId = 0;
    QString m_versionName;
    double m_threshold = 0.0;
    store::DecisionThreshold m_thresholdRule;   // where m_threshold comes from
    bool m_hasScores = false;
    bool m_showModelEarly = false;
};

} // namespace facelab::ui

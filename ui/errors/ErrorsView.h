#pragma once
// The Errors view: a list of pairs with the chosen one shown large and actions on it. The list is
// either pairs of the current evaluation (the FP/FN cells or a histogram bar of the Evaluate view,
// no export needed) or an exported errors folder (grouped false positives / false negatives, the
// images and info.txt read from the folder). Actions: "Truth is wrong" (the opposite verdict, then
// a re-evaluation), "Add to training feedback" (the truth as the user's verdict, after a warning for
// test-split pairs) and "Open folder". Verdicts go to the open project only, and only for pairs
// that are its own.
#include "ui/errors/BrowsedPair.h"

#include <QWidget>
#include <functional>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;

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
    void showPairs(const PairListing &listing);
    // Nothing to list yet: one line saying what to do and, with actionText, the button that does it.
    void showEmptyState(const QString &hint, const QString &actionText = {}, std::function<void()> action = {});
    // Whether a listing or an exported folder is shown (not the empty state).
    bool hasListing() const { return m_folder.has_value() || !m_listing.title.isEmpty(); }
    QPushButton *emptyActionButton() const { return m_emptyAction; }
    // Browses an exported errors folder; on failure keeps the current list and message() says which
    // folder and what is wrong.
    bool openFolder(const QString &dir);
    // Where "Open exported folder…" starts (the last export).
    void setSuggestedFolder(const QString &dir) { m_suggestedFolder = dir; }
    // Asks before adding a test-split pair to training feedback; returns whether to go on. The
    // default shows a question box; tests answer it themselves.
    void setConfirmation(std::function<bool(const QString &warning)> confirm) { m_confirm = std::move(confirm); }

    QString title() const;
    QString message() const;              // the last folder error ("" after a successful load)
    bool isBrowsingFolder() const { return m_folder.has_value(); }
    const std::optional<eval::ErrorFolder> &folder() const { return m_folder; }
    QTreeWidget *tree() const { return m_tree; }
    int pairCount() const { return int(m_rows.size()); }
    const QVector<BrowsedPair> &rows() const { return m_rows; }
    qint64 selectedPair() const;
    int selectedRow() const;              // index into rows(), -1 when none
    void selectRow(int row);
    FaceView *faceA() const { return m_faceA; }
    FaceView *faceB() const { return m_faceB; }
    QPushButton *truthWrongButton() const { return m_truthWrong; }
    QPushButton *feedbackButton() const { return m_feedback; }
    QPushButton *openFolderButton() const { return m_openFolder; }
    QPushButton *openExportButton() const { return m_openExport; }
    QPlainTextEdit *infoText() const { return m_info; }

    // Records the verdict opposite to the selected pair's truth; false when it cannot.
    bool markTruthWrong();
    // Why adding the selected pair to training feedback needs confirming ("" = it does not).
    QString feedbackWarning() const;
    // Records the selected pair's truth as the user's verdict; a test-split pair only when
    // testSplitConfirmed. False when nothing was recorded.
    bool addToTrainingFeedback(bool testSplitConfirmed);
    // The folders "Open folder" opens: the exported pair folder, or the folders of the two images.
    QStringList foldersToOpen() const;

public slots:
    void chooseFolder();   // "Open exported folder…"

signals:
    void truthCorrected(qint64 pairId);
    void feedbackAdded(qint64 pairId);
    void backRequested();

private:
    void setRows(QVector<BrowsedPair> rows, int select);
    void rebuildTree(int select);
    QString rowText(const BrowsedPair &row) const;
    void showSelected();
    void updateActions();
    QString truthBlocker() const;      // why no verdict can be recorded for the selection ("" = it can)
    QString feedbackBlocker() const;   // the same for "Add to training feedback"
    qint64 feedbackVersionId() const;
    void onFeedbackClicked();

    const store::ProjectStore *m_store = nullptr;
    QVector<BrowsedPair> m_rows;
    std::optional<eval::ErrorFolder> m_folder;    // set while browsing an exported folder
    PairListing m_listing;                        // title, hint, version and threshold of a listing
    std::optional<store::PairRecord> m_record;    // the selected pair in the open project
    QString m_message, m_suggestedFolder;
    std::function<bool(const QString &)> m_confirm;

    data::ImageCache *m_cache;
    QLabel *m_title, *m_hint, *m_error, *m_score, *m_truth, *m_names;
    QTreeWidget *m_tree;
    FaceView *m_faceA, *m_faceB;
    QPlainTextEdit *m_info;
    QPushButton *m_truthWrong, *m_feedback, *m_openFolder, *m_openExport, *m_back, *m_emptyAction;
    std::function<void()> m_emptyActionFn;
};

} // namespace facelab::ui

#pragma once
// Training > Fine-tune…: the settings of a fine-tuning run (start version, epochs, batch, learning
// rate, margin, augmentation, BatchNorm, frozen layers, early stopping, seed, test split, make
// current), remembered in QSettings, and what the run will train on: the feedback snapshot's
// counts and notes, computed off the GUI thread whenever a setting that changes them changes.
#include "finetune/FineTuneJob.h"

#include <QDialog>
#include <QFutureWatcher>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace facelab::ui {

// What the dialog's background count produced (or why it could not).
struct SnapshotPreview
{
    bool ok = false;
    QString error;
    finetune::FeedbackSnapshot snapshot;
};

class FineTuneDialog : public QDialog
{
    Q_OBJECT
public:
    FineTuneDialog(const store::ProjectStore &store, QWidget *parent = nullptr);
    ~FineTuneDialog() override;

    finetune::FineTuneRequest request() const;
    // Chooses the version to start from (default: the current one).
    void setStartVersion(const QString &name);
    bool isCounting() const { return m_counting; }   // until the count is shown
    const SnapshotPreview &preview() const { return m_preview; }
    QLabel *dataLabel() const { return m_data; }

    QComboBox *versionBox() const { return m_version; }
    QComboBox *lossBox() const { return m_loss; }
    QSpinBox *epochsBox() const { return m_epochs; }
    QSpinBox *batchBox() const { return m_batch; }
    QSpinBox *workersBox() const { return m_workers; }
    QCheckBox *includeTestBox() const { return m_includeTest; }
    QCheckBox *makeCurrentBox() const { return m_makeCurrent; }
    QComboBox *freezeBox() const { return m_freeze; }
    QLineEdit *referenceEdit() const { return m_reference; }

    void accept() override;   // remembers the settings

private:
    void load();
    void save() const;
    void restoreDefaults();
    void recount();
    void showPreview();
    void fitHeight();
    void checkReference();
    QString referenceKey() const;

    const store::ProjectStore &m_store;
    QComboBox *m_version, *m_loss, *m_freeze;
    QSpinBox *m_epochs, *m_batch, *m_patience, *m_seed, *m_workers;
    QLineEdit *m_reference;
    QLabel *m_referenceNote;
    QDoubleSpinBox *m_lr, *m_margin, *m_distill;
    QCheckBox *m_flip, *m_trainBn, *m_includeTest, *m_makeCurrent;
    QLabel *m_testWarning, *m_data, *m_notes;
    QDialogButtonBox *m_buttons;
    QFutureWatcher<SnapshotPreview> m_watcher;
    SnapshotPreview m_preview;
    bool m_recountPending = false;
    bool m_counting = false;
};

} // namespace facelab::ui

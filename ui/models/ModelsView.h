#pragma once
// The Models view: every model version of the project as a lineage tree (fine-tuned versions
// under their parent, with the run that made each and its validation / test accuracy) and, for
// the selected one, what FaceLab knows about it: file, creation,
// preprocessing as recorded at import, its threshold (editable), whether LibTorch agreed with
// OpenCV dnn on it (flagged red above 1e-4 or when no comparison ran), and how much of the
// project it has embedded and scored. A version can be deleted unless it is current, has
// fine-tuned children (refused, naming them: re-parenting would rewrite the lineage) or a job
// uses it. Long actions (add, embed, export) are requested from the window, which runs them as
// jobs; this view only reads the store and writes quick settings.
#include "ui/models/ModelVersions.h"

#include <QWidget>

class QAction;
class QDoubleSpinBox;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTreeWidget;

namespace facelab::ui {

class ModelsView : public QWidget
{
    Q_OBJECT
public:
    explicit ModelsView(QWidget *parent = nullptr);

    void setProject(const store::ProjectStore *store);
    // The header and empty-page buttons trigger these (the Models menu's actions).
    void setActions(QAction *addFile, QAction *addDefault);

    QTreeWidget *versionList() const { return m_list; }
    QDoubleSpinBox *thresholdBox() const { return m_threshold; }
    const ProjectModels &models() const { return m_models; }
    qint64 selectedVersion() const;
    void selectVersion(qint64 versionId);
    // The check column's text for a version, and whether it is flagged (tests, tooltips).
    bool isFlagged(qint64 versionId) const;

    // Why a version cannot be deleted ("" when it can): the current one, one with fine-tuned
    // children (named), one a job is using.
    QString deleteRefusal(qint64 versionId) const;
    // Deletes without asking (the Delete button asks first); false with the reason shown when refused.
    bool removeVersion(qint64 versionId);

    // Column of the version list.
    enum Column { ColName = 0, ColCreated, ColThreshold, ColCheck, ColEmbeddings, ColRun, ColMetrics, ColCount };

public slots:
    void refresh();
    // A job is embedding with this version (0: none): its button says so.
    void setEmbedding(qint64 versionId);
    // A fine-tuning job starts from this version (0: none): it cannot be deleted meanwhile.
    void setFineTuning(qint64 versionId);

signals:
    void currentChanged(qint64 versionId);
    void thresholdChanged(qint64 versionId, double threshold);
    void embedRequested(qint64 versionId);
    void exportRequested(qint64 versionId);
    void versionRemoved(qint64 versionId);

protected:
    void showEvent(QShowEvent *e) override;

private:
    QWidget *buildDetails();
    QWidget *buildEmpty();
    void showDetails();
    void onThresholdEdited(double t);

    const store::ProjectStore *m_store = nullptr;
    ProjectModels m_models;
    qint64 m_embedding = 0;
    qint64 m_fineTuning = 0;

    QStackedWidget *m_pages;
    QWidget *m_listPage, *m_emptyPage;
    QLabel *m_engineNote, *m_summary;
    QTreeWidget *m_list;
    QHBoxLayout *m_headRow = nullptr, *m_emptyRow = nullptr;

    // details
    QLabel *m_title, *m_badge, *m_lineage, *m_file, *m_created, *m_params, *m_io;
    QLabel *m_training;
    QLabel *m_order, *m_mean, *m_std, *m_size, *m_thresholdHint, *m_check, *m_checkNote, *m_embedded;
    QDoubleSpinBox *m_threshold;
    QPushButton *m_makeCurrent, *m_embed, *m_export, *m_delete;
    void confirmAndRemove();
};

} // namespace facelab::ui

#pragma once
// The Inversion view. Live: the running inversion's current images (decoded off the GUI thread
// from the job's snapshots), its loss terms (log scale) and cosine to the target per step. Gallery:
// for a chosen identity, its real aligned faces, then every stored run for it (newest first; the
// two runs of a compare one above the other), each image with its cosine and the target's rank
// under the model and, beside them, under every judge. The buttons ask InversionJobs for jobs.
#include "ui/inversion/InversionGallery.h"

#include <QFutureWatcher>
#include <QPointer>
#include <QVariantMap>
#include <QWidget>

class QComboBox;
class QCustomPlot;
class QGridLayout;
class QLabel;
class QPushButton;
class QScrollArea;
class QTimer;
class QVBoxLayout;

namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class InversionView : public QWidget
{
    Q_OBJECT
public:
    explicit InversionView(QWidget *parent = nullptr);
    ~InversionView() override;

    void setProject(const store::ProjectStore *store);
    // Follows the window's inversion jobs (live snapshots) and reloads the gallery when one ends.
    void setJobs(jobs::JobQueue *queue);
    // Shows the gallery of an identity (0 = the newest inversion's; -1 = image targets).
    void showIdentity(qint64 identityId);
    // A snapshot as invertModel publishes it (x, loss terms, cosine, preview PNGs).
    void showSnapshot(const QVariantMap &snapshot);

    // What tests and screenshots look at.
    bool isLoading() const { return m_loader.isRunning() || m_decoder.isRunning(); }
    const InversionGallery &gallery() const { return m_gallery; }
    int previewCount() const { return m_previewCount; }   // decoded images shown
    int previewStep() const { return m_previewStep; }
    int lossPoints() const { return m_lossPoints; }
    QLabel *liveText() const { return m_liveText; }
    QWidget *galleryWidget() const { return m_galleryBox; }

protected:
    void resizeEvent(QResizeEvent *e) override;

signals:
    void invertRequested(const QString &identity);
    void addDefaultModelRequested();   // the empty state's button, in a project without a model
    void judgeRequested(const QVector<facelab::store::InversionRecord> &records);

private:
    void reload();
    void onLoaded();
    void fillGallery();
    void decodePreview();
    void onPreviewDecoded();
    void clearPreview();
    void followJob(jobs::Job *job);
    QWidget *buildLive();

    QString m_folder;
    QComboBox *m_identity = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_invert = nullptr, *m_judge = nullptr, *m_addModel = nullptr;
    bool m_haveModel = false;
    // Live
    QWidget *m_live = nullptr;
    QLabel *m_liveText = nullptr;
    QGridLayout *m_previewGrid = nullptr;
    QCustomPlot *m_plot = nullptr;
    int m_previewCount = 0, m_previewStep = 0, m_lossPoints = 0;
    QVariantList m_pendingPreview;   // PNGs waiting for the decoder
    int m_pendingStep = -1, m_decodingStep = 0;
    QFutureWatcher<QVector<QImage>> m_decoder;
    QPointer<jobs::Job> m_followed;
    // Gallery
    QScrollArea *m_scroll = nullptr;
    QWidget *m_galleryBox = nullptr;
    int m_filledWidth = 0;            // the width the tile rows were wrapped at
    QTimer *m_relayout = nullptr;     // wraps them again once a resize settles
    InversionGallery m_gallery;
    QFutureWatcher<InversionGallery> m_loader;
    qint64 m_wanted = 0;
    bool m_reloadAgain = false;
};

} // namespace facelab::ui

#pragma once
// The model engine's long work for the open project, as jobs of the window's JobQueue (in the
// "torch" exclusive group: one LibTorch job at a time): adding a model
// file (asking for its preprocessing when FaceLab does not recognise it), adding the default
// model, embedding the faces with a version, exporting a version as .onnx. Each job shows its
// progress and can be cancelled; its result comes back as a notification (and a report when
// something was left out), and the signals tell the views what changed.
#include <QObject>
#include <functional>

class QAction;
class QWidget;

namespace facelab::store {
class ProjectStore;
}
namespace facelab::jobs {
class Job;
class JobQueue;
}

namespace facelab::ui {

class NotificationBar;

class ModelJobs : public QObject
{
    Q_OBJECT
public:
    ModelJobs(jobs::JobQueue *jobs, NotificationBar *notify, QWidget *dialogParent);

    void setProject(const store::ProjectStore *store);
    void setReportDialogsEnabled(bool on) { m_reportDialogs = on; }
    // Asked for the preprocessing of a model file FaceLab does not recognise; returns a spec for
    // importModel ("frfeature", "arcface", "magface" or JSON) or "" to cancel. Default: a dialog.
    using PreprocessingChooser = std::function<QString(const QString &modelFile)>;
    void setPreprocessingChooser(PreprocessingChooser chooser) { m_chooser = std::move(chooser); }

    // Menu actions (enabled with a project and a model engine).
    QAction *addFileAction() const { return m_actAddFile; }
    QAction *addDefaultAction() const { return m_actAddDefault; }
    QAction *embedAction() const { return m_actEmbed; }
    QAction *exportAction() const { return m_actExport; }

    // The jobs without their file dialogs (tests use them). nullptr when nothing was started
    // (no project, no engine, a reason already shown to the user).
    // spec "" = recognise the file or ask; the first job then only reads the file.
    // family "" = detected from the file; when no family recognises it, the user may choose one.
    jobs::Job *addModelFile(const QString &file, const QString &spec = {}, const QString &family = {});
    jobs::Job *addDefaultModel();
    // 0 = the current version. Embedding the current version queues "Mine hard pairs for
    // <version>" after it (MiningJob.h): it runs once the embedding is done, never after a failure
    // or a cancel.
    jobs::Job *embed(qint64 versionId = 0);
    // Queues mining the version's hard pairs after `after`; pairsMined follows when it is done.
    jobs::Job *mineAfter(jobs::Job *after, qint64 versionId, const QString &name);
    jobs::Job *exportVersion(qint64 versionId, const QString &outPath);
    bool isEmbedding() const { return m_embedding != 0; }

public slots:
    void chooseAndAddModelFile();
    void chooseAndExport(qint64 versionId = 0);   // 0 = the current version
    void updateActions();

signals:
    void modelsChanged();                  // a version was added (it may have become current)
    void scoresChanged(qint64 versionId);  // an embedding run finished (done or cancelled)
    void facesChanged();                   // the face stage ran as part of embedding
    void embeddingChanged(qint64 versionId);   // embedding started (id) or ended (0)
    void pairsMined(qint64 versionId);         // hard pairs were added and scored under the version
    void showModelsRequested(qint64 versionId);

private:
    jobs::Job *startImport(const QString &file, const QString &spec, bool allowPartial = false,
                                 const QString &family = {});
    // Shows what would load (family, tensors, cross-check) and asks; true to import. Without
    // report dialogs (tests) a complete load is imported and a partial one refused.
    bool confirmLoad(const QString &file, const QJsonObject &report);
    void importFinished(qint64 versionId, const QString &name);
    bool ready(const QString &what);

    jobs::JobQueue *m_jobs;
    NotificationBar *m_notify;
    QWidget *m_parent;
    const store::ProjectStore *m_store = nullptr;
    PreprocessingChooser m_chooser;
    bool m_reportDialogs = true;
    qint64 m_embedding = 0;
    QAction *m_actAddFile, *m_actAddDefault, *m_actEmbed, *m_actExport;
};

} // namespace facelab::ui

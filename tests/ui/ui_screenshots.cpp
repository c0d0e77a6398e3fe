// Not a test: renders the main window's states to PNG files for looking at them (and for
// documentation). usage: ui_screenshots OUTDIR PROJECT [EMPTY_PROJECT]
//                        ui_screenshots --models OUTDIR PROJECT [PHOTOS_PROJECT]
// Drives a real MainWindow; it writes verdicts into PROJECT, so give it a copy. --models shows
// the model engine: PROJECT without a model (the default model is added and the faces embedded
// as jobs), and PHOTOS_PROJECT with photos whose faces are found as a job (Faces view).
#include "data/ImageCache.h"
#include "data/PairQueue.h"
#include "jobs/JobQueue.h"
#include "store/ProjectStore.h"
#include "ui/MainWindow.h"
#include "ui/Resources.h"
#include "ui/Theme.h"
#include "ui/annotate/AnnotateView.h"
#include "ui/annotate/FaceView.h"
#include "ui/dialogs/GeneratePairsDialog.h"
#include "ui/dialogs/ReportDialog.h"
#include "ui/dialogs/ShortcutsDialog.h"
#include "ui/dialogs/NewProjectDialog.h"
#include "store/FaceTable.h"
#include "store/ModelTable.h"
#include "store/RunTable.h"
#include "ui/annotate/ModelStrip.h"
#include "ui/faces/FaceJobs.h"
#include "ui/faces/FacePicker.h"
#include "ui/faces/FacesView.h"
#include "ui/models/ModelJobs.h"
#include "ui/models/ModelsView.h"
#include "ui/models/PreprocessingDialog.h"
#include "ui/widgets/NotificationBar.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QThread>
#include <QTreeWidget>
#include <QTimer>

using namespace facelab;

static QString outDir;

static void pump(int ms)
{
    QDeadlineTimer t(ms);
    while (!t.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

static void save(QWidget *w, const QString &name)
{
    pump(150);
    const QString path = QDir(outDir).filePath(name + QStringLiteral(".png"));
    w->grab().save(path);
    qInfo("wrote %s", qPrintable(path));
}

static void waitFaces(ui::AnnotateView *v)
{
    for (int i = 0; i < 100; ++i) {
        pump(30);
        if (v->faceA()->state() != ui::FaceView::State::Loading && v->faceB()->state() != ui::FaceView::State::Loading)
            break;
    }
}

static bool waitJobs(ui::MainWindow &w, int ms)
{
    QDeadlineTimer t(ms);
    while (!t.hasExpired()) {
        pump(50);
        if (!w.jobQueue()->hasActive())
            return true;
    }
    return false;
}

static int modelScreens(const QString &project, const QString &photos)
{
    ui::MainWindow w;
    w.resize(1400, 900);
    w.setReportDialogsEnabled(false);
    w.show();
    w.openProject(project);
    ui::AnnotateView *v = w.annotateView();
    waitFaces(v);
    save(&w, QStringLiteral("m01-annotate-no-model"));
    w.showView(ui::MainWindow::View::Models);
    save(&w, QStringLiteral("m02-models-empty"));
    {
        QMenu *m = w.findChild<QMenu *>(QStringLiteral("menuModels"));
        m->popup(w.mapToGlobal(QPoint(230, 30)));
        save(m, QStringLiteral("m03-models-menu"));
        m->hide();
    }
    w.showView(ui::MainWindow::View::Annotate);
    w.modelJobs()->addDefaultModel();
    waitJobs(w, 120000);
    waitFaces(v);
    save(&w, QStringLiteral("m04-annotate-not-scored"));
    w.modelJobs()->embed();
    pump(300);
    save(&w, QStringLiteral("m05-embedding-running"));
    waitJobs(w, 300000);
    waitFaces(v);
    save(&w, QStringLiteral("m06-annotate-score-hidden"));
    v->answer(store::Verdict::Same);
    waitFaces(v);
    save(&w, QStringLiteral("m07-annotate-last-answer"));
    v->answer(store::Verdict::Different);
    v->back();
    waitFaces(v);
    save(&w, QStringLiteral("m08-annotate-score-shown"));
    v->showModelBeforeVerdictAction()->setChecked(true);
    v->forward();
    waitFaces(v);
    save(&w, QStringLiteral("m09-annotate-always"));
    v->showModelBeforeVerdictAction()->setChecked(false);
    {
        QMenu *m = w.findChild<QMenu *>(QStringLiteral("menuView"));
        m->popup(w.mapToGlobal(QPoint(130, 30)));
        save(m, QStringLiteral("m09b-view-menu"));
        m->hide();
    }

    // A fine-tuned child without an OpenCV comparison (flagged), as training will register them.
    {
        const store::ModelTable models(*w.project());
        const auto base = models.current();
        if (!base)
            return 0;   // no model engine in this build: nothing more to show
        const qint64 run = store::RunTable(*w.project()).start(QStringLiteral("fine-tune"), QStringLiteral("{}"),
                                                               store::RunStatus::Done);
        models.addVersion(base->modelId, base->name + QStringLiteral("-ft1"), base->id, base->file,
                          base->preprocessingJson, 0.45, run);
    }
    w.showView(ui::MainWindow::View::Models);
    w.modelsView()->refresh();
    save(&w, QStringLiteral("m10-models"));
    w.modelsView()->selectVersion(store::ModelTable(*w.project()).versions().back().id);
    save(&w, QStringLiteral("m11-models-flagged"));
    {
        ui::PreprocessingDialog d(QStringLiteral("/home/me/models/glint360k_r100.onnx"), &w);
        d.setPreset(QStringLiteral("custom"));
        d.show();
        save(&d, QStringLiteral("m12-preprocessing-dialog"));
    }
    w.showView(ui::MainWindow::View::Faces);
    pump(500);
    save(&w, QStringLiteral("m13-faces-prealigned"));

    if (!photos.isEmpty()) {
        w.openProject(photos);
        w.showView(ui::MainWindow::View::Faces);
        pump(500);
        save(&w, QStringLiteral("m14-faces-not-looked-at"));
        w.faceJobs()->findFaces();
        pump(600);
        save(&w, QStringLiteral("m15-faces-finding"));
        waitJobs(w, 300000);
        pump(1500);
        save(&w, QStringLiteral("m16-faces-several"));
        ui::FacePicker *picker = w.facesView()->picker();
        const store::FaceTable faces(*w.project());
        const qint64 image = w.facesView()->selectedImage();
        for (const store::FaceRecord &f : faces.faces(image))
            if (f.id != picker->chosenFace()) {
                w.facesView()->chooseFaceRequested(image, f.id);
                break;
            }
        pump(100);
        save(&w, QStringLiteral("m17-faces-realigning"));
        waitJobs(w, 60000);
        pump(1500);
        save(&w, QStringLiteral("m18-faces-picked"));
        // Hover look: move the mouse over another box.
        for (QTreeWidgetItemIterator it(w.facesView()->imageList()); *it; ++it)
            if ((*it)->text(1).contains(QStringLiteral("no face"))) {
                w.facesView()->imageList()->setCurrentItem(*it);
                break;
            }
        pump(1200);
        save(&w, QStringLiteral("m19-faces-no-face"));
    }
    return 0;
}

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("FaceLab"));
    QApplication::setApplicationName(QStringLiteral("FaceLab"));
    if (argc >= 4 && QByteArray(argv[1]) == "--models") {
        outDir = QString::fromLocal8Bit(argv[2]);
        QDir().mkpath(outDir);
        ui::theme::apply(app);
        return modelScreens(QString::fromLocal8Bit(argv[3]), argc > 4 ? QString::fromLocal8Bit(argv[4]) : QString());
    }
    if (argc < 3) {
        qWarning("usage: ui_screenshots OUTDIR PROJECT [EMPTY_PROJECT]");
        return 2;
    }
    outDir = QString::fromLocal8Bit(argv[1]);
    QDir().mkpath(outDir);
    ui::theme::apply(app);

    ui::MainWindow w;
    w.resize(1400, 900);
    w.show();
    save(&w, QStringLiteral("01-start"));

    w.openProject(QString::fromLocal8Bit(argv[2]));
    ui::AnnotateView *v = w.annotateView();
    waitFaces(v);
    save(&w, QStringLiteral("02-annotate"));

    v->answer(store::Verdict::Same);
    v->answer(store::Verdict::Different);
    v->answer(store::Verdict::Skip);
    v->back();
    waitFaces(v);
    save(&w, QStringLiteral("03-annotate-verdict"));

    v->setIdentitiesShown(true);
    waitFaces(v);
    save(&w, QStringLiteral("04-annotate-names"));
    v->setIdentitiesShown(false);

    // Generate dialog.
    {
        ui::GeneratePairsDialog d(13, &w);
        d.show();
        save(&d, QStringLiteral("05-generate-dialog"));
    }
    // Report dialogs.
    {
        data::ImportReport r;
        r.imagesAdded = 48;
        r.imagesExisting = 4;
        r.identitiesSeen = 13;
        r.problems = {{QStringLiteral("faces/Ava_Morgan/notes.jpg"), 0, QStringLiteral("not a readable image (unknown format)")},
                      {QStringLiteral("pairs.txt"), 14, QStringLiteral("image Zed_Ray/Zed_Ray_0004.jpg not found")},
                      {QStringLiteral("pairs.txt"), 27, QStringLiteral("expected 3 or 4 fields, got 2")}};
        auto *d = ui::ReportDialog::forImport(QStringLiteral("Import of faces"), r, &w);
        d->show();
        save(d, QStringLiteral("06-import-report"));
        delete d;
        data::PairGenReport g;
        g.requested = 200;
        g.same = 78;
        g.different = 100;
        g.identitiesUsed = 10;
        g.train = 125;
        g.validation = 27;
        g.test = 26;
        g.splitMethod = QStringLiteral("pair-level");
        g.notes = {QStringLiteral("only 78 same pairs exist among the chosen identities")};
        auto *gd = ui::ReportDialog::forGeneration(g, &w);
        gd->show();
        save(gd, QStringLiteral("07-generate-report"));
        delete gd;
    }
    // Shortcuts.
    {
        QAction *a = w.findChild<QAction *>(QStringLiteral("actionShortcuts"));
        a->trigger();
        pump(100);
        auto *d = w.findChild<ui::ShortcutsDialog *>();
        if (d) {
            save(d, QStringLiteral("08-shortcuts"));
            d->close();
        }
    }
    // Training menu (disabled actions).
    {
        QMenu *m = w.findChild<QMenu *>(QStringLiteral("menuTraining"));
        m->popup(w.mapToGlobal(QPoint(250, 30)));
        save(m, QStringLiteral("09-training-menu"));
        m->hide();
        QMenu *f = w.findChild<QMenu *>(QStringLiteral("menuFile"));
        f->popup(w.mapToGlobal(QPoint(10, 30)));
        save(f, QStringLiteral("09-file-menu"));
        f->hide();
    }
    // A job in progress with the dock and status bar.
    {
        w.jobQueue()->start(jobs::JobSpec{jobs::JobKind::ImportIdentities, QStringLiteral("Importing identities from lfw"),
                                          {}, {}, w.project()->folder()},
                            [](jobs::JobContext &ctx) {
                                for (int i = 0; i <= 100 && !ctx.isCanceled(); ++i) {
                                    ctx.setProgress(i, 100, QStringLiteral("hashing images"));
                                    QThread::msleep(20);
                                }
                            });
        pump(900);
        save(&w, QStringLiteral("10-job-running"));
        pump(2000);
        save(&w, QStringLiteral("11-job-finished"));
    }
    // Runs view.
    w.showView(ui::MainWindow::View::Runs);
    save(&w, QStringLiteral("12-runs"));
    w.showView(ui::MainWindow::View::Annotate);

    // Done page.
    while (!v->queue()->atEnd())
        v->answer(store::Verdict::Same);
    save(&w, QStringLiteral("13-done"));

    // A pair whose image file is gone: the placeholder names the file and the problem.
    {
        v->back();
        if (auto rec = v->queue()->current()) {
            const QString moved = rec->a.absPath + QStringLiteral(".hidden");
            QFile::rename(rec->a.absPath, moved);
            v->imageCache()->clear();
            v->reloadQueue();
            v->queue()->setCursor(v->queue()->size() - 1);
            v->forward();
            v->back();
            waitFaces(v);
            save(&w, QStringLiteral("13b-missing-image"));
            QFile::rename(moved, rec->a.absPath);
        }
    }

    if (argc > 3) {
        w.openProject(QString::fromLocal8Bit(argv[3]));
        save(&w, QStringLiteral("14-empty"));
    }
    {
        ui::NewProjectDialog d(&w);
        d.show();
        save(&d, QStringLiteral("15-new-project"));
    }
    return 0;
}

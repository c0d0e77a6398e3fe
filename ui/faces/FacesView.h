#pragma once
// The Faces view: what the face stage found. Counts by face status; the images left out of
// pairs and scores (no face found, unreadable) with the reason; and the images where several
// faces were found, shown with every detected box so the user can pick the face the image stands
// for (the choice is re-aligned as a small job, then the aligned 112x112 crop updates).
// The lists are read off the GUI thread; photos are decoded by data::ImageCache.
#include "store/FaceTable.h"

#include <QFutureWatcher>
#include <QWidget>

class QAction;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace facelab::data {
class ImageCache;
}

namespace facelab::ui {

class FacePicker;
class FaceView;

struct FaceListing
{
    struct Entry
    {
        qint64 imageId = 0;
        QString path;      // absolute
        QString relPath;
        QString note;      // why it has no face / is unreadable; its quality
        int faces = 0;
    };
    store::FaceStatusCounts counts;
    QVector<Entry> several, none, unreadable;
    // The faces with the lowest quality (embedding norm before normalisation, MagFace's quality)
    // under the current version, lowest first; empty before it has embedded the faces.
    QVector<Entry> lowQuality;
    QString qualityVersion;
    quint64 generation = 0;
    QString error;
};

class FacesView : public QWidget
{
    Q_OBJECT
public:
    explicit FacesView(QWidget *parent = nullptr);
    ~FacesView() override;

    void setProject(const store::ProjectStore *store);
    void setFindFacesAction(QAction *a);

    QTreeWidget *imageList() const { return m_list; }
    FacePicker *picker() const { return m_picker; }
    FaceView *alignedView() const { return m_aligned; }
    const FaceListing &listing() const { return m_listing; }
    bool isLoading() const;
    qint64 selectedImage() const;
    bool selectImage(qint64 imageId);

    enum Group { GroupSeveral = 0, GroupNone, GroupUnreadable, GroupLowQuality };

public slots:
    // Reads the lists again (off the GUI thread).
    void refresh();
    // A face choice for imageId is being re-aligned (true) or was (false): show the new crop.
    void setRealigning(qint64 imageId, bool busy);

signals:
    void chooseFaceRequested(qint64 imageId, qint64 faceId);
    void loaded();
    void importIdentitiesRequested();   // the empty state's button, in a project without images

protected:
    void showEvent(QShowEvent *e) override;

private:
    void onLoaded();
    void applyListing();
    void showSelected();

    const store::ProjectStore *m_store = nullptr;
    FaceListing m_listing;
    quint64 m_generation = 0;
    QFutureWatcher<FaceListing> m_watcher;
    bool m_reloadPending = false;
    qint64 m_realigning = 0;

    data::ImageCache *m_photos, *m_crops;
    QLabel *m_summary;
    QWidget *m_tiles;
    QLabel *m_tileFound, *m_tilePre, *m_tileSeveral, *m_tileNone, *m_tileUnreadable, *m_tilePending;
    QLabel *m_pendingNote;
    QStackedWidget *m_body;
    QWidget *m_mainPage, *m_emptyPage;
    QLabel *m_emptyText;
    QPushButton *m_emptyAction = nullptr;   // does what m_emptyText asks (import, find faces)
    QTreeWidget *m_list;
    QLabel *m_detailTitle, *m_detailText;
    FacePicker *m_picker;
    QWidget *m_alignedBox;
    FaceView *m_aligned;
    QLabel *m_alignedCaption;
    QAction *m_find = nullptr;
    QPushButton *m_findButton = nullptr;
};

} // namespace facelab::ui

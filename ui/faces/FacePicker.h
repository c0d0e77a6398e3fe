#pragma once
// A photo with every face the detector found drawn as a box: the chosen face highlighted, the
// others clickable to choose them instead. The photo is decoded by data::ImageCache (off the
// GUI thread); boxes are in the photo's pixel coordinates and scaled to what is painted.
#include "store/FaceTable.h"

#include <QPointer>
#include <QWidget>

namespace facelab::data {
class ImageCache;
}

namespace facelab::ui {

class FacePicker : public QWidget
{
    Q_OBJECT
public:
    explicit FacePicker(data::ImageCache *cache, QWidget *parent = nullptr);

    // path "" clears. chosenFaceId: the face the image stands for (0: none).
    void setImage(const QString &path, const QVector<store::FaceRecord> &faces, qint64 chosenFaceId);
    // While the chosen face is being re-aligned: boxes are not clickable.
    void setBusy(bool busy);
    QString imagePath() const { return m_path; }
    qint64 chosenFace() const { return m_chosen; }
    bool isShown() const;   // the photo is decoded and painted
    QString errorText() const;

    // Where a face's box is painted (widget coordinates; empty until the photo is decoded).
    QRectF boxRect(qint64 faceId) const;
    qint64 faceAt(const QPointF &pos) const;   // 0: none

    QSize sizeHint() const override { return {560, 460}; }
    QSize minimumSizeHint() const override { return {240, 200}; }

signals:
    void faceClicked(qint64 faceId);

protected:
    void paintEvent(QPaintEvent *) override;
    void mouseMoveEvent(QMouseEvent *e) override;
    void mousePressEvent(QMouseEvent *e) override;
    void leaveEvent(QEvent *) override;
    void resizeEvent(QResizeEvent *) override;

private:
    QSize decodeSize() const;
    QRectF photoRect() const;   // where the photo is painted, aspect kept

    QPointer<data::ImageCache> m_cache;
    QString m_path;
    QVector<store::FaceRecord> m_faces;
    qint64 m_chosen = 0;
    qint64 m_hover = 0;
    bool m_busy = false;
};

} // namespace facelab::ui

#pragma once
// One face of a pair: paints the decoded image centred and scaled without distortion on a card.
// Decoding happens in data::ImageCache (off the GUI thread); this widget only asks and paints.
// A missing or broken file becomes a placeholder naming the file and the problem.
#include <QPointer>
#include <QWidget>

namespace facelab::data {
class ImageCache;
}

namespace facelab::ui {

class FaceView : public QWidget
{
    Q_OBJECT
public:
    explicit FaceView(data::ImageCache *cache, QWidget *parent = nullptr);

    // Shows the image at path ("" clears). The path is never shown unless the file fails.
    void setImagePath(const QString &path);
    QString imagePath() const { return m_path; }

    // The size (device pixels) images are decoded to for this view; used for prefetching.
    QSize decodeSize() const;

    enum class State { Empty, Loading, Shown, Failed };
    State state() const;
    QString errorText() const;   // why the image cannot be shown ("" unless Failed)

    // A coloured frame for the verdict flash / current verdict ("" colour = none).
    void setFrameColor(const QColor &c);

    QSize sizeHint() const override { return {420, 420}; }
signals:
    // The decode size changed (after a resize settled): neighbours may want prefetching again.
    void decodeSizeChanged();

public:
    QSize minimumSizeHint() const override { return {112, 112}; }   // an aligned crop's own size

protected:
    void paintEvent(QPaintEvent *) override;
    void resizeEvent(QResizeEvent *) override;

private:
    QRectF imageArea() const;
    void onDecoded(const QString &path, const QSize &size);

    QPointer<data::ImageCache> m_cache;
    class QTimer *m_resizeSettle = nullptr;
    QString m_path;
    QColor m_frame;
};

} // namespace facelab::ui

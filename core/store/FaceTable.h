#pragma once
// Faces found in each image, and which one the image stands for. An image's face_status says
// what detection concluded: pending (not looked at yet), found, none (no face: left out of pairs
// and listed for the user), prealigned (already a 112x112 crop, used as it is), unreadable.
#include "ProjectStore.h"

#include <QPointF>
#include <QRectF>
#include <array>

namespace facelab::store {

struct FaceRecord
{
    qint64 id = 0;
    qint64 imageId = 0;
    int idx = 0;                     // detector order, best score first
    QRectF box;
    double score = 0;
    std::array<QPointF, 5> five{};   // eyes, nose tip, mouth corners
    QVector<QPointF> landmarks68;
};

struct FaceStatusCounts
{
    qint64 pending = 0, found = 0, none = 0, prealigned = 0, unreadable = 0;
};

class FaceTable
{
public:
    explicit FaceTable(const ProjectStore &store) : m_store(store) {}

    // Replaces the image's faces with `faces`, keeps faces[chosen] (or none when chosen < 0),
    // and sets status and note. One transaction. A choice the user made is kept when it still
    // exists (face_choice 'user').
    void record(qint64 imageId, const QVector<FaceRecord> &faces, int chosen, const QString &status,
                const QString &note = {}) const;
    // The user picks another of the image's faces.
    void choose(qint64 imageId, qint64 faceId) const;
    QVector<FaceRecord> faces(qint64 imageId) const;
    std::optional<FaceRecord> chosen(qint64 imageId) const;
    QVector<qint64> imagesWithStatus(const QString &status) const;
    FaceStatusCounts counts() const;
    QString note(qint64 imageId) const;
    // Resets every image to pending (for a re-detection with other settings); keeps user choices.
    void resetAll() const;

    // Where the aligned 112x112 crop of an image is cached (written by the face job).
    static QString alignedPath(const ProjectStore &store, qint64 imageId);

private:
    const ProjectStore &m_store;
};

} // namespace facelab::store

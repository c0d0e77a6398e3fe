#pragma once
// What the Inversion view's gallery shows for one identity, read from the project off the GUI
// thread (loadInversionGallery opens its own connection and decodes the images): the identity's
// real aligned faces, then every stored inversion run for it, newest first, with each image's
// score under the model inverted and under every judge; the two runs of a compare side by side
// in the order they ran.
#include "store/InversionTable.h"

#include <QImage>
#include <QPair>
#include <QString>
#include <QVector>

namespace facelab::ui {

struct GalleryScore
{
    QString version;
    double cosine = 0;
    int rank = 0;   // 0 = no identity to rank
};

struct GalleryImage
{
    QImage image;
    QString path;
    GalleryScore own;              // under the model inverted
    QVector<GalleryScore> judges;  // under other versions
};

struct GalleryRun
{
    qint64 runId = 0;
    QString model, target, createdAt;
    QString seed, start;
    int steps = 0, stepsRun = 0;
    QString prior;         // the prior used ("measured" ...), or the one asked for when not recorded
    QString priorDetail;   // where it acted, for the user
    QString compareGroup;  // "" = not part of a compare
    QVector<GalleryImage> images;
    QVector<store::InversionRecord> records;
    bool cancelled() const { return stepsRun < steps; }
};

struct InversionGallery
{
    qint64 identityId = 0;   // the identity shown; -1 = image targets of no identity
    QString identity;
    QVector<QPair<qint64, QString>> identities;   // every identity of the project, by name
    QVector<QImage> faces;                        // its real aligned faces (at most 12)
    QVector<GalleryRun> runs;
    QString error;
    QVector<store::InversionRecord> records() const;   // of every run shown
};

// identityId 0 = the identity of the newest inversion (else the first identity); -1 = image
// targets outside any identity.
InversionGallery loadInversionGallery(const QString &folder, qint64 identityId);

// "statistics measured on 24 of the project's faces at 30 convolution outputs".
QString priorDescription(const QString &prior, int layers, int faces);

} // namespace facelab::ui

#pragma once
// A throwaway FaceLab project for the ui tests, built through the store API: small generated PNG
// faces in a QTemporaryDir (one folder per identity) and pairs between them.
#include "store/ProjectStore.h"

#include <QHash>
#include <QSize>
#include <QStringList>
#include <QTemporaryDir>
#include <QVector>
#include <memory>

namespace facelab::test {

struct UiTestProject
{
    QTemporaryDir tmp;
    QString folder;        // the project folder
    QString imagesRoot;    // the identity-folder tree
    std::unique_ptr<store::ProjectStore> store;
    QStringList identities;
    QVector<qint64> imageIds;
    QHash<qint64, QString> imagePath;       // image id -> absolute path
    QHash<qint64, QString> imageIdentity;   // image id -> identity name
    QVector<qint64> pairIds;                // in insertion order (= queue order while unlabelled)
    QHash<qint64, QPair<qint64, qint64>> pairImages;

    // identities x imagesPerIdentity real PNG files; `pairs` pairs alternating same / different.
    // size 112x112 makes "pre-aligned" faces the face stage uses as they are.
    static std::unique_ptr<UiTestProject> withImages(int identities, int imagesPerIdentity, int pairs,
                                                     QSize size = QSize(96, 120));
    // A large project without image files (records only): `pairs` pairs over enough images.
    static std::unique_ptr<UiTestProject> large(int pairs);

    // Rows of the feedback table read through a separate connection: (pair id, verdict, undone).
    struct Row
    {
        qint64 id;
        qint64 pairId;
        QString verdict;
        bool undone;
    };
    QVector<Row> feedbackRows() const;
};

} // namespace facelab::test

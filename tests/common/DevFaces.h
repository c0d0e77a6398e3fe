#pragma once
// The development faces (shared/data/faces112: aligned crops of 24 people, one folder each),
// copied in part into a test's own folder so that a test project imports real faces.
#include <QDir>
#include <QFile>
#include <QString>
#include <QStringList>

namespace facelab::test {

inline QString devFacesDir() { return QStringLiteral(FACELAB_SOURCE_DIR "/../shared/data/faces112"); }

// Copies the first perPerson crops of the first `people` people (name order) into root/<person>/;
// returns the people copied (empty when the development faces are missing).
inline QStringList copyDevFaces(const QString &root, int people, int perPerson)
{
    const QDir faces(devFacesDir());
    const QStringList names = faces.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name).mid(0, people);
    for (const QString &name : names) {
        QDir(root).mkpath(name);
        const QStringList files = QDir(faces.filePath(name)).entryList(QDir::Files, QDir::Name).mid(0, perPerson);
        for (const QString &f : files)
            QFile::copy(faces.filePath(name + "/" + f), root + "/" + name + "/" + f);
    }
    return names;
}

} // namespace facelab::test

#include "linearize/LinearizeSnapshotFile.h"

#include "linearize/SurrogateData.h"

#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <stdexcept>

namespace facelab::linearize {

namespace {

constexpr quint32 kMagic = 0x464c4c53;   // "FLLS"
constexpr quint32 kVersion = 1;

[[noreturn]] void fail(const QString &path, const QString &problem)
{
    throw std::runtime_error(QStringLiteral("Linearizer training snapshot %1: %2").arg(path, problem).toStdString());
}

void writeIndices(QDataStream &out, const std::vector<std::size_t> &v)
{
    out << quint64(v.size());
    for (std::size_t i : v)
        out << quint64(i);
}

std::vector<std::size_t> readIndices(QDataStream &in, quint64 faces, const QString &path, const char *what)
{
    quint64 n = 0;
    in >> n;
    if (n > faces)
        fail(path, QStringLiteral("%1 %2 indices for %3 faces").arg(n).arg(QLatin1String(what)).arg(faces));
    std::vector<std::size_t> v;
    v.reserve(std::size_t(n));
    for (quint64 k = 0; k < n && in.status() == QDataStream::Ok; ++k) {
        quint64 i = 0;
        in >> i;
        if (i >= faces)
            fail(path, QStringLiteral("%1 index %2 refers to face %3 of %4").arg(QLatin1String(what)).arg(k).arg(i).arg(faces));
        v.push_back(std::size_t(i));
    }
    return v;
}

} // namespace

void writeLinearizeSnapshot(const QString &path, const LinearizeSnapshotFile &s)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        fail(path, QStringLiteral("cannot write: %1").arg(f.errorString()));
    QDataStream out(&f);
    out.setVersion(QDataStream::Qt_6_4);
    const quint64 faces = s.faces;
    out << kMagic << kVersion << QJsonDocument(s.request).toJson(QJsonDocument::Compact) << s.teacher << s.pack
        << qint32(s.maxImages) << s.crops << faces;
    writeIndices(out, s.train);
    writeIndices(out, s.heldOut);
    out << quint64(s.targets.size());
    for (const auto &t : s.targets) {
        out << quint32(t.size());
        out.writeRawData(reinterpret_cast<const char *>(t.data()), int(t.size() * sizeof(float)));
    }
    if (out.status() != QDataStream::Ok || !f.commit())
        fail(path, QStringLiteral("cannot write: %1").arg(f.errorString()));
}

LinearizeSnapshotFile readLinearizeSnapshot(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        fail(path, QStringLiteral("cannot open: %1").arg(f.errorString()));
    QDataStream in(&f);
    in.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0, version = 0;
    in >> magic >> version;
    if (magic != kMagic)
        fail(path, QStringLiteral("not a FaceLab Linearizer training snapshot"));
    if (version != kVersion)
        fail(path, QStringLiteral("format %1, this FaceLab reads %2").arg(version).arg(kVersion));
    LinearizeSnapshotFile s;
    QByteArray request;
    qint32 maxImages = 0;
    quint64 faces = 0;
    in >> request >> s.teacher >> s.pack >> maxImages >> s.crops >> faces;
    s.request = QJsonDocument::fromJson(request).object();
    s.maxImages = maxImages;
    s.faces = std::size_t(faces);
    if (s.pack.isEmpty() && faces != quint64(s.crops.size()))
        fail(path, QStringLiteral("%1 faces but %2 crop paths").arg(faces).arg(s.crops.size()));
    s.train = readIndices(in, faces, path, "training");
    s.heldOut = readIndices(in, faces, path, "held-out");
    quint64 targets = 0;
    in >> targets;
    if (targets > faces)
        fail(path, QStringLiteral("%1 targets for %2 faces").arg(targets).arg(faces));
    s.targets.resize(std::size_t(targets));
    for (auto &t : s.targets) {
        quint32 dim = 0;
        in >> dim;
        if (dim > 65536 || in.status() != QDataStream::Ok)
            break;
        t.resize(dim);
        if (in.readRawData(reinterpret_cast<char *>(t.data()), int(dim * sizeof(float))) != int(dim * sizeof(float)))
            break;
    }
    if (in.status() != QDataStream::Ok || !in.atEnd())
        fail(path, QStringLiteral("truncated or damaged"));
    return s;
}

SurrogateImages snapshotImages(const LinearizeSnapshotFile &s, const QString &projectFolder)
{
    if (!s.pack.isEmpty())
        return packImages(s.pack, s.maxImages);
    SurrogateImages images;
    const QDir folder(projectFolder);
    for (const QString &crop : s.crops) {
        images.ids.push_back(0);
        images.identity.push_back(0);
        images.identityNames.push_back(QString());
        images.paths.push_back(folder.filePath(crop));
    }
    return images;
}

} // namespace facelab::linearize

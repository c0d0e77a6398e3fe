#include "TrainingSnapshotFile.h"

#include <QDataStream>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>

namespace facelab::finetune {

namespace {

constexpr quint32 kMagic = 0x464c5453;   // "FLTS"
constexpr quint32 kVersion = 1;

[[noreturn]] void fail(const QString &path, const QString &problem)
{
    throw std::runtime_error(QStringLiteral("training snapshot %1: %2").arg(path, problem).toStdString());
}

void writePairs(QDataStream &out, const std::vector<train::FacePair> &pairs)
{
    out << quint32(pairs.size());
    for (const auto &p : pairs)
        out << qint32(p.a) << qint32(p.b) << bool(p.same);
}

std::vector<train::FacePair> readPairs(QDataStream &in, int faces, const QString &path)
{
    quint32 n = 0;
    in >> n;
    std::vector<train::FacePair> pairs;
    for (quint32 i = 0; i < n && in.status() == QDataStream::Ok; ++i) {
        qint32 a = 0, b = 0;
        bool same = false;
        in >> a >> b >> same;
        if (a < 0 || a >= faces || b < 0 || b >= faces)
            fail(path, QStringLiteral("pair %1 refers to face %2 of %3").arg(i).arg(std::max(a, b)).arg(faces));
        pairs.push_back({a, b, same});
    }
    return pairs;
}

} // namespace

void writeTrainingSnapshot(const QString &path, const TrainingSnapshotFile &s)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        fail(path, QStringLiteral("cannot write: %1").arg(f.errorString()));
    QDataStream out(&f);
    out.setVersion(QDataStream::Qt_6_4);
    out << kMagic << kVersion << QJsonDocument(s.request).toJson(QJsonDocument::Compact) << s.parentVersion;
    out << quint32(s.set.faces.size());
    for (const cv::Mat &face : s.set.faces) {
        std::vector<uchar> png;
        if (!cv::imencode(".png", face, png))
            fail(path, QStringLiteral("a face cannot be encoded"));
        out << QByteArray(reinterpret_cast<const char *>(png.data()), qsizetype(png.size()));
    }
    writePairs(out, s.set.train);
    writePairs(out, s.set.validation);
    out << quint32(s.set.anchors.size());
    for (int a : s.set.anchors)
        out << qint32(a);
    if (out.status() != QDataStream::Ok || !f.commit())
        fail(path, QStringLiteral("cannot write: %1").arg(f.errorString()));
}

TrainingSnapshotFile readTrainingSnapshot(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        fail(path, QStringLiteral("cannot open: %1").arg(f.errorString()));
    QDataStream in(&f);
    in.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0, version = 0;
    in >> magic >> version;
    if (magic != kMagic)
        fail(path, QStringLiteral("not a FaceLab training snapshot"));
    if (version != kVersion)
        fail(path, QStringLiteral("format %1, this FaceLab reads %2").arg(version).arg(kVersion));
    TrainingSnapshotFile s;
    QByteArray request;
    in >> request >> s.parentVersion;
    s.request = QJsonDocument::fromJson(request).object();
    quint32 faces = 0;
    in >> faces;
    for (quint32 i = 0; i < faces && in.status() == QDataStream::Ok; ++i) {
        QByteArray png;
        in >> png;
        const cv::Mat img = cv::imdecode(cv::Mat(1, int(png.size()), CV_8U, png.data()), cv::IMREAD_COLOR);
        if (img.empty())
            fail(path, QStringLiteral("face %1 cannot be decoded").arg(i));
        s.set.faces.push_back(img);
    }
    s.set.train = readPairs(in, int(faces), path);
    s.set.validation = readPairs(in, int(faces), path);
    quint32 anchors = 0;
    in >> anchors;
    for (quint32 i = 0; i < anchors && in.status() == QDataStream::Ok; ++i) {
        qint32 a = 0;
        in >> a;
        if (a < 0 || a >= qint32(faces))
            fail(path, QStringLiteral("anchor %1 refers to face %2 of %3").arg(i).arg(a).arg(faces));
        s.set.anchors.push_back(a);
    }
    if (in.status() != QDataStream::Ok)
        fail(path, QStringLiteral("truncated"));
    return s;
}

} // namespace facelab::finetune

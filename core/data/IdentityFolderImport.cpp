#include "IdentityFolderImport.h"

#include "ImageProbe.h"
#include "store/ImageTable.h"
#include "store/StoreError.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QScopeGuard>
#include <QtConcurrent/QtConcurrentMap>

namespace facelab::data {
namespace {

struct Candidate
{
    QString identity;
    QString relPath;
    QString absPath;
    std::optional<ImageFacts> facts;
    QString why;
};

// Hashing is the cost of an import; it runs on every core in chunks, and each chunk is written
// in one transaction so SQLite round trips never dominate.
constexpr int kChunk = 256;

bool isJunk(const QString &name)
{
    return name.startsWith(QLatin1Char('.')) || name == QLatin1String("Thumbs.db") || name == QLatin1String("desktop.ini");
}

} // namespace

ImportReport importIdentityFolders(const store::ProjectStore &store, const QString &dir, jobs::JobContext &ctx)
{
    const QFileInfo rootInfo(dir);
    if (!rootInfo.exists())
        throw ImportError(QStringLiteral("%1: no such folder").arg(dir));
    if (!rootInfo.isDir())
        throw ImportError(QStringLiteral("%1 is a file; identity import needs a folder holding one folder per "
                                         "identity (e.g. lfw/Aaron_Eckhart/Aaron_Eckhart_0001.jpg)").arg(dir));
    const QDir root(rootInfo.absoluteFilePath());
    ImportReport report;
    QVector<Candidate> todo;

    const QFileInfoList top = root.entryInfoList(QDir::Dirs | QDir::Files | QDir::NoDotAndDotDot, QDir::Name);
    int looseImages = 0;
    for (const QFileInfo &e : top) {
        if (isJunk(e.fileName()))
            continue;
        if (e.isFile()) {
            if (hasImageExtension(e.fileName()))
                ++looseImages;
            continue;
        }
        int found = 0;
        QDirIterator it(e.absoluteFilePath(), QDir::Files, QDirIterator::Subdirectories);
        QStringList files;
        while (it.hasNext())
            files << it.next();
        files.sort();
        for (const QString &f : files) {
            const QString name = QFileInfo(f).fileName();
            if (isJunk(name))
                continue;
            const QString rel = root.relativeFilePath(f);
            if (!hasImageExtension(name)) {
                report.problems.push_back({rel, 0, QStringLiteral("skipped: not an image file type")});
                continue;
            }
            todo.push_back({e.fileName(), rel, f, std::nullopt, {}});
            ++found;
        }
        if (found == 0)
            report.problems.push_back({e.fileName() + QLatin1Char('/'), 0, QStringLiteral("identity folder holds no images")});
    }
    if (looseImages > 0)
        report.problems.push_back({root.path(), 0,
                                   QStringLiteral("%1 image(s) directly in the root were skipped: put each identity's "
                                                  "images in a folder named after it").arg(looseImages)});
    if (todo.isEmpty())
        throw ImportError(QStringLiteral("%1 holds no identity folders with images (expected %1/NAME/*.jpg|png)")
                              .arg(QDir::toNativeSeparators(root.path())));

    store::ImageTable images(store);
    const qint64 rootId = images.ensureRoot(root.path(), QStringLiteral("identities"));
    QHash<QString, qint64> identityIds;
    QSet<QString> identitiesWithImages;

    // Hash chunk k+1 on the pool while chunk k is written, so the disk, the cores and SQLite
    // all stay busy.
    auto probeChunk = [&todo](int start) {
        const int end = std::min<int>(start + kChunk, todo.size());
        return QtConcurrent::map(todo.begin() + start, todo.begin() + end,
                                 [](Candidate &c) { c.facts = probeImage(c.absPath, &c.why); });
    };
    QFuture<void> ahead = probeChunk(0);
    auto waitAhead = qScopeGuard([&ahead] { ahead.waitForFinished(); });   // never leave a map running on todo
    for (int start = 0; start < todo.size(); start += kChunk) {
        ahead.waitForFinished();
        ctx.checkCanceled();
        const int end = std::min<int>(start + kChunk, todo.size());
        if (end < todo.size())
            ahead = probeChunk(end);
        store::Transaction tx(store.db());
        for (int i = start; i < end; ++i) {
            Candidate &c = todo[i];
            if (!c.facts) {
                report.problems.push_back({c.relPath, 0, c.why});
                continue;
            }
            qint64 &idt = identityIds[c.identity];
            if (idt == 0)
                idt = images.ensureIdentity(c.identity);
            identitiesWithImages.insert(c.identity);
            store::NewImage ni{c.relPath, c.facts->sha256, c.facts->sizeBytes, c.facts->width, c.facts->height, idt};
            const auto [id, added] = images.insert(rootId, ni);
            if (added) {
                ++report.imagesAdded;
            } else {
                ++report.imagesExisting;
                const store::ImageRecord existing = images.image(id);
                if (existing.relPath != c.relPath)
                    report.problems.push_back({c.relPath, 0, QStringLiteral("same content as %1; kept once").arg(existing.relPath)});
            }
        }
        tx.commit();
        ctx.setProgress(end, todo.size(), QStringLiteral("Importing images"));
    }
    report.identitiesSeen = identitiesWithImages.size();
    ctx.log(report.summary());
    return report;
}

} // namespace facelab::data

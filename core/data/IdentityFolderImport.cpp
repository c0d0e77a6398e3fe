#include "IdentityFolderImport.h"

#include "ImageProbe.h"
#include "store/FaceTable.h"
#include "store/ImageTable.h"
#include "store/StoreError.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QtConcurrent/QtConcurrentMap>

namespace facelab::data {
namespace {

struct Candidate
{
    QString identity;   // the folder under the root: with the root, the person
    QString relPath;
    QString absPath;
    QString resolved;   // absPath with every link resolved
    std::optional<ImageFacts> facts;
    QString why;
};

// An image already in the project, by its place.
struct Known
{
    qint64 id = 0;
    qint64 rootId = 0;
    QString sha256;
    QString place;      // canonical root + relative path
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
    // Walk the folder itself, not the link or relative path that named it: the same folder by
    // any path is the same root, and every image gets the same place in it.
    const QDir root(rootInfo.canonicalFilePath());
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
            if (isJunk(QFileInfo(f).fileName()))
                continue;
            // Every file is a candidate: the probe tells images by their content, not their name.
            todo.push_back({e.fileName(), root.relativeFilePath(f), f, {}, std::nullopt, {}});
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
    QHash<QString, qint64> personIds;
    QSet<QString> identitiesWithImages;

    // Every image already in the project by its place (root resolved + relative path) and by
    // content, so a file reached through any link is found, and copies are named.
    QHash<qint64, QString> rootDirs;
    QHash<QString, Known> byPlace;
    QHash<QString, QString> placeBySha;
    for (const store::ImageRecord &r : images.all()) {
        auto rd = rootDirs.find(r.rootId);
        if (rd == rootDirs.end()) {
            const QString stored = images.rootPath(r.rootId);
            const QString canonical = QFileInfo(stored).canonicalFilePath();
            rd = rootDirs.insert(r.rootId, canonical.isEmpty() ? stored : canonical);
        }
        const QString place = QDir::cleanPath(*rd + QLatin1Char('/') + r.relPath);
        byPlace.insert(place, {r.id, r.rootId, r.sha256, place});
        placeBySha.insert(r.sha256, place);
    }

    // Hash chunk k+1 on the pool while chunk k is written, so the disk, the cores and SQLite
    // all stay busy.
    auto probeChunk = [&todo](int start) {
        const int end = std::min<int>(start + kChunk, todo.size());
        return QtConcurrent::map(todo.begin() + start, todo.begin() + end, [](Candidate &c) {
            c.resolved = QFileInfo(c.absPath).canonicalFilePath();
            c.facts = probeImage(c.absPath, &c.why);
        });
    };
    QVector<qint64> replaced;
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
            const store::NewImage ni{c.relPath, c.facts->sha256, c.facts->sizeBytes, c.facts->width, c.facts->height, 0};
            const QString place = QDir::cleanPath(root.path() + QLatin1Char('/') + c.relPath);
            auto known = byPlace.constFind(place);
            if (known == byPlace.constEnd())
                known = byPlace.constFind(c.resolved);   // a link to a file already imported
            if (known != byPlace.constEnd()) {
                identitiesWithImages.insert(c.identity);
                ++report.imagesExisting;
                if (known->place != place)
                    report.problems.push_back({c.relPath, 0, QStringLiteral("the same file as %1; kept once").arg(known->place)});
                if (known->sha256 == ni.sha256)
                    continue;
                // New content at a known place: the row takes it, derived data go, verdicts stay.
                if (const qint64 twin = images.findBySha(known->rootId, ni.sha256); twin != 0 && twin != known->id) {
                    report.problems.push_back({c.relPath, 0, QStringLiteral("changed since its import into a copy of %1, "
                                                                           "which is imported; left as it was")
                                                                .arg(images.image(twin).relPath)});
                    continue;
                }
                const int verdicts = images.replaceContent(known->id, ni);
                replaced << known->id;
                byPlace[known.key()].sha256 = ni.sha256;
                report.problems.push_back({c.relPath, 0, QStringLiteral("content changed since its import: the image now "
                                                                       "holds the new picture; its faces, embeddings and "
                                                                       "scores were dropped, its %1 verdict(s) kept")
                                                            .arg(verdicts)});
                continue;
            }
            qint64 &person = personIds[c.identity];
            if (person == 0)
                person = images.ensurePerson(rootId, c.identity);
            store::NewImage withPerson = ni;
            withPerson.identityId = person;
            const auto [id, added] = images.insert(rootId, withPerson);
            if (added) {
                identitiesWithImages.insert(c.identity);
                ++report.imagesAdded;
                if (const auto copy = placeBySha.constFind(ni.sha256); copy != placeBySha.constEnd())
                    report.problems.push_back({c.relPath, 0, QStringLiteral("the same content as %1 (another import "
                                                                           "root); imported, never paired with it")
                                                                .arg(*copy)});
                byPlace.insert(place, {id, rootId, ni.sha256, place});
                if (!c.resolved.isEmpty() && c.resolved != place)
                    byPlace.insert(c.resolved, {id, rootId, ni.sha256, place});
                placeBySha.insert(ni.sha256, place);
            } else {
                identitiesWithImages.insert(c.identity);
                ++report.imagesExisting;
                const store::ImageRecord existing = images.image(id);
                if (existing.relPath != c.relPath)
                    report.problems.push_back({c.relPath, 0, QStringLiteral("same content as %1; kept once").arg(existing.relPath)});
            }
        }
        tx.commit();
        ctx.setProgress(end, todo.size(), QStringLiteral("Importing images"));
    }
    // Crops of replaced pictures go once their rows say "pending" (the face stage remakes them).
    for (const qint64 id : replaced)
        QFile::remove(store::FaceTable::alignedPath(store, id));
    report.identitiesSeen = identitiesWithImages.size();
    ctx.log(report.summary());
    return report;
}

} // namespace facelab::data

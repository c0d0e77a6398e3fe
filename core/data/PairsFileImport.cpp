#include "PairsFileImport.h"

#include "ImageProbe.h"
#include "store/ImageTable.h"
#include "store/PairTable.h"
#include "store/StoreError.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QtConcurrent/QtConcurrentMap>

namespace facelab::data {
namespace {

struct ImageRef
{
    QString absPath;
    QString identity;
    std::optional<ImageFacts> facts;
    QString why;
    qint64 id = 0;
};

std::optional<bool> parseTruth(QString s)
{
    s = s.trimmed().toLower();
    if (s == "1" || s == "yes" || s == "true" || s == "same" || s == "y")
        return true;
    if (s == "0" || s == "no" || s == "false" || s == "different" || s == "diff" || s == "n")
        return false;
    return std::nullopt;
}

// Splits one CSV record; handles double-quoted fields (paths with commas).
QStringList splitCsv(const QString &line)
{
    QStringList out;
    QString cur;
    bool quoted = false;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cur += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out << cur.trimmed();
            cur.clear();
        } else {
            cur += c;
        }
    }
    out << cur.trimmed();
    return out;
}

QString lfwPath(const QString &name, int index)
{
    return QStringLiteral("%1/%1_%2.jpg").arg(name).arg(index, 4, 10, QLatin1Char('0'));
}

QString identityFromPath(const QString &path)
{
    const QString dir = QFileInfo(path).path();
    return (dir.isEmpty() || dir == QLatin1String(".")) ? QString() : QFileInfo(dir).fileName();
}

} // namespace

PairsFileContent parsePairsFile(QIODevice &f, const QString &file)
{
    const QString fileName = QFileInfo(file).fileName();
    PairsFileContent content;
    // A wrong file can have a problem on each of millions of lines: list the first ones, count the rest.
    auto problem = [&](int lineNo, const QString &reason) {
        if (content.problems.size() < kMaxPairsFileProblems)
            content.problems.push_back({fileName, lineNo, reason});
        else
            ++content.unlistedProblems;
    };
    int &badLines = content.badLines;
    QVector<PairsFilePair> &parsed = content.pairs;
    static const QRegularExpression ws(QStringLiteral("\\s+"));
    static const QRegularExpression header(QStringLiteral("^\\d+(\\s+\\d+)?$"));

    // Read a line at a time: a big wrong file costs the lines looked at, not a copy of itself.
    int firstContent = 0;   // its line number; 0 until a line has content
    qint64 promised = -1;   // 64-bit: "folds n" multiplies two counts of any size
    int lineNo = 0;
    while (!f.atEnd()) {
        const QString line = QString::fromUtf8(f.readLine()).trimmed();
        ++lineNo;
        if (line.isEmpty())
            continue;
        // Format from the first line with content: a comma means CSV, otherwise LFW.
        const bool first = firstContent == 0;
        if (first) {
            firstContent = lineNo;
            content.csv = line.contains(QLatin1Char(','));
        }
        if (line.startsWith(QLatin1Char('#')))
            continue;
        // Not one pair in the first lines with content: some other file, refused before it costs a
        // problem per line.
        if (parsed.isEmpty() && badLines >= kPairsFileProbeLines)
            throw ImportError(QStringLiteral("%1 is not a pairs file: none of its first %2 lines with content is a pair (%3)")
                                  .arg(file).arg(badLines).arg(content.problems.front().toString()));
        if (!content.csv) {
            if (first && header.match(line).hasMatch()) {
                // "folds n": n same + n different pairs per fold; a lone count is the pair count.
                const QStringList h = line.split(ws);
                promised = h.size() == 2 ? qint64(h[0].toInt()) * h[1].toInt() * 2 : h[0].toInt();
                continue;
            }
            const QStringList t = line.split(ws);
            bool ok1 = false, ok2 = false;
            if (t.size() == 3) {
                const int a = t[1].toInt(&ok1), b = t[2].toInt(&ok2);
                if (ok1 && ok2 && a > 0 && b > 0) {
                    parsed.push_back({lineNo, lfwPath(t[0], a), lfwPath(t[0], b), t[0], t[0], true});
                    continue;
                }
            } else if (t.size() == 4) {
                const int a = t[1].toInt(&ok1), b = t[3].toInt(&ok2);
                if (ok1 && ok2 && a > 0 && b > 0) {
                    parsed.push_back({lineNo, lfwPath(t[0], a), lfwPath(t[2], b), t[0], t[2], t[0] == t[2]});
                    continue;
                }
            }
            ++badLines;
            problem(lineNo, QStringLiteral("expected 'name i j' or 'name1 i name2 j' with positive image "
                                           "numbers, got '%1'").arg(line.left(120)));
        } else {
            const QStringList t = splitCsv(line);
            // A header line names columns, not image files (path1,path2,same).
            if (first && !t.isEmpty() && !hasImageExtension(t[0]))
                continue;
            if (t.size() < 2 || t.size() > 3) {
                ++badLines;
                problem(lineNo, QStringLiteral("expected 'path1,path2,same', got %1 field(s)").arg(t.size()));
                continue;
            }
            std::optional<bool> truth;
            if (t.size() == 3 && !t[2].isEmpty()) {
                truth = parseTruth(t[2]);
                if (!truth) {
                    ++badLines;
                    problem(lineNo, QStringLiteral("'%1' is not a same value (use 1/0, yes/no, true/false)").arg(t[2].left(40)));
                    continue;
                }
            }
            if (t[0].isEmpty() || t[1].isEmpty()) {
                ++badLines;
                problem(lineNo, QStringLiteral("empty image path"));
                continue;
            }
            // Two words and a comma are not a pair: the paths name image files (garbage often has commas).
            if (!hasImageExtension(t[0]) || !hasImageExtension(t[1])) {
                ++badLines;
                problem(lineNo, QStringLiteral("'%1' is not an image file name").arg((hasImageExtension(t[0]) ? t[1] : t[0]).left(120)));
                continue;
            }
            parsed.push_back({lineNo, t[0], t[1], identityFromPath(t[0]), identityFromPath(t[1]), truth});
        }
    }
    if (firstContent == 0)
        throw ImportError(QStringLiteral("%1 is empty").arg(file));
    if (parsed.isEmpty()) {
        QString first = content.problems.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(content.problems.front().toString());
        throw ImportError(QStringLiteral("%1 holds no valid pair line%2").arg(file, first));
    }
    if (promised >= 0 && promised != parsed.size() + badLines)
        problem(firstContent, QStringLiteral("header promises %1 pairs, the file has %2 pair lines")
                                      .arg(promised).arg(parsed.size() + badLines));

    return content;
}

ImportReport importPairsFile(const store::ProjectStore &store, const QString &file, const QString &rootArg,
                             jobs::JobContext &ctx)
{
    const QFileInfo fi(file);
    if (!fi.exists())
        throw ImportError(QStringLiteral("%1: no such file").arg(file));
    if (fi.isDir())
        throw ImportError(QStringLiteral("%1 is a folder; pairs import needs a pairs.txt or .csv file (use "
                                         "identity import for folders)").arg(file));
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        throw ImportError(QStringLiteral("%1: cannot open: %2").arg(file, f.errorString()));
    if (f.peek(64 * 1024).contains('\0'))
        throw ImportError(QStringLiteral("%1 is not a pairs file: NUL bytes in its first 64 KB (binary content, not a "
                                         "text pairs file)").arg(file));

    const QString rootPath = QFileInfo(rootArg.isEmpty() ? fi.absolutePath() : rootArg).absoluteFilePath();
    if (!QFileInfo(rootPath).isDir())
        throw ImportError(QStringLiteral("image root %1 is not a folder").arg(rootPath));
    const QDir root(rootPath);
    const QString fileName = fi.fileName();

    ImportReport report;
    PairsFileContent content = parsePairsFile(f, file);
    report.problems = content.problems;
    int unlisted = content.unlistedProblems;
    auto problem = [&](int lineNo, const QString &reason) {
        if (report.problems.size() < kMaxPairsFileProblems)
            report.problems.push_back({fileName, lineNo, reason});
        else
            ++unlisted;
    };
    const QVector<PairsFilePair> &parsed = content.pairs;

    // Every distinct image once: hashed in parallel, then written with the pairs.
    QHash<QString, int> refIndex;
    QVector<ImageRef> refs;
    auto refFor = [&](const QString &p, const QString &identity) {
        const QString abs = QDir::cleanPath(root.absoluteFilePath(p));
        auto it = refIndex.find(abs);
        if (it != refIndex.end())
            return *it;
        refs.push_back({abs, identity, std::nullopt, {}, 0});
        return refIndex[abs] = int(refs.size() - 1);
    };
    QVector<std::pair<int, int>> pairRefs;
    for (const PairsFilePair &p : parsed)
        pairRefs.push_back({refFor(p.pathA, p.identityA), refFor(p.pathB, p.identityB)});

    ctx.setProgress(0, refs.size(), QStringLiteral("Reading images"));
    constexpr int kChunk = 256;
    for (int s = 0; s < refs.size(); s += kChunk) {
        ctx.checkCanceled();
        const int e = std::min<int>(s + kChunk, refs.size());
        QtConcurrent::blockingMap(refs.begin() + s, refs.begin() + e,
                                  [](ImageRef &r) { r.facts = probeImage(r.absPath, &r.why); });
        ctx.setProgress(e, refs.size(), QStringLiteral("Reading images"));
    }

    store::ImageTable images(store);
    store::PairTable pairs(store);
    const QString split = content.csv ? QStringLiteral("train") : QStringLiteral("test");
    store::ChunkedTransaction tx(store.db());   // short transactions: verdicts never wait long
    const qint64 mainRoot = images.ensureRoot(root.path(), QStringLiteral("pairs"));
    QHash<QString, qint64> identityIds;
    for (ImageRef &r : refs) {
        if (!r.facts)
            continue;
        // Images outside the root (absolute CSV paths) get their own folder as root.
        qint64 rootId = mainRoot;
        QString rel = root.relativeFilePath(r.absPath);
        if (rel.startsWith(QLatin1String("../"))) {
            rootId = images.ensureRoot(QFileInfo(r.absPath).absolutePath(), QStringLiteral("pairs"));
            rel = QFileInfo(r.absPath).fileName();
        }
        qint64 idt = 0;
        if (!r.identity.isEmpty()) {
            qint64 &cached = identityIds[r.identity];
            if (cached == 0)
                cached = images.ensureIdentity(r.identity);
            idt = cached;
        }
        tx.step();
        const auto [id, added] =
            images.insert(rootId, {rel, r.facts->sha256, r.facts->sizeBytes, r.facts->width, r.facts->height, idt});
        r.id = id;
        added ? ++report.imagesAdded : ++report.imagesExisting;
    }
    report.identitiesSeen = identityIds.size();
    for (int i = 0; i < parsed.size(); ++i) {
        const ImageRef &a = refs[pairRefs[i].first];
        const ImageRef &b = refs[pairRefs[i].second];
        const int lineNo = parsed[i].line;
        if (!a.facts || !b.facts) {
            const ImageRef &bad = a.facts ? b : a;
            problem(lineNo, QStringLiteral("%1: %2").arg(root.relativeFilePath(bad.absPath), bad.why));
            continue;
        }
        if (a.id == b.id) {
            problem(lineNo, QStringLiteral("both sides are the same image"));
            continue;
        }
        tx.step();
        const auto [pid, added] = pairs.insert({a.id, b.id, parsed[i].truth, QStringLiteral("imported"), split});
        Q_UNUSED(pid);
        added ? ++report.pairsAdded : ++report.pairsExisting;
    }
    tx.commit();
    if (unlisted > 0)
        report.problems.push_back({fileName, 0, QStringLiteral("and %1 more problems (only the first %2 are listed)")
                                                     .arg(unlisted).arg(kMaxPairsFileProblems)});
    ctx.log(report.summary());
    return report;
}

} // namespace facelab::data

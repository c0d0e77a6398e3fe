#include "VerdictFile.h"

#include "store/FeedbackTable.h"
#include "store/PairTable.h"
#include "store/StoreError.h"

#include <QFile>
#include <QFileInfo>

namespace facelab::data {
namespace {

std::optional<store::Verdict> verdictWord(QString w)
{
    w = w.trimmed().toLower();
    if (w == QLatin1String("same") || w == QLatin1String("1") || w == QLatin1String("true") || w == QLatin1String("s"))
        return store::Verdict::Same;
    if (w == QLatin1String("different") || w == QLatin1String("0") || w == QLatin1String("false") || w == QLatin1String("d"))
        return store::Verdict::Different;
    if (w == QLatin1String("skip"))
        return store::Verdict::Skip;
    return std::nullopt;
}

// A key for a pair of paths that does not depend on their order.
QString pathKey(const QString &a, const QString &b)
{
    return a < b ? a + QChar(0) + b : b + QChar(0) + a;
}

QString canonical(const QString &p)
{
    const QString c = QFileInfo(p).canonicalFilePath();
    return c.isEmpty() ? QFileInfo(p).absoluteFilePath() : c;
}

} // namespace

VerdictPairIndex VerdictPairIndex::of(const store::ProjectStore &store)
{
    VerdictPairIndex index;
    for (const store::PairRecord &p : store::PairTable(store).all())
        index.add(p.id, p.a.absPath, p.b.absPath);
    return index;
}

void VerdictPairIndex::add(qint64 pairId, const QString &pathA, const QString &pathB)
{
    m_ids.insert(pairId);
    m_byPaths.insert(pathKey(pathA, pathB), pairId);
    m_byPaths.insert(pathKey(canonical(pathA), canonical(pathB)), pairId);
}

qint64 VerdictPairIndex::find(const QString &pathA, const QString &pathB) const
{
    if (const qint64 id = m_byPaths.value(pathKey(pathA, pathB)))
        return id;
    return m_byPaths.value(pathKey(canonical(pathA), canonical(pathB)));
}

VerdictFileReport readVerdictFile(const store::ProjectStore &store, const QString &file)
{
    QFile f(file);
    if (!QFileInfo(file).isFile())
        throw ImportError(QStringLiteral("%1: no such file").arg(file));
    if (!f.open(QIODevice::ReadOnly))
        throw ImportError(QStringLiteral("%1: cannot be read (%2)").arg(file, f.errorString()));
    // A picture or an archive given by mistake: refused whole, not reported line by line.
    if (f.peek(64 * 1024).contains('\0'))
        throw ImportError(QStringLiteral("%1 is not a file of verdicts: binary content (NUL bytes in its first 64 KB)").arg(file));
    return parseVerdicts(f, file, VerdictPairIndex::of(store));
}

VerdictFileReport parseVerdicts(QIODevice &in, const QString &file, const VerdictPairIndex &pairs)
{
    VerdictFileReport r;
    auto problem = [&](int line, const QString &why) {
        if (r.problems.size() < kMaxVerdictFileProblems)
            r.problems.append({file, line, why});
    };
    int lineNo = 0;
    while (!in.atEnd()) {
        // Room for the longest line allowed and its newline (readLine keeps one byte for a NUL).
        const QByteArray raw = in.readLine(kMaxVerdictLineBytes + 2);
        ++lineNo;
        if (raw.size() > kMaxVerdictLineBytes && !raw.endsWith('\n')) {
            // The rest of the line goes with it: one line, one number, one problem.
            while (!in.atEnd() && !in.readLine(kMaxVerdictLineBytes + 2).endsWith('\n')) {
            }
            problem(lineNo, QStringLiteral("line longer than %1 KB: not a line of verdicts").arg(kMaxVerdictLineBytes / 1024));
            continue;
        }
        if (raw.contains('\0')) {
            problem(lineNo, QStringLiteral("binary data: this is not a text file of verdicts"));
            if (lineNo == 1)
                break;
            continue;
        }
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        ++r.linesRead;
        const QChar sep = line.contains(QLatin1Char('\t')) ? QLatin1Char('\t') : QLatin1Char(',');
        QStringList cols = line.split(sep);
        for (QString &c : cols)
            c = c.trimmed();
        const auto verdict = cols.size() >= 2 ? verdictWord(cols.last()) : std::nullopt;
        if (!verdict) {
            const bool header = r.linesRead == 1;
            if (!header)   // "pair,verdict" and the like on the first line is a header
                problem(lineNo, cols.size() < 2 ? QStringLiteral("expected ID,VERDICT or PATH1,PATH2,VERDICT")
                                                : QStringLiteral("'%1' is not same, different or skip").arg(cols.last()));
            continue;
        }
        qint64 pairId = 0;
        if (cols.size() == 2) {
            bool ok = false;
            pairId = cols[0].toLongLong(&ok);
            if (!ok || pairId <= 0) {
                problem(lineNo, QStringLiteral("'%1' is not a pair id").arg(cols[0]));
                continue;
            }
            if (!pairs.contains(pairId)) {
                problem(lineNo, QStringLiteral("no pair %1 in this project").arg(pairId));
                continue;
            }
        } else if (cols.size() == 3) {
            pairId = pairs.find(cols[0], cols[1]);
            if (pairId == 0) {
                problem(lineNo, QStringLiteral("no pair of %1 and %2 in this project").arg(cols[0], cols[1]));
                continue;
            }
        } else {
            problem(lineNo, QStringLiteral("%1 columns; expected ID,VERDICT or PATH1,PATH2,VERDICT").arg(cols.size()));
            continue;
        }
        r.verdicts.append({lineNo, pairId, *verdict});
    }
    return r;
}

int applyVerdicts(const store::ProjectStore &store, const QVector<VerdictLine> &verdicts)
{
    QSqlDatabase db = store.db();
    store::Transaction tx(db);
    const store::FeedbackTable fb(store);
    for (const VerdictLine &v : verdicts)
        fb.add(v.pairId, v.verdict);
    tx.commit();
    return int(verdicts.size());
}

} // namespace facelab::data

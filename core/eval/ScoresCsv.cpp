#include "ScoresCsv.h"

#include "EvalError.h"
#include "store/PairTable.h"

#include <QSaveFile>

namespace facelab::eval {

namespace {
// RFC 4180: quote fields holding a comma, quote or line break; double inner quotes.
QByteArray csvField(const QString &s)
{
    QByteArray b = s.toUtf8();
    if (b.contains(',') || b.contains('"') || b.contains('\n') || b.contains('\r'))
        b = '"' + b.replace("\"", "\"\"") + '"';
    return b;
}
} // namespace

void writeScoresCsv(const store::ProjectStore &st, const EvalPairs &pairs, const QString &file)
{
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly))
        throw EvalError(QStringLiteral("cannot write %1: %2").arg(file, f.errorString()));
    QByteArray text = "path1,path2,truth,score\n";
    const QVector<store::PairRecord> records = store::PairTable(st).pairs(pairs.pairIds);
    if (records.size() != pairs.pairIds.size())
        throw EvalError(QStringLiteral("pairs changed while writing %1; evaluate again").arg(file));
    for (int i = 0; i < records.size(); ++i) {
        text += csvField(records[i].a.absPath) + ',' + csvField(records[i].b.absPath) + ',' +
                (pairs.same[std::size_t(i)] ? "1" : "0") + ',' + QByteArray::number(pairs.scores[std::size_t(i)], 'g', 17) + '\n';
        if (text.size() > (1 << 20)) {
            if (f.write(text) != text.size())
                throw EvalError(QStringLiteral("cannot write %1: %2").arg(file, f.errorString()));
            text.clear();
        }
    }
    if (f.write(text) != text.size() || !f.commit())
        throw EvalError(QStringLiteral("cannot write %1: %2").arg(file, f.errorString()));
}

} // namespace facelab::eval

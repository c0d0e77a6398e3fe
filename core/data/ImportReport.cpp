#include "ImportReport.h"

#include <QJsonArray>

namespace facelab::data {

QString ImportProblem::toString() const
{
    return line > 0 ? QStringLiteral("%1:%2: %3").arg(file).arg(line).arg(reason)
                    : QStringLiteral("%1: %2").arg(file, reason);
}

QJsonObject ImportReport::toJson() const
{
    QJsonArray probs;
    for (const ImportProblem &p : problems)
        probs.append(QJsonObject{{"file", p.file}, {"line", p.line}, {"reason", p.reason}});
    return QJsonObject{{"images_added", imagesAdded},       {"images_existing", imagesExisting},
                       {"identities", identitiesSeen},      {"pairs_added", pairsAdded},
                       {"pairs_existing", pairsExisting},   {"problems", probs}};
}

QString ImportReport::summary() const
{
    QString s = QStringLiteral("%1 images added, %2 already present").arg(imagesAdded).arg(imagesExisting);
    if (pairsAdded || pairsExisting)
        s += QStringLiteral(", %1 pairs added, %2 already present").arg(pairsAdded).arg(pairsExisting);
    if (!problems.isEmpty())
        s += QStringLiteral(", %1 problem(s)").arg(problems.size());
    return s;
}

} // namespace facelab::data

#include "parallel/RankProgressText.h"

#include <QStringList>
#include <QVariantMap>

namespace facelab::parallel {

namespace {

double perSecond(const train::RankProgress &r)
{
    const double t = r.computeSeconds + r.waitSeconds;
    return t > 0 ? double(r.samples) / t : 0.0;
}

double waitShare(const train::RankProgress &r)
{
    const double t = r.computeSeconds + r.waitSeconds;
    return t > 0 ? r.waitSeconds / t : 0.0;
}

} // namespace

QString rankSummary(const std::vector<train::RankProgress> &ranks, const QString &unit)
{
    if (ranks.size() < 2)
        return {};
    QStringList parts;
    for (const auto &r : ranks)
        parts << QStringLiteral("%1 %2 %3/s (wait %4%)").arg(r.rank).arg(perSecond(r), 0, 'f', 1).arg(unit)
                     .arg(qRound(100 * waitShare(r)));
    return QStringLiteral("ranks: ") + parts.join(QStringLiteral(", "));
}

QVariantList rankProgressList(const std::vector<train::RankProgress> &ranks)
{
    QVariantList out;
    for (const auto &r : ranks)
        out.append(QVariantMap{{"rank", r.rank},
                               {"step", qint64(r.step)},
                               {"samples", qint64(r.samples)},
                               {"compute_seconds", r.computeSeconds},
                               {"wait_seconds", r.waitSeconds},
                               {"per_second", perSecond(r)},
                               {"wait_share", waitShare(r)}});
    return out;
}

} // namespace facelab::parallel

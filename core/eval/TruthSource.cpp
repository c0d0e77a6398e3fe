#include "TruthSource.h"

namespace facelab::eval {

QString truthSourceName(TruthSource s)
{
    return s == TruthSource::Verdicts ? QStringLiteral("verdicts") : QStringLiteral("imported");
}

std::optional<TruthSource> truthSourceFromName(const QString &name)
{
    if (name == QLatin1String("verdicts"))
        return TruthSource::Verdicts;
    if (name == QLatin1String("imported"))
        return TruthSource::Imported;
    return std::nullopt;
}

} // namespace facelab::eval

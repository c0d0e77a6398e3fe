#include "DecisionThreshold.h"

#include "StoreError.h"

#include <QSqlQuery>
#include <QVariant>

namespace facelab::store {

QString DecisionThreshold::originShort() const
{
    switch (origin) {
    case Origin::Version: return QStringLiteral("stored");
    case Origin::Evaluation: return QStringLiteral("last evaluation");
    case Origin::Default: return QStringLiteral("default");
    }
    return {};
}

QString DecisionThreshold::describe() const
{
    const QString v = QString::number(value, 'f', 3);
    switch (origin) {
    case Origin::Version: return QStringLiteral("%1, stored with the version").arg(v);
    case Origin::Evaluation:
        return QStringLiteral("%1, the best-accuracy threshold of evaluation run %2")
            .arg(v)
            .arg(evalRunId);
    case Origin::Default:
        return QStringLiteral("%1, FaceLab's default (no evaluation run yet)").arg(v);
    }
    return v;
}

DecisionThreshold decisionThreshold(const ProjectStore &store, const ModelVersionRecord &version)
{
    DecisionThreshold t;
    if (version.threshold) {
        t.value = *version.threshold;
        t.origin = DecisionThreshold::Origin::Version;
        return t;
    }
    QSqlQuery q(store.db());
    prepare(q, QStringLiteral("SELECT r.id, m.value FROM runs r JOIN metrics m ON m.run_id = r.id "
                              "WHERE r.kind = 'eval' AND r.status = 'done' AND m.model_version_id = ? "
                              "AND m.name = 'best_threshold' ORDER BY r.id DESC LIMIT 1"));
    q.addBindValue(version.id);
    exec(q, "read the last evaluation's threshold");
    if (q.next()) {
        t.evalRunId = q.value(0).toLongLong();
        t.value = q.value(1).toDouble();
        t.origin = DecisionThreshold::Origin::Evaluation;
    }
    return t;
}

} // namespace facelab::store

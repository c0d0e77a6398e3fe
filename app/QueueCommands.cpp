#include "QueueCommands.h"
#include "EngineHandover.h"

#include "data/QueueStrategy.h"
#include "jobs/RunRecorded.h"
#include "queue/PairMining.h"
#include "store/DecisionThreshold.h"
#include "store/ModelTable.h"
#include "store/PairTable.h"
#include "store/RunTable.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace facelab::cli {
namespace {

std::optional<store::ModelVersionRecord> versionOption(const store::ProjectStore &st, const QCommandLineParser &p)
{
    store::ModelTable models(st);
    if (!p.isSet("model"))
        return models.current();
    if (auto v = models.versionByName(p.value("model")))
        return v;
    QStringList names;
    for (const auto &v : models.versions())
        names << v.name;
    throw QueueUsageError(QStringLiteral("no model version named '%1' (the project has: %2)")
                              .arg(p.value("model"), names.isEmpty() ? QStringLiteral("none") : names.join(", "))
                              .toStdString());
}


QJsonValue optionalJson(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue(QJsonValue::Null);
}

} // namespace

#ifdef FACELAB_ENGINE
queue::MiningReport minePairsRecorded(const store::ProjectStore &st, const store::ModelVersionRecord &v, int count)
{
    queue::MiningOptions o;
    o.maxPairs = count;
    const QJsonObject params{{"model_version", v.name}, {"max_pairs", count}, {"neighbours", o.neighbours}};
    jobs::PlainJobContext ctx;
    return jobs::runRecorded(st, jobs::JobKind::MinePairs, params, ctx, [&](jobs::JobContext &c) {
        const queue::MiningReport r = queue::minePairs(st, v.id, o);
        c.log(QString::fromUtf8(QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact)));
        return r;
    });
}
#endif

void queueOptions(QCommandLineParser &p)
{
    p.addOption({"strategy", "uncertainty, hard-negatives, hard-positives, diversity or mix (default).", "S"});
    p.addOption({"model", "Model version whose scores order the queue (default: the current one).", "NAME"});
    p.addOption({"limit", "How many pairs to list (default 20, 0 = all).", "N"});
    p.addOption({"mine", "First add up to N mined hard pairs (FAISS nearest neighbours; train split).", "N"});
}

int cmdQueue(QCommandLineParser &p, const QStringList &)
{
    const char *usage = "facelab queue PROJECT [--strategy uncertainty|hard-negatives|hard-positives|diversity|mix] "
                        "[--model NAME] [--limit N] [--mine N] [--json]";
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        throw QueueUsageError(QStringLiteral("missing PROJECT; usage: %1").arg(QLatin1String(usage)).toStdString());
    const store::ProjectStore st = store::ProjectStore::open(pos[1]);
    // Default: the strategy the project's Annotate view uses (Pairs > Queue strategy).
    data::QueueStrategy strategy =
        data::queueStrategyFromName(st.setting(QString::fromLatin1(data::kQueueStrategySetting))).value_or(data::QueueStrategy::Mix);
    if (p.isSet("strategy")) {
        const auto s = data::queueStrategyFromName(p.value("strategy"));
        if (!s)
            throw QueueUsageError(QStringLiteral("--strategy is one of %1").arg(data::queueStrategyNames().join(", ")).toStdString());
        strategy = *s;
    }
    const int limit = intOption(p, "limit", 20, 0, 100000000);   // 0 = all
    const int mineCount = intOption(p, "mine", 0, 0, 10000000);

    const auto version = versionOption(st, p);
    if (mineCount > 0 && !version)
        throw QueueUsageError("--mine needs a model version with embeddings: add one with 'facelab model' and run 'facelab embed'");
    // What mining added, said before the queue (mining loads FAISS: the small binary hands it over).
    std::optional<QJsonObject> minedJson;
    QString minedLine;
    QStringList minedNotes;
#ifdef FACELAB_ENGINE
    if (mineCount > 0) {
        const queue::MiningReport mined = minePairsRecorded(st, *version, mineCount);
        minedJson = mined.toJson();
        minedLine = QStringLiteral("mined %1 hard negatives and %2 hard positives with %3 (%4 images searched, %5 s)\n")
                        .arg(mined.negativesAdded).arg(mined.positivesAdded).arg(mined.backend).arg(mined.images)
                        .arg(mined.seconds, 0, 'f', 2);
        minedNotes = mined.notes;
    }
#else
    if (mineCount > 0)
        throw EngineNeeded();
#endif

    // The GUI's rule (store/DecisionThreshold.h): stored, else the last evaluation's, else the default.
    const store::DecisionThreshold decision = version ? store::decisionThreshold(st, *version) : store::DecisionThreshold{};
    const double threshold = decision.value;
    data::QueueOrder order = data::orderQueue(st, version ? version->id : 0, threshold, strategy);
    if (!version)
        order.notes.prepend(QStringLiteral("the project has no model version: pairs come in import order"));
    int unlabelled = 0;
    for (const data::QueueEntry &e : order.entries)
        unlabelled += e.group == 0;
    const int shown = limit == 0 ? int(order.entries.size()) : std::min(limit, int(order.entries.size()));
    QVector<qint64> ids;
    for (int i = 0; i < shown; ++i)
        ids << order.entries[i].pairId;
    const QVector<store::PairRecord> records = store::PairTable(st).pairs(ids);

    QTextStream out(stdout);
    if (p.isSet("json")) {
        QJsonArray arr;
        for (int i = 0; i < records.size(); ++i) {
            const store::PairRecord &r = records[i];
            const data::QueueEntry &e = order.entries[i];
            arr.append(QJsonObject{{"position", i + 1},
                                   {"id", r.id},
                                   {"path1", r.a.absPath},
                                   {"path2", r.b.absPath},
                                   {"score", optionalJson(e.score)},
                                   {"reason", e.reason},
                                   {"truth", r.truth ? QJsonValue(*r.truth) : QJsonValue()},
                                   {"verdict", r.verdict ? QJsonValue(store::verdictName(*r.verdict)) : QJsonValue()},
                                   {"split", r.split},
                                   {"origin", r.origin}});
        }
        QJsonObject o{{"strategy", data::queueStrategyName(strategy)},
                      {"model", version ? QJsonValue(version->name) : QJsonValue()},
                      {"threshold", threshold},
                      {"threshold_origin", decision.originShort()},
                      {"total", order.entries.size()},
                      {"unlabelled", unlabelled},
                      {"notes", QJsonArray::fromStringList(order.notes)},
                      {"pairs", arr}};
        if (minedJson)
            o.insert("mined", *minedJson);
        out << QJsonDocument(o).toJson(QJsonDocument::Indented);
        return 0;
    }
    out << minedLine;
    out << QStringLiteral("%1 queue, %2 (threshold %3, %4): first %5 of %6 pairs, %7 without a verdict\n")
               .arg(data::queueStrategyName(strategy), version ? version->name : QStringLiteral("no model"))
               .arg(threshold).arg(decision.originShort()).arg(records.size()).arg(order.entries.size()).arg(unlabelled);
    for (int i = 0; i < records.size(); ++i) {
        const data::QueueEntry &e = order.entries[i];
        out << records[i].id << "\t" << (e.score ? QString::number(*e.score, 'f', 4) : QStringLiteral("-")) << "\t"
            << e.reason << "\t" << records[i].a.absPath << "\t" << records[i].b.absPath << "\n";
    }
    for (const QString &n : minedNotes + order.notes)
        out << "note: " << n << "\n";
    return 0;
}

} // namespace facelab::cli

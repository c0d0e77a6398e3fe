#include "LinearizeCommands.h"

#include "EvalCommands.h"
#include "OptionParsing.h"
#include "jobs/JobContext.h"
#include "jobs/RunRecorded.h"
#include "linearize/LinearOps.h"
#include "linearize/LinearizeJob.h"
#include "linearize/LinearizeWorker.h"
#include "ParallelOptions.h"

#include <QJsonDocument>
#include <QTextStream>
#include <cmath>

namespace facelab::cli {

namespace {

// Upper bounds of the size options: far above any real use, low enough that a typo is caught
// before it becomes an allocation of gigabytes.
constexpr int kMaxWidth = 65536;
constexpr int kMaxImages = 100000000;

void printJson(const QJsonObject &o)
{
    QTextStream out(stdout);
    out << QJsonDocument(o).toJson(QJsonDocument::Indented);
}

// The work as a recorded run of the project (jobs::runRecorded: the same record the GUI's queue makes).
template <typename F>
auto recordedRun(const store::ProjectStore &st, jobs::JobKind kind, const QJsonObject &params, bool progress, F &&work)
{
    jobs::PlainJobContext ctx(progress);
    return jobs::runRecorded(st, kind, params, ctx, std::forward<F>(work));
}

int sweep(const store::ProjectStore &st, QCommandLineParser &p, bool json)
{
    linearize::RankSweepRequest req;
    req.surrogate = p.value("from");
    req.saveRank = intOption(p, "save-rank", 0, 0, kMaxWidth);
    req.name = p.value("name");
    req.maxImages = intOption(p, "max-images", 0, 0, kMaxImages);
    if (p.isSet("ranks")) {
        for (const QString &k : p.value("ranks").split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            bool ok = false;
            const int v = k.trimmed().toInt(&ok);
            if (!ok || v < 1 || v > kMaxWidth)
                throw EvalUsageError(QStringLiteral("--ranks takes whole numbers from 1 to %1 separated by commas, not '%2'")
                                         .arg(kMaxWidth).arg(k).toStdString());
            req.ranks.push_back(v);
        }
    }
    const QJsonObject params{{"linearizer", req.surrogate}, {"save_rank", req.saveRank}};
    const auto r = recordedRun(st, jobs::JobKind::LinearizerRankSweep, params, !json,
                               [&](jobs::JobContext &ctx) { return linearize::rankSweep(st, req, ctx); });
    if (json) {
        printJson(r.toJson());
        return 0;
    }
    QTextStream out(stdout);
    out << QStringLiteral("%1 (teacher %2): AUC by rank of A over %3 same / %4 different pairs; teacher %5\n")
               .arg(r.surrogate, r.teacher).arg(r.samePairs).arg(r.differentPairs).arg(r.aucTeacher, 0, 'f', 4);
    for (size_t i = 0; i < r.ranks.size(); ++i)
        out << QStringLiteral("  k=%1  AUC %2  energy %3\n").arg(r.ranks[i], 4).arg(r.auc[i], 0, 'f', 4)
                   .arg(r.energy[size_t(r.ranks[i]) - 1], 0, 'f', 4);
    if (r.savedVersionId)
        out << "saved " << r.savedVersion << "\n";
    return 0;
}

int unlearn(const store::ProjectStore &st, QCommandLineParser &p, bool json)
{
    linearize::UnlearnRequest req;
    req.identity = p.value("unlearn");
    req.surrogate = p.value("from");
    req.directions = intOption(p, "directions", 0, 0, kMaxWidth);   // 0 = automatic
    req.name = p.value("name");
    req.maxImages = intOption(p, "max-images", 0, 0, kMaxImages);
    const QJsonObject params{{"identity", req.identity}, {"linearizer", req.surrogate}, {"directions", req.directions}};
    const auto r = recordedRun(st, jobs::JobKind::LinearizerUnlearn, params, !json,
                               [&](jobs::JobContext &ctx) { return linearize::unlearnIdentity(st, req, ctx); });
    if (json) {
        printJson(r.toJson());
        return 0;
    }
    QTextStream out(stdout);
    out << QStringLiteral("%1 forgotten in %2 along %3 direction(s) -> %4\n").arg(r.identity, r.surrogate).arg(r.directions).arg(r.version);
    out << QStringLiteral("  %1: same-pair similarity %2 -> %3, their different pairs %4 -> %5, AUC on their pairs %6 -> %7\n")
               .arg(r.identity).arg(r.forgotten.sameBefore, 0, 'f', 4).arg(r.forgotten.sameAfter, 0, 'f', 4)
               .arg(r.forgotten.differentBefore, 0, 'f', 4).arg(r.forgotten.differentAfter, 0, 'f', 4)
               .arg(r.forgotten.aucBefore, 0, 'f', 4).arg(r.forgotten.aucAfter, 0, 'f', 4);
    out << QStringLiteral("  everyone else: AUC %1 -> %2 (same-pair similarity %3 -> %4)\n")
               .arg(r.others.aucBefore, 0, 'f', 4).arg(r.others.aucAfter, 0, 'f', 4)
               .arg(r.others.sameBefore, 0, 'f', 4).arg(r.others.sameAfter, 0, 'f', 4);
    out << (r.goalMet ? "  goal met\n" : "  goal NOT met (see the directions tried with --json)\n");
    return 0;
}

} // namespace

void linearizeOptions(QCommandLineParser &p)
{
    p.addOption({"teacher", "Version to linearize (default: the current one).", "NAME"});
    p.addOption({"name", "Name of the new version (default <teacher>-linN, <from>-rK, <from>-forget-ID).", "NAME"});
    p.addOption({"epochs", "Epochs (default 20).", "E"});
    p.addOption({"latent", "Width of g_x's latent (default 512).", "D"});
    p.addOption({"blocks", "Invertible blocks in g_x and g_y (default 4).", "B"});
    p.addOption({"hidden", "Hidden width of the coupling networks (default 1024).", "H"});
    p.addOption({"rank", "Rank of A (default 0 = full).", "R"});
    p.addOption({"gx", "g_x kind: encoder (default). 'flow' is not built yet.", "KIND"});
    p.addOption({"lr", "Adam learning rate (default 1e-4).", "LR"});
    p.addOption({"batch", "Images per step (default 32).", "N"});
    p.addOption({"mse-weight", "Weight of the squared error to the teacher (default 1).", "W"});
    p.addOption({"cosine-weight", "Weight of 1 - cosine to the teacher (default 1).", "W"});
    p.addOption({"no-flip", "Do not mirror training faces."});
    p.addOption({"shift", "Random shifts up to this many pixels (default 0).", "PX"});
    p.addOption({"jitter", "Colour jitter strength 0..1 (default 0).", "J"});
    p.addOption({"heldout", "Fraction held out (default 0.2).", "F"});
    p.addOption({"heldout-by", "identity (default: people never seen in training) or image (unseen images of the "
                               "training people).", "WHAT"});
    p.addOption({"patience", "Stop after P epochs without a better held-out loss (default: never).", "P"});
    p.addOption({"seed", "Random seed (default 1).", "S"});
    p.addOption({"max-images", "Use at most this many images (default: all).", "N"});
    p.addOption({"images", "Learn from the aligned faces of an InsightFace RecordIO pack (FILE.rec + FILE.idx: "
                           "MS1MV2, Glint360k), read as needed, instead of the project's faces.", "FILE.rec"});
    p.addOption({"resume", "Continue the teacher's last unfinished (cancelled or killed) training (with any number of workers)."});
    addParallelOptions(p, QStringLiteral("PROJECT/linearizer/training-snapshot.bin"), /*rankAlias=*/false);
    p.addOption({"rank-sweep", "Verification AUC of a surrogate as a function of the rank of A."});
    p.addOption({"ranks", "Ranks for --rank-sweep, e.g. 1,4,16,64 (default powers of two).", "LIST"});
    p.addOption({"save-rank", "With --rank-sweep: save A truncated to this rank as a version.", "K"});
    p.addOption({"unlearn", "Remove an identity from a surrogate's A (a new version).", "IDENTITY"});
    p.addOption({"directions", "With --unlearn: directions removed (default 0 = the fewest that reach the goal).", "M"});
    p.addOption({"from", "Surrogate for --rank-sweep / --unlearn (default: the newest).", "NAME"});
}

int cmdLinearize(QCommandLineParser &p, const QStringList &)
{
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        throw EvalUsageError("missing PROJECT; usage: facelab linearize PROJECT [--teacher NAME] [--epochs E] [--latent D] "
                             "[--blocks B] [--rank R] [--workers N | --process-rank R --world W --master HOST:PORT] [--json] | --rank-sweep [--from NAME] | --unlearn IDENTITY [--from NAME]");
    if (p.isSet("rank-sweep") && p.isSet("unlearn"))
        throw EvalUsageError("--rank-sweep and --unlearn cannot be given together");
    for (const char *trainOnly : {"teacher", "epochs", "latent", "blocks", "hidden", "rank", "resume", "workers", "process-rank", "world", "master", "snapshot"})
        if ((p.isSet("rank-sweep") || p.isSet("unlearn")) && p.isSet(trainOnly))
            throw EvalUsageError(QStringLiteral("--%1 is for training a surrogate; --rank-sweep and --unlearn work on one (--from)")
                                     .arg(QLatin1String(trainOnly)).toStdString());
    if (p.isSet("gx") && p.value("gx") != QLatin1String("encoder"))
        throw EvalUsageError(QStringLiteral("--gx %1: only 'encoder' is built; the invertible image flow is not yet").arg(p.value("gx")).toStdString());
    const bool json = p.isSet("json");
    const parallel::DataParallelOptions dp = parallelOptions(p, /*rankAlias=*/false);
    if (dp.isWorker()) {   // a worker: trains its shard of rank 0's snapshot; the project is only read
        linearize::LinearizeRequest req;
        req.parallel = dp;
        linearize::runLinearizeWorker(pos[1], req, [](const QString &line) { QTextStream(stdout) << line << Qt::endl; });
        return 0;
    }
    const store::ProjectStore st = store::ProjectStore::open(pos[1]);
    if (p.isSet("rank-sweep"))
        return sweep(st, p, json);
    if (p.isSet("unlearn"))
        return unlearn(st, p, json);

    linearize::LinearizeRequest req;
    auto &c = req.config;
    auto &t = req.training;
    req.teacher = p.value("teacher");
    req.name = p.value("name");
    t.epochs = intOption(p, "epochs", t.epochs, 1, 1000000);
    c.latent = intOption(p, "latent", c.latent, 1, kMaxWidth);
    c.blocks = intOption(p, "blocks", c.blocks, 1, 256);
    c.hidden = intOption(p, "hidden", c.hidden, 1, kMaxWidth);
    c.rank = intOption(p, "rank", c.rank, 0, kMaxWidth);   // 0 = full
    t.learningRate = doubleOption(p, "lr", t.learningRate, 1e-9, 10);
    t.batch = intOption(p, "batch", t.batch, 1, 4096);
    t.mseWeight = doubleOption(p, "mse-weight", t.mseWeight, 0, 1e6);
    t.cosineWeight = doubleOption(p, "cosine-weight", t.cosineWeight, 0, 1e6);
    t.augment.flip = !p.isSet("no-flip");
    t.augment.maxShift = intOption(p, "shift", t.augment.maxShift, 0, 1024);
    t.augment.colourJitter = doubleOption(p, "jitter", t.augment.colourJitter, 0, 1);
    t.patience = intOption(p, "patience", t.patience, 0, 1000000);   // 0 = never stop early
    req.heldOutFraction = doubleOption(p, "heldout", req.heldOutFraction, 0, 1);
    if (p.isSet("heldout-by")) {
        if (p.value("heldout-by") != QLatin1String("identity") && p.value("heldout-by") != QLatin1String("image"))
            throw EvalUsageError("--heldout-by must be identity or image");
        req.heldOutByImage = p.value("heldout-by") == QLatin1String("image");
    }
    req.maxImages = intOption(p, "max-images", 0, 0, kMaxImages);
    req.images = p.value("images");
    if (!req.images.isEmpty() && !req.images.endsWith(QLatin1String(".rec")))
        throw EvalUsageError(QStringLiteral("--images takes an InsightFace pack FILE.rec (with FILE.idx beside it), not '%1'")
                                 .arg(req.images).toStdString());
    req.resume = p.isSet("resume");
    req.parallel = dp;
    t.seed = seedOption(p, "seed", t.seed);
    if (!(req.heldOutFraction > 0 && req.heldOutFraction < 1))
        throw EvalUsageError("--heldout must be between 0 and 1");
    const auto r = recordedRun(st, jobs::JobKind::TrainLinearizer, req.toJson(), !json,
                               [&](jobs::JobContext &ctx) { return linearize::trainLinearizer(st, req, ctx); });
    if (json) {
        printJson(r.toJson());
    } else {
        QTextStream out(stdout);
        out << QStringLiteral("%1 -> %2: %3 epochs (best %4), %5 training / %6 held-out images, %7 s on %8\n")
                   .arg(r.teacher, r.version).arg(r.training.epochsRun).arg(r.training.bestEpoch).arg(r.trainImages)
                   .arg(r.heldOutImages).arg(r.seconds, 0, 'f', 1).arg(QString::fromStdString(r.training.device));
        out << QStringLiteral("held out: MSE %1, cosine to the teacher mean %2 min %3; AUC teacher %4, linearized %5\n")
                   .arg(r.mse, 0, 'g', 4).arg(r.cosineMean, 0, 'f', 4).arg(r.cosineMin, 0, 'f', 4)
                   .arg(r.aucTeacher, 0, 'f', 4).arg(r.aucSurrogate, 0, 'f', 4);
    }
    for (const QString &n : r.notes)
        QTextStream(stderr) << "note: " << n << "\n";
    return 0;
}

} // namespace facelab::cli

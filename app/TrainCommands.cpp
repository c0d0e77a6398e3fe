#include "TrainCommands.h"

#include "EvalCommands.h"
#include "OptionParsing.h"
#include "ParallelOptions.h"
#include "finetune/FineTuneJob.h"
#include "finetune/FineTuneWorker.h"
#include "jobs/RunRecorded.h"

#include <QJsonDocument>
#include <QTextStream>
#include <cmath>

namespace facelab::cli {

void finetuneOptions(QCommandLineParser &p)
{
    p.addOption({"model", "Version to start from (default: the current one).", "NAME"});
    p.addOption({"epochs", "Epochs (default 10).", "E"});
    p.addOption({"margin", "Contrastive margin on unit-vector distance (default 1.0).", "M"});
    p.addOption({"lr", "Adam learning rate (default 1e-4).", "LR"});
    p.addOption({"batch", "Pairs per step (default 32).", "B"});
    p.addOption({"seed", "Random seed (default 1): same seed and data, same result on the CPU.", "S"});
    p.addOption({"flip", "Mirror training faces at random (augmentation)."});
    p.addOption({"train-batchnorm", "Train BatchNorm statistics too (default: frozen)."});
    p.addOption({"freeze", "What stays fixed, by block: none (default), stem, early (the first half), backbone (all but the "
                           "embedding head), or a fraction F of the blocks.", "PRESET|F"});
    p.addOption({"patience", "Stop after P epochs without a better validation AUC (default: never).", "P"});
    p.addOption({"loss", "groups (default: multi-similarity over verdict groups) or pairwise (the seed's contrastive loss).", "KIND"});
    p.addOption({"distill", "Weight of the distillation to the parent on unlabelled faces (default 1; 0 = off).", "W"});
    p.addOption({"l2sp", "Weight decay toward the starting weights, L2-SP (default 0).", "W"});
    p.addOption({"warmup", "Fraction of the steps with a linear learning-rate warm-up (default 0.1).", "F"});
    p.addOption({"constant-lr", "No cosine decay of the learning rate."});
    p.addOption({"far", "Target false accept rate on validation negatives for the child's threshold (default 0.1).", "FAR"});
    p.addOption({"reference", "A project of the parent's own domain (pairs with truth, faces made): forgetting is measured there.", "PROJECT"});
    p.addOption({"include-test", "Also train on test-split verdicts (the test comparison is then not held out)."});
    p.addOption({"truth", "Truth for the test comparison: verdicts (default) or imported.", "SOURCE"});
    p.addOption({"use", "Make the new version the project's current one, if its verdict is \"better\"."});
    addParallelOptions(p, QStringLiteral("PROJECT/training/finetune-snapshot.bin"), /*rankAlias=*/true);
    p.addOption({"checkpoint", "Write a checkpoint here (atomically, at every epoch's end).", "PATH"});
    p.addOption({"checkpoint-every", "Also every N steps.", "N"});
    p.addOption({"resume", "Continue from --checkpoint when it exists (with any number of workers)."});
}

int cmdFinetune(QCommandLineParser &p, const QStringList &)
{
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        throw EvalUsageError("missing PROJECT; usage: facelab finetune PROJECT [--model NAME] [--epochs E] [--margin M] "
                             "[--lr LR] [--batch B] [--seed S] [--json]");
    finetune::FineTuneRequest req;
    auto &t = req.training;
    req.model = p.value("model");
    t.epochs = intOption(p, "epochs", t.epochs, 1, 10000);
    t.margin = doubleOption(p, "margin", t.margin, 0, 2);
    t.learningRate = doubleOption(p, "lr", t.learningRate, 1e-9, 1);
    t.batchPairs = intOption(p, "batch", t.batchPairs, 1, 4096);
    t.seed = seedOption(p, "seed", t.seed);
    t.flipAugment = p.isSet("flip");
    t.trainBatchNorm = p.isSet("train-batchnorm");
    if (p.isSet("freeze")) {
        const QString f = p.value("freeze");
        if (f == QLatin1String("none"))
            t.freezeFraction = 0;
        else if (!train::freezePresetFromName(f.toStdString(), t.freeze) || t.freeze == train::FreezePreset::Fraction) {
            t.freeze = train::FreezePreset::Fraction;
            bool number = false;
            f.toDouble(&number);
            if (!number)
                throw UsageError(QStringLiteral("--freeze is none, stem, early, backbone or a fraction of the blocks, "
                                                "not '%1'").arg(f).toStdString());
            t.freezeFraction = doubleOption(p, "freeze", t.freezeFraction, 0, 0.99);
        }
    }
    t.patience = intOption(p, "patience", t.patience, 0, 1000000);
    req.snapshot.includeTestSplit = p.isSet("include-test");
    req.snapshot.seed = t.seed;
    if (p.isSet("truth")) {
        const auto s = eval::truthSourceFromName(p.value("truth"));
        if (!s)
            throw EvalUsageError("--truth must be verdicts or imported");
        req.truth = *s;
    }
    req.makeCurrent = p.isSet("use");
    if (p.isSet("loss") && !train::lossKindFromName(p.value("loss").toStdString(), t.loss))
        throw EvalUsageError("--loss must be groups or pairwise");
    t.distillWeight = doubleOption(p, "distill", t.distillWeight, 0, 1000);
    t.l2spWeight = doubleOption(p, "l2sp", t.l2spWeight, 0, 1e6);
    t.warmupFraction = doubleOption(p, "warmup", t.warmupFraction, 0, 0.99);
    t.cosineDecay = !p.isSet("constant-lr");
    t.targetFar = doubleOption(p, "far", t.targetFar, 1e-6, 0.99);
    req.referenceProject = p.value("reference");
    t.checkpointPath = p.value("checkpoint").toStdString();
    t.checkpointEvery = intOption(p, "checkpoint-every", 0, 0, 100000000);
    t.resume = p.isSet("resume");
    if ((t.resume || t.checkpointEvery > 0) && t.checkpointPath.empty())
        throw UsageError("--resume and --checkpoint-every need --checkpoint PATH");
    req.parallel = parallelOptions(p, /*rankAlias=*/true);
    const parallel::DataParallelOptions &dp = req.parallel;
    if (dp.rank > 0) {   // a worker: trains its shard of rank 0's snapshot; the project is only read
        finetune::runFineTuneWorker(pos[1], req, [](const QString &line) { QTextStream(stdout) << line << Qt::endl; });
        return 0;
    }
    const store::ProjectStore st = store::ProjectStore::open(pos[1]);

    const bool json = p.isSet("json");
    jobs::PlainJobContext ctx(!json);
    const finetune::FineTuneReport r =
        jobs::runRecorded(st, jobs::JobKind::FineTune, finetune::fineTuneRunParams(st, req), ctx,
                          [&](jobs::JobContext &c) { return finetune::fineTune(st, req, c); });
    QTextStream out(stdout);
    if (json) {
        out << QJsonDocument(r.toJson()).toJson(QJsonDocument::Indented);
    } else {
        double aucAfter = NAN;
        for (const auto &e : r.training.epochs)
            if (e.epoch == r.training.bestEpoch && e.epoch > 0)
                aucAfter = e.valAuc;
        out << QStringLiteral("%1 -> %2: %3 epochs (best %4 by validation AUC), %5 training pairs, validation AUC %6 -> %7, "
                              "accuracy %8 -> %9, %10 s on %11\n")
                   .arg(r.parent, r.version).arg(r.training.epochsRun).arg(r.training.bestEpoch).arg(r.snapshot.train.size())
                   .arg(r.training.epochs.front().valAuc, 0, 'f', 4).arg(aucAfter, 0, 'f', 4)
                   .arg(r.training.epochs.front().valAccuracy, 0, 'f', 4)
                   .arg(r.toJson().value("val_accuracy_after").toDouble(), 0, 'f', 4)
                   .arg(r.seconds, 0, 'f', 1).arg(QString::fromStdString(r.training.device));
        if (!r.verdict.verdict.isEmpty()) {
            out << QStringLiteral("verdict: %1\n").arg(r.verdict.summary);
            for (const QString &line : r.verdict.reasons)
                out << "  " << line << "\n";
        }
        if (r.test.available)
            out << QStringLiteral("test split, %1 pairs: accuracy %2 -> %3, AUC %4 -> %5, FP %6 -> %7, FN %8 -> %9\n")
                       .arg(r.test.child.pairs).arg(r.test.parent.atThreshold.accuracy(), 0, 'f', 4)
                       .arg(r.test.child.atThreshold.accuracy(), 0, 'f', 4).arg(r.test.parent.auc, 0, 'f', 4)
                       .arg(r.test.child.auc, 0, 'f', 4).arg(r.test.parent.atThreshold.fp).arg(r.test.child.atThreshold.fp)
                       .arg(r.test.parent.atThreshold.fn).arg(r.test.child.atThreshold.fn);
    }
    out.flush();
    for (const QString &n : r.notes)
        QTextStream(stderr) << "note: " << n << "\n";
    return 0;
}

} // namespace facelab::cli

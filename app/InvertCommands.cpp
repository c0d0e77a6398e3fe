#include "InvertCommands.h"

#include "EvalCommands.h"
#include "OptionParsing.h"
#include "invert/InvertJob.h"
#include "jobs/JobContext.h"
#include "jobs/RunRecorded.h"

#include <QJsonDocument>
#include <QTextStream>

namespace facelab::cli {

void invertOptions(QCommandLineParser &p)
{
    p.addOption({"identity", "Invert into this identity of the project.", "NAME"});
    p.addOption({"image", "Invert into the person of this image (a project image, or any photo: its face is found).", "PATH"});
    p.addOption({"model", "Version to invert (default: the current one).", "NAME"});
    p.addOption({"judge", "Another version that scores the images too (an image that fools only its own model is noise).", "NAME"});
    p.addOption({"steps", "Optimisation steps (default 200).", "N"});
    p.addOption({"batch", "Images made at once (default 8).", "B"});
    p.addOption({"seed", "Random seed (default 1): same seed, same images.", "S"});
    p.addOption({"lr", "Adam learning rate (default 0.05, cosine decay).", "LR"});
    p.addOption({"prior", "auto (default: BatchNorm statistics, else measured on the project's faces), batchnorm, "
                          "measured or none.", "KIND"});
    p.addOption({"prior-layers", "Layers the statistics prior covers, spread evenly (default 12; 0 = all).", "N"});
    p.addOption({"prior-weight", "Weight of the statistics prior (default 0.01).", "W"});
    p.addOption({"tv-weight", "Weight of total variation (default 0.05).", "W"});
    p.addOption({"l2-weight", "Weight of the image L2 norm (default 1e-5).", "W"});
    p.addOption({"margin", "ArcFace margin m (default 0.5).", "M"});
    p.addOption({"scale", "ArcFace scale s (default 64).", "S"});
    p.addOption({"jitter", "Random roll up to this many pixels each step (default: an eighth of the size).", "PX"});
    p.addOption({"no-flip", "Do not mirror the images at random each step."});
    p.addOption({"start", "mean (default: the project's mean face plus a little noise) or noise (Gaussian).", "FROM"});
    p.addOption({"measure-faces", "Faces the measured prior is computed on (default 256).", "N"});
    p.addOption({"out", "Also copy the images to this folder.", "DIR"});
}

int cmdInvert(QCommandLineParser &p, const QStringList &)
{
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2)
        throw EvalUsageError("missing PROJECT; usage: facelab invert PROJECT (--identity NAME | --image PATH) [--model NAME] "
                             "[--judge NAME] [--steps N] [--batch B] [--seed S] [--out DIR] [--json]");
    if (p.isSet("identity") == p.isSet("image"))
        throw EvalUsageError("give one target: --identity NAME or --image PATH");
    invert::InvertRequest req;
    auto &o = req.options;
    req.identity = p.value("identity");
    req.image = p.value("image");
    req.model = p.value("model");
    req.judge = p.value("judge");
    req.outDir = p.value("out");
    if (p.isSet("start")) {
        req.start = p.value("start");
        if (req.start != QLatin1String("noise") && req.start != QLatin1String("mean"))
            throw EvalUsageError("--start must be noise or mean");
    }
    o.steps = intOption(p, "steps", o.steps, 1, 1000000);
    o.batch = intOption(p, "batch", o.batch, 1, 256);
    o.learningRate = doubleOption(p, "lr", o.learningRate, 1e-9, 10);
    o.priorWeight = doubleOption(p, "prior-weight", o.priorWeight, 0, 1e6);
    o.priorLayers = intOption(p, "prior-layers", o.priorLayers, 0, 10000);   // 0 = all
    o.tvWeight = doubleOption(p, "tv-weight", o.tvWeight, 0, 1e6);
    o.l2Weight = doubleOption(p, "l2-weight", o.l2Weight, 0, 1e6);
    o.arcMargin = doubleOption(p, "margin", o.arcMargin, 0, 3.14159);   // an angle in radians
    o.arcScale = doubleOption(p, "scale", o.arcScale, 1e-3, 1e4);
    o.maxShift = intOption(p, "jitter", o.maxShift, 0, 1024);
    o.flip = !p.isSet("no-flip");
    req.measureFaces = intOption(p, "measure-faces", req.measureFaces, 1, 10000000);
    if (p.isSet("prior") && !inversion::priorKindFromName(p.value("prior").toStdString(), o.prior))
        throw EvalUsageError("--prior must be auto, batchnorm, measured or none");
    o.seed = seedOption(p, "seed", o.seed);
    const bool json = p.isSet("json");
    const store::ProjectStore st = store::ProjectStore::open(pos[1]);
    jobs::PlainJobContext ctx(!json);
    const auto r = jobs::runRecorded(st, jobs::JobKind::Invert, req.toJson(), ctx,
                                     [&](jobs::JobContext &c) { return invert::invertModel(st, req, c); });
    if (json) {
        QTextStream(stdout) << QJsonDocument(r.toJson()).toJson(QJsonDocument::Indented);
    } else {
        QTextStream out(stdout);
        out << QStringLiteral("%1 inverted into %2: %3 images, %4 steps (%5 steps/s on %6), prior %7\n")
                   .arg(r.model, r.target).arg(r.images.size()).arg(r.stepsRun).arg(r.stepsPerSecond, 0, 'f', 2)
                   .arg(r.device, r.prior);
        out << QStringLiteral("  cosine to the target %1 (noise %2), rank of the target %3 of %4 identities\n")
                   .arg(r.targetCosineMean(), 0, 'f', 3).arg(r.startCosine, 0, 'f', 3).arg(r.identityRankMean(), 0, 'f', 1)
                   .arg(r.identities);
        if (!r.judge.isEmpty())
            out << QStringLiteral("  judge %1: rank of the target %2\n").arg(r.judge).arg(r.judgeRankMean(), 0, 'f', 1);
        for (const QString &img : r.images)
            out << "  " << img << "\n";
    }
    for (const QString &n : r.notes)
        QTextStream(stderr) << "note: " << n << "\n";
    return 0;
}

} // namespace facelab::cli
